"""The survey runs a fixed number of SQL queries, whatever the size of the questionnaire.

Each case is measured on a 6-item survey, then asserted exactly on a 60-item one with every
item answered. Callbacks queued after commit (the gap-analysis recompute) are not part of
the request and do not run inside the test transaction.
"""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from feedback import services
from feedback.models import Behaviour, Framework, Item, Pole, Question, Rater
from tests.feedback.conftest import in_days, tokens_from_outbox

pytestmark = pytest.mark.django_db

SMALL, LARGE = 6, 60


def peer_survey(org, capture, n_items: int, n_questions: int) -> dict:
    """An open cycle on a fresh questionnaire of ``n_items`` items; the peer's token and ids."""
    version = Framework.objects.order_by("-version").first().version + 1
    framework = Framework.objects.create(version=version, name=f"{n_items} items")
    behaviours, poles = list(Behaviour.values), list(Pole.values)
    Item.objects.bulk_create(
        Item(
            framework=framework,
            behaviour=behaviours[n % 5],
            pole=poles[(n // 5) % 2],
            position=n + 1,
            rater_text=f"Statement {n + 1}",
            self_text=f"I statement {n + 1}",
        )
        for n in range(n_items)
    )
    Question.objects.bulk_create(
        Question(framework=framework, position=n + 1, rater_text=f"Q{n}", self_text=f"Q{n}")
        for n in range(n_questions)
    )
    cycle = services.cycle_open(
        cycle=services.cycle_create(name=f"Cycle {n_items}", closes_at=in_days(10))
    )
    request = services.request_create(
        cycle=cycle, subject=org["dev"], requested_by=org["hr"].user
    ).request
    mail.outbox.clear()  # the links of this survey only
    with capture(execute=True):
        services.request_launch(request=request)
    token = next(
        token
        for rater_id, token in tokens_from_outbox().items()
        if Rater.objects.get(pk=rater_id).relationship == "peer"
    )
    return {
        "token": token,
        "items": list(framework.items.values_list("id", flat=True)),
        "questions": list(framework.questions.values_list("id", flat=True)),
    }


def page_form(survey, action):
    form = {f"rating_{i}": str(n % 5 + 1) for n, i in enumerate(survey["items"])}
    form |= {f"comment_{q}": "Clear goals, <b>kind</b> words." for q in survey["questions"]}
    return form | {"action": action}


def api_body(survey):
    return {
        "ratings": {str(i): n % 5 + 1 for n, i in enumerate(survey["items"])},
        "comments": {str(q): "Clear goals." for q in survey["questions"]},
    }


def answered(survey):
    services.survey_save_draft(token=survey["token"], **api_body(survey))


def url(survey, suffix=""):
    return f"/api/v1/survey/{survey['token']}/{suffix}"


# case: (needs a saved draft first, the request, its expected status)
CASES = {
    "page GET": (True, lambda c, s: c.get(f"/s/{s['token']}/"), 200),
    "page save": (False, lambda c, s: c.post(f"/s/{s['token']}/", page_form(s, "save")), 302),
    "page submit": (False, lambda c, s: c.post(f"/s/{s['token']}/", page_form(s, "submit")), 302),
    "API GET": (True, lambda c, s: APIClient().get(url(s)), 200),
    "API PUT": (False, lambda c, s: APIClient().put(url(s), api_body(s), format="json"), 200),
    "API submit": (True, lambda c, s: APIClient().post(url(s, "submit/")), 200),
}


@pytest.mark.parametrize("case", list(CASES))
def test_it_runs_the_same_queries_for_6_and_60_items(
    case, client, org, questionnaire, django_assert_num_queries, django_capture_on_commit_callbacks
):
    needs_draft, send, expected_status = CASES[case]
    small = peer_survey(org, django_capture_on_commit_callbacks, SMALL, 1)
    large = peer_survey(org, django_capture_on_commit_callbacks, LARGE, 3)
    if needs_draft:
        answered(small)
        answered(large)
    with CaptureQueriesContext(connection) as queries:
        assert send(client, small).status_code == expected_status
    baseline = len(queries)
    print(f"{case}: {baseline} queries")  # shown with -s
    with django_assert_num_queries(baseline):
        response = send(client, large)
    assert response.status_code == expected_status
    # A fixed count is only worth having if it is small.
    assert baseline <= 20, f"{case}: {baseline} queries"


def test_the_survey_answer_has_exactly_the_documented_serializer_shape(client, launched):
    import json

    from django.utils import timezone
    from rest_framework.renderers import JSONRenderer

    from feedback import selectors
    from feedback.serializers import SurveySerializer

    token = launched["peer"]
    services.survey_save_draft(token=token, ratings={}, comments={})
    rater = selectors.rater_for_token(token=token)
    item = selectors.survey_rows(rater=rater)[0][0][0]
    question = selectors.survey_rows(rater=rater)[1][0][0]
    services.survey_save_draft(
        token=token, ratings={str(item): None}, comments={str(question): "ok"}
    )
    served = APIClient().get(f"/api/v1/survey/{token}/").json()
    data = selectors.survey_for_rater(rater=rater, now=timezone.now())
    documented = json.loads(JSONRenderer().render(SurveySerializer(data).data))
    assert served == documented
    assert served["answers"] == {"ratings": {str(item): None}, "comments": {str(question): "ok"}}
