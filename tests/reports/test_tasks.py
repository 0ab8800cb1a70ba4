"""Gap analyses are computed by a real Celery worker on the Redis broker."""

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import before_task_publish, task_postrun
from django.utils import timezone

from config.celery_app import app as celery_app
from feedback import services as feedback_services
from feedback.models import Cycle
from reports.models import GapAnalysis, RecomputeMark
from reports.services import gap_analysis_documents
from reports.tasks import sweep_stale_results
from tests.reports.builders import answer_all, invited, new_request, open_cycle

pytestmark = pytest.mark.services


@pytest.fixture
def runs():
    """Names of the tasks the worker finished, in order (the worker runs in this process)."""
    finished = []

    def record(sender=None, **kwargs):
        finished.append(sender.name)

    task_postrun.connect(record, weak=False)
    yield finished
    task_postrun.disconnect(record)


def submit(cycle, token, value=4):
    feedback_services.survey_save_draft(token=token, ratings=answer_all(cycle, value))
    feedback_services.survey_submit(token=token)


def test_it_recomputes_a_subject_after_a_submission(celery_worker, wait_for, settings):
    settings.GAP_ANALYSIS_COALESCE_SECONDS = 1
    cycle = open_cycle()
    request = new_request(cycle)
    _, token = invited(request, "boss")
    submit(cycle, token, value=2)
    wait_for(lambda: GapAnalysis.objects.filter(request=request, submitted_count=1).first())
    data = gap_analysis_documents(request_ids=[request.id])[request.id]
    assert data["items"][0]["scores"]["boss"] == {"mean": 2.0, "n": 1, "sd": None}
    assert not RecomputeMark.objects.filter(request=request).exists()  # cleared by the recompute


@pytest.fixture
def published():
    """Names of the tasks sent to the broker, in order."""
    sent = []

    def record(sender=None, **kwargs):
        sent.append(sender)

    before_task_publish.connect(record, weak=False)
    yield sent
    before_task_publish.disconnect(record)


def test_it_coalesces_a_burst_of_submissions_into_one_run(
    real_broker, wait_for, settings, runs, published, monkeypatch
):
    settings.GAP_ANALYSIS_COALESCE_SECONDS = 1
    cycle = open_cycle()
    request = new_request(cycle)
    tokens = [invited(request, "peer")[1] for _ in range(5)]
    # The burst happens at one instant of the application's clock and before any worker
    # runs: however slowly this machine submits, every submission after the first finds
    # the mark standing. (Celery's own clock, which dates the task, is left alone.)
    instant = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: instant)
    for token in tokens:
        submit(cycle, token)
    monkeypatch.undo()
    assert published.count("reports.tasks.recompute_request") == 1
    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30
    ):
        wait_for(lambda: GapAnalysis.objects.filter(request=request, submitted_count=5).exists())
    assert runs.count("reports.tasks.recompute_request") == 1


def test_it_recomputes_every_subject_when_the_cycle_closes(celery_worker, wait_for, settings):
    settings.GAP_ANALYSIS_COALESCE_SECONDS = 60  # keep the per-submission runs out of the way
    cycle = open_cycle()
    requests = [new_request(cycle) for _ in range(3)]
    for request in requests:
        submit(cycle, invited(request, "self")[1], value=3)
    feedback_services.cycle_close(cycle=Cycle.objects.get(pk=cycle.pk))
    wait_for(
        lambda: (
            GapAnalysis.objects.filter(
                request__in=requests, submitted_count=1, computed_at__isnull=False
            ).count()
            == 3
        )
    )


def test_it_sweeps_up_results_whose_recompute_was_lost(celery_worker, wait_for):
    # A submission whose recompute never got queued (the broker was down at that moment):
    # written straight to the tables, so no task exists for it.
    from tests.reports.builders import items_of, respond

    cycle = open_cycle()
    request = new_request(cycle)
    respond(request, "boss", {items_of(cycle)[0].id: 5})
    sweep_stale_results.delay()  # what beat does every few minutes
    wait_for(lambda: GapAnalysis.objects.filter(request=request, submitted_count=1).exists())
    data = gap_analysis_documents(request_ids=[request.id])[request.id]
    assert data["items"][0]["scores"]["boss"]["mean"] == 5.0
