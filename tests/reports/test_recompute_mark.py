"""Results keep their own recompute mark, set by listening to feedback's submissions.

Feedback announces a submission (``feedback.signals.answers_submitted``) inside its
transaction; results mark the subject in their own table (``reports.RecomputeMark``)
and queue one recompute per burst once the answer is committed.
"""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from feedback import services as feedback_services
from feedback.models import Cycle
from reports.models import GapAnalysis, RecomputeMark
from tests.reports.builders import answer_all, invited, new_request, open_cycle

pytestmark = pytest.mark.django_db


def submit(cycle, token):
    feedback_services.survey_save_draft(token=token, ratings=answer_all(cycle, 4))
    return feedback_services.survey_submit(token=token)


def test_it_marks_the_subject_in_results_own_table_on_a_submission(
    django_capture_on_commit_callbacks,
):
    cycle = open_cycle()
    request, other = new_request(cycle), new_request(cycle)
    _, token = invited(request, "peer")
    with django_capture_on_commit_callbacks() as queued:
        receipt = submit(cycle, token)
    mark = RecomputeMark.objects.get(request=request)
    assert mark.queued_at == receipt.rater.submitted_at
    assert not RecomputeMark.objects.filter(request=other).exists()
    assert len(queued) == 1  # the recompute, after the commit


def test_it_queues_one_recompute_for_a_burst(django_capture_on_commit_callbacks):
    cycle = open_cycle()
    request = new_request(cycle)
    tokens = [invited(request, "peer")[1] for _ in range(3)]
    with django_capture_on_commit_callbacks() as queued:
        for token in tokens:
            submit(cycle, token)
    assert len(queued) == 1
    assert RecomputeMark.objects.filter(request=request).count() == 1


def test_it_queues_again_when_the_mark_is_old(django_capture_on_commit_callbacks, settings):
    # A mark whose task was lost with the broker holds nobody back for long.
    settings.GAP_ANALYSIS_COALESCE_SECONDS = 5
    cycle = open_cycle()
    request = new_request(cycle)
    stale = timezone.now() - datetime.timedelta(seconds=21)
    RecomputeMark.objects.create(request=request, queued_at=stale)
    with django_capture_on_commit_callbacks() as queued:
        submit(cycle, invited(request, "peer")[1])
    assert len(queued) == 1
    assert RecomputeMark.objects.get(request=request).queued_at > stale


def test_it_holds_back_a_submission_while_a_recent_mark_stands(
    django_capture_on_commit_callbacks, settings
):
    settings.GAP_ANALYSIS_COALESCE_SECONDS = 5
    cycle = open_cycle()
    request = new_request(cycle)
    recent = timezone.now() - datetime.timedelta(seconds=19)
    RecomputeMark.objects.create(request=request, queued_at=recent)
    with django_capture_on_commit_callbacks() as queued:
        submit(cycle, invited(request, "peer")[1])
    assert queued == []
    assert RecomputeMark.objects.get(request=request).queued_at == recent


def test_it_clears_the_mark_when_the_recompute_runs(django_capture_on_commit_callbacks):
    cycle = open_cycle()
    request = new_request(cycle)
    with django_capture_on_commit_callbacks(execute=True):  # tasks run in-process here
        submit(cycle, invited(request, "boss")[1])
    assert not RecomputeMark.objects.filter(request=request).exists()
    assert GapAnalysis.objects.get(request=request).submitted_count == 1


def test_it_computes_and_freezes_when_feedback_closes_and_releases(
    django_capture_on_commit_callbacks,
):
    cycle = open_cycle()
    request = new_request(cycle)
    submit(cycle, invited(request, "boss")[1])  # its recompute is not run (not committed)
    with django_capture_on_commit_callbacks(execute=True):
        feedback_services.cycle_close(cycle=Cycle.objects.get(pk=cycle.pk))
    analysis = GapAnalysis.objects.get(request=request)
    assert (analysis.submitted_count, analysis.frozen_at) == (1, None)
    with django_capture_on_commit_callbacks(execute=True):
        feedback_services.cycle_release(cycle=Cycle.objects.get(pk=cycle.pk))
    assert GapAnalysis.objects.get(request=request).frozen_at is not None


@pytest.mark.django_db(transaction=True)
def test_it_carries_the_marks_standing_on_requests_over_in_the_migration():
    before = [
        ("feedback", "0011_superseded_token"),
        ("reports", "0006_gap_analysis_others_counted"),
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    person = old.get_model("accounts", "Person").objects.create(email="m@example.com", name="M")
    cycle = old.get_model("feedback", "Cycle").objects.create(
        name="C", closes_at=timezone.now() + datetime.timedelta(days=3)
    )
    requests = old.get_model("feedback", "FeedbackRequest")
    queued_at = timezone.now().replace(microsecond=0)
    marked = requests.objects.create(cycle=cycle, subject=person, recompute_queued_at=queued_at)
    other = old.get_model("accounts", "Person").objects.create(email="n@example.com", name="N")
    unmarked = requests.objects.create(cycle=cycle, subject=other)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert list(RecomputeMark.objects.values_list("request_id", "queued_at")) == [
        (marked.id, queued_at)
    ]
    assert unmarked.id != marked.id
