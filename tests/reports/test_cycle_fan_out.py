"""Issue 19: a closing cycle's recompute fans out in chunks of subjects across worker
processes. The figures equal the one-pass computation (``cycle_recompute``); the run
counts as finished only once every chunk has committed; a chunk run twice, or a chunk of
a superseded run, changes nothing."""

import itertools
import json

import pytest

from feedback import services as feedback_services
from feedback.models import Cycle, Rater
from reports.models import CycleRecompute, GapAnalysis, SubjectScore
from reports.services import cycle_chunk_recompute, cycle_recompute, cycle_recompute_fan_out
from tests.factories import person_with_login
from tests.reports.builders import items_of, new_request, open_cycle, respond

# Panels that exercise every rule at k = 3: a shown peer group, a pool of two peers and
# one direct report (reportable only with a third), a lone boss, "can't say", a subject
# with nobody.
PANELS = [
    {"self": 1, "boss": 1, "peer": 3, "direct_report": 3},
    {"boss": 1, "peer": 2, "direct_report": 1},
    {"self": 1, "peer": 2, "direct_report": 2, "other": 1},
    {"boss": 1},
    {},
    {"self": 1, "boss": 1, "peer": 4, "other": 3},
    {"peer": 1, "direct_report": 1, "other": 1},
]


def rated_cycle():
    """Seven subjects with varied answers; ratings from a fixed sequence, a few null."""
    cycle = open_cycle(k=3)
    items = items_of(cycle)
    values = itertools.cycle([1, 2, 3, 4, 5, None, 4, 2, 5, 3, 1])
    for panel in PANELS:
        request = new_request(cycle)
        for relationship, count in panel.items():
            for _ in range(count):
                respond(request, relationship, {item.id: next(values) for item in items})
        respond(request, "peer", {}, status=Rater.Status.INVITED)
    return cycle


def figures(cycle) -> dict:
    """Everything the recompute stores, but when. The cells parsed (their text lists the
    items in whatever order the aggregate met them) and the pole scores to 12 places (a
    float mean's last bit depends on the order the database added the items)."""
    analyses = {
        a.request_id: (json.loads(a.cells), a.surveys, a.submitted_count, a.others_counted)
        for a in GapAnalysis.objects.filter(request__cycle=cycle)
    }
    scores = sorted(
        (request_id, team, behaviour, pole, round(score, 12))
        for request_id, team, behaviour, pole, score in SubjectScore.objects.filter(
            cycle=cycle
        ).values_list("analysis__request_id", "team_name", "behaviour", "pole", "score")
    )
    return {"analyses": analyses, "scores": scores}


@pytest.mark.django_db
def test_chunks_in_process_give_the_one_pass_figures_and_finish_the_run(
    django_capture_on_commit_callbacks,
):
    cycle = rated_cycle()
    cycle_recompute(cycle_id=cycle.id)
    one_pass = figures(cycle)
    GapAnalysis.objects.filter(request__cycle=cycle).delete()

    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert cycle_recompute_fan_out(cycle_id=cycle.id, chunk_size=2) == 4  # 7 subjects
    # Tasks run in-process here (no broker): every chunk ran once the plan committed.
    assert len(queued) == 4
    assert figures(cycle) == one_pass
    assert len(one_pass["analyses"]) == len(PANELS)
    recompute = CycleRecompute.objects.get(cycle=cycle)
    assert recompute.finished_at is not None and recompute.done.count() == 4


@pytest.mark.django_db
def test_the_run_finishes_only_with_its_last_chunk_counted_once():
    cycle = rated_cycle()
    ids = list(cycle.requests.order_by("id").values_list("id", flat=True))
    from django.db import transaction

    # Planned without running the chunks: this test's transaction never commits, so the
    # plan's on-commit queueing never happens and the chunks are run by hand below.
    with transaction.atomic():
        cycle_recompute_fan_out(cycle_id=cycle.id, chunk_size=4)
    run = str(CycleRecompute.objects.get(cycle=cycle).run)

    assert (
        cycle_chunk_recompute(cycle_id=cycle.id, run=run, index=0, first_id=ids[0], last_id=ids[3])
        is False
    )
    # The same chunk again (a redelivered task): still one of two.
    assert (
        cycle_chunk_recompute(cycle_id=cycle.id, run=run, index=0, first_id=ids[0], last_id=ids[3])
        is False
    )
    assert CycleRecompute.objects.get(cycle=cycle).finished_at is None
    assert (
        cycle_chunk_recompute(cycle_id=cycle.id, run=run, index=1, first_id=ids[4], last_id=ids[-1])
        is True
    )
    assert CycleRecompute.objects.get(cycle=cycle).finished_at is not None
    # Repeating the last one does not finish it again.
    assert (
        cycle_chunk_recompute(cycle_id=cycle.id, run=run, index=1, first_id=ids[4], last_id=ids[-1])
        is False
    )


@pytest.mark.django_db
def test_a_chunk_of_a_superseded_run_does_not_count_towards_the_new_one():
    from django.db import transaction

    cycle = rated_cycle()
    ids = list(cycle.requests.order_by("id").values_list("id", flat=True))
    with transaction.atomic():
        cycle_recompute_fan_out(cycle_id=cycle.id, chunk_size=4)
    old_run = str(CycleRecompute.objects.get(cycle=cycle).run)
    with transaction.atomic():
        cycle_recompute_fan_out(cycle_id=cycle.id, chunk_size=4)
    new_run = str(CycleRecompute.objects.get(cycle=cycle).run)

    # The old run's chunks still compute their subjects but finish nothing.
    assert (
        cycle_chunk_recompute(
            cycle_id=cycle.id, run=old_run, index=0, first_id=ids[0], last_id=ids[3]
        )
        is False
    )
    assert (
        cycle_chunk_recompute(
            cycle_id=cycle.id, run=old_run, index=1, first_id=ids[4], last_id=ids[-1]
        )
        is False
    )
    assert CycleRecompute.objects.get(cycle=cycle).finished_at is None
    assert GapAnalysis.objects.filter(request__cycle=cycle).count() == len(PANELS)
    cycle_chunk_recompute(cycle_id=cycle.id, run=new_run, index=0, first_id=ids[0], last_id=ids[3])
    assert cycle_chunk_recompute(
        cycle_id=cycle.id, run=new_run, index=1, first_id=ids[4], last_id=ids[-1]
    )


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_closes_a_cycle_in_chunks_with_the_one_pass_figures(
    celery_worker, wait_for, settings
):
    """On PostgreSQL + Redis: closing the cycle queues the plan, the plan queues the
    chunks, the worker runs them; the stored figures equal the one-pass computation."""
    settings.CYCLE_RECOMPUTE_CHUNK = 2
    settings.GAP_ANALYSIS_COALESCE_SECONDS = 60
    hr = person_with_login(email="hr@example.com", name="Hana HR", hr=True, team=None)
    cycle = rated_cycle()
    feedback_services.cycle_close(cycle=Cycle.objects.get(pk=cycle.pk), actor=hr.user)
    wait_for(
        lambda: CycleRecompute.objects.filter(cycle=cycle, finished_at__isnull=False).first(),
        timeout=60,
    )
    fanned_out = figures(cycle)
    assert CycleRecompute.objects.get(cycle=cycle).done.count() == 4
    assert len(fanned_out["analyses"]) == len(PANELS)

    GapAnalysis.objects.filter(request__cycle=cycle).delete()
    cycle_recompute(cycle_id=cycle.id)
    assert figures(cycle) == fanned_out
