"""Gap analyses are computed by a real Celery worker on the Redis broker."""

import pytest
from celery.signals import task_postrun

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


def test_it_coalesces_a_burst_of_submissions_into_one_run(celery_worker, wait_for, settings, runs):
    settings.GAP_ANALYSIS_COALESCE_SECONDS = 2
    cycle = open_cycle()
    request = new_request(cycle)
    tokens = [invited(request, "peer")[1] for _ in range(5)]
    for token in tokens:
        submit(cycle, token)
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
