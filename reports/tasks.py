"""Results' Celery tasks: thin, take ids, call one service. All idempotent and safe to
redeliver.

``services`` imports this module and queues these tasks, these tasks call ``services``:
both import the other module object (never names from it), so either may load first.
"""

from celery import shared_task

from core.mail import email_task_options
from core.tasks import RETRY
from reports import emails, services


@shared_task(**RETRY)
def recompute_request(request_id: int) -> int:
    return services.gap_analyses_recompute(request_ids=[request_id])


@shared_task(**RETRY)
def recompute_cycle(cycle_id: int) -> int:
    return services.cycle_recompute(cycle_id=cycle_id)


@shared_task(**RETRY)
def fan_out_cycle_recompute(cycle_id: int) -> int:
    return services.cycle_recompute_fan_out(cycle_id=cycle_id)


@shared_task(**RETRY)
def recompute_cycle_chunk(cycle_id: int, run: str, index: int, first_id: int, last_id: int) -> bool:
    return services.cycle_chunk_recompute(
        cycle_id=cycle_id, run=run, index=index, first_id=first_id, last_id=last_id
    )


@shared_task(**RETRY)
def sweep_stale_results() -> int:
    return services.gap_analyses_sweep()


@shared_task(**RETRY)
def freeze_cycle(cycle_id: int) -> int:
    return services.cycle_results_freeze(cycle_id=cycle_id)


@shared_task(**RETRY)
def screen_cycle_comments(cycle_id: int) -> int:
    return services.cycle_comments_screen(cycle_id=cycle_id)


@shared_task(**email_task_options())
def send_report_released(request_id: int) -> bool:
    # Issue 16: the subject learns that their coach released their report.
    return services.report_released_mark_sent(
        request_id=request_id, send=lambda debrief: emails.report_released_send(debrief=debrief)
    )
