"""The rendered document is cached and frozen with the row, on every database."""

import pytest

from feedback.models import Cycle
from reports.models import GapAnalysis
from reports.services import cycle_results_freeze, gap_analyses_recompute, gap_analysis_documents
from tests.reports.builders import items_of, new_request, open_cycle, respond

pytestmark = pytest.mark.django_db


def test_it_stores_the_rendered_document_once_rendered():
    cycle = open_cycle()
    request = new_request(cycle)
    respond(request, "boss", {items_of(cycle)[0].id: 3})
    gap_analyses_recompute(request_ids=[request.id])
    assert GapAnalysis.objects.get(request=request).data is None
    document = gap_analysis_documents(request_ids=[request.id])[request.id]
    assert GapAnalysis.objects.get(request=request).data == document


def test_it_freezes_only_rendered_documents():
    cycle = open_cycle()
    request = new_request(cycle)
    respond(request, "boss", {items_of(cycle)[0].id: 3})
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.CLOSED)
    assert cycle_results_freeze(cycle_id=cycle.id) == 1
    stored = GapAnalysis.objects.get(request=request)
    assert stored.frozen_at is not None
    assert stored.data["items"][0]["scores"]["boss"]["mean"] == 3.0
