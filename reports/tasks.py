"""Thin Celery tasks: take ids, call one service. All idempotent and safe to redeliver."""

from celery import shared_task
from django.db import OperationalError

from reports import services

RETRY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "max_retries": 10,
}


@shared_task(**RETRY)
def recompute_request(request_id: int) -> int:
    return services.gap_analyses_recompute(request_ids=[request_id])


@shared_task(**RETRY)
def recompute_cycle(cycle_id: int) -> int:
    return services.cycle_recompute(cycle_id=cycle_id)


@shared_task(**RETRY)
def sweep_stale_results() -> int:
    return services.gap_analyses_sweep()


@shared_task(**RETRY)
def freeze_cycle(cycle_id: int) -> int:
    return services.cycle_results_freeze(cycle_id=cycle_id)


@shared_task(**RETRY)
def build_export(export_id: int) -> str:
    return services.export_build(export_id=export_id)


@shared_task(**RETRY)
def build_bundle_part(export_id: int, part: int, parts: int, request_ids: list[int]) -> str:
    return services.export_bundle_part(
        export_id=export_id, part=part, parts=parts, request_ids=request_ids
    )


@shared_task(**RETRY)
def purge_expired_exports() -> int:
    return services.exports_purge_expired()
