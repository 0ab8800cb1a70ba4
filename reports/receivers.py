"""Results react to what feedback collection announces (``feedback.signals``).

Connected in ``ReportsConfig.ready()``. Each receiver runs inside the feedback service's
transaction: a mark written here commits with the answer, and tasks are queued only once
the change is committed (a worker reads it on another connection; a rollback queues
nothing).
"""

from django.db import transaction

from reports import services


def results_mark_stale(sender, *, request_id: int, submitted_at, **kwargs) -> None:
    """A submission: recompute that subject's result soon, once per burst."""
    if services.gap_analysis_mark(request_id=request_id, now=submitted_at):
        transaction.on_commit(lambda: services.gap_analysis_queue(request_id=request_id))


def results_compute_cycle(sender, *, cycle, **kwargs) -> None:
    """A cycle closed: every subject's figures, in bulk, by a worker."""
    cycle_id = cycle.id
    transaction.on_commit(lambda: services.cycle_recompute_schedule(cycle_id=cycle_id))


def results_freeze_cycle(sender, *, cycle, **kwargs) -> None:
    """A cycle was released: bring every result up to date, then freeze it for good."""
    cycle_id = cycle.id
    transaction.on_commit(lambda: services.cycle_results_freeze_schedule(cycle_id=cycle_id))


def comments_screen_cycle(sender, *, cycle, **kwargs) -> None:
    """A cycle closed: look for comments that may give their writer away, by a worker."""
    cycle_id = cycle.id
    transaction.on_commit(lambda: services.cycle_comments_screen_schedule(cycle_id=cycle_id))
