"""Queueing Celery tasks when the broker may be down."""

import logging

from django.db import OperationalError

logger = logging.getLogger(__name__)

# Options for tasks that work on the database: acknowledged once done (a worker lost
# half-way hands the job to another), retried with backoff while the database is away.
RETRY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "max_retries": 10,
}


def task_queue(task, *args, countdown: float | None = None) -> bool:
    """Queue a task; if the broker is down, log and answer False.

    For work that has a way to catch up (a periodic sweep, or a row marked failed for the
    reader to ask again): the caller decides what False means.
    """
    try:
        task.apply_async(args=args, countdown=countdown)
    except Exception:  # kombu raises many transport errors
        logger.warning("broker unavailable: %s%r not queued", task.name, args, exc_info=True)
        return False
    return True
