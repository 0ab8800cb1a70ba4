"""The exports app's Celery tasks: thin, take ids, call one service. All idempotent and
safe to redeliver.

``services`` imports this module and queues these tasks, these tasks call ``services``:
both import the other module object (never names from it), so either may load first.
Each keeps the name it had in reports, so a message queued by the previous release (and
the beat schedule's entry) still finds its task.
"""

from celery import shared_task

from core.tasks import RETRY
from exports import services


@shared_task(name="reports.tasks.build_export", **RETRY)
def build_export(export_id: int) -> str:
    return services.export_build(export_id=export_id)


@shared_task(name="reports.tasks.build_bundle_part", **RETRY)
def build_bundle_part(export_id: int, part: int, parts: int, request_ids: list[int]) -> str:
    return services.export_bundle_part(
        export_id=export_id, part=part, parts=parts, request_ids=request_ids
    )


@shared_task(name="reports.tasks.purge_expired_exports", **RETRY)
def purge_expired_exports() -> int:
    return services.exports_purge_expired()
