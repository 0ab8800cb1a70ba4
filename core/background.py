"""Running in-process tasks off the request thread, for the embedded defaults.

Without a broker (``make run``) Celery runs tasks eagerly, that is inside the call that
queues them: "Open cycle" for 200 people sent 200 emails before the page answered
(3.6 s). With ``TASKS_IN_BACKGROUND_THREAD`` on, an eager task is handed to one thread of
this process instead, so the page answers at once and the work runs after it, in order,
as a single worker would. Tasks are queued on commit, so the thread sees committed rows.

Only a process that serves pages switches it on (config/wsgi.py, which runserver loads
too): management commands such as ``seed_demo`` keep running each task inside the call, in
the order their steps need. Unit tests keep it off (the work is done when the call
returns, which they rely on); with a broker it is never used: the worker does the work.
"""

import logging
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connections

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_pending: set[Future] = set()
_enabled = False


def enable(on: bool = True) -> None:
    global _enabled
    _enabled = on


def enabled() -> bool:
    return _enabled


def _reset_after_fork() -> None:
    # A forked process (gunicorn) must not share the parent's thread or its queue.
    global _executor, _lock
    _executor = None
    _lock = threading.Lock()
    _pending.clear()


os.register_at_fork(after_in_child=_reset_after_fork)


def _run(name: str, call, args, kwargs) -> None:
    try:
        call(*args, **kwargs)
    except Exception:
        # Nobody waits on this thread: the log is where the fault is seen, as with a worker.
        logger.exception("in-process task %s failed", name)
    finally:
        # Connections are per thread; close them so none is left open between tasks.
        connections.close_all()


def submit(name: str, call, *args, **kwargs) -> Future:
    """Run ``call(*args, **kwargs)`` on the background thread, after what is queued."""
    global _executor
    with _lock:
        if _executor is None:
            # One thread: tasks run one at a time, in the order queued, and SQLite sees
            # one writer besides the request being served.
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tasks")
        future = _executor.submit(_run, name, call, args, kwargs)
        _pending.add(future)
    future.add_done_callback(_pending.discard)
    return future


def wait_idle(timeout: float = 30.0) -> bool:
    """Wait until every queued task has run (tasks queued by tasks included).

    For tests and for commands that must not end with work still queued. Answers
    whether it became idle within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        with _lock:
            futures = list(_pending)
        if not futures:
            return True
        try:
            # _run catches every failure, so result() can only time out.
            for future in futures:
                future.result(timeout=max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            return False
