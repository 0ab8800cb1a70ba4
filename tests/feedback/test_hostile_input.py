"""Hostile input to the survey (issue 12): every one is refused with a 4xx, never a 500.

The API answers in the documented error shape; the page is shown again with a message.
"""

import json

import pytest

from feedback.models import Comment, Framework, Rater, Rating

pytestmark = pytest.mark.django_db


def first_question() -> int:
    return Framework.objects.get(version=1).questions.order_by("position").first().pk


def first_item() -> int:
    return Framework.objects.get(version=1).items.order_by("position").first().pk


def error_shape(response) -> dict:
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert isinstance(body["detail"], str) and body["detail"]
    return body


@pytest.fixture
def anonymous(client):
    from django.test import Client

    # A 500 must come back as a response, not as an exception in the test.
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "path", ["/api/v1/survey/{token}/", "/api/v1/survey/{token}/decline/"], ids=["put", "decline"]
)
def test_it_refuses_100000_nested_brackets_on_the_survey_endpoints(anonymous, launched, path):
    url = path.format(token=launched["peer"])
    method = anonymous.put if url.endswith(f"{launched['peer']}/") else anonymous.post
    response = method(url, data="[" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert "nest" in error_shape(response)["detail"].lower()
    assert Rater.objects.get(relationship="peer").status == Rater.Status.INVITED


def test_it_refuses_a_nul_byte_in_a_survey_comment_through_the_api(anonymous, launched):
    response = anonymous.put(
        f"/api/v1/survey/{launched['peer']}/",
        data=json.dumps({"comments": {str(first_question()): "before\x00after"}}),
        content_type="application/json",
    )
    assert response.status_code == 400
    error_shape(response)
    assert not Comment.objects.exists()


def test_it_refuses_a_lone_surrogate_in_a_survey_comment_through_the_api(anonymous, launched):
    body = '{"comments": {"' + str(first_question()) + '": "bad \\ud800 text"}}'
    response = anonymous.put(
        f"/api/v1/survey/{launched['peer']}/", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    error_shape(response)
    assert not Comment.objects.exists()


def test_the_survey_service_refuses_nul_and_surrogates_whoever_calls_it(launched):
    from core.errors import DomainError
    from feedback import services

    q = str(first_question())
    for text in ("a\x00b", "a\ud800b", "a\x1bb"):
        with pytest.raises(DomainError) as caught:
            services.survey_save_draft(token=launched["peer"], comments={q: text})
        assert list(caught.value.errors) == [f"comments.{q}"]
    # A comment is several lines: newlines and tabs stay.
    services.survey_save_draft(token=launched["peer"], comments={q: "one\r\ntwo\n\tthree"})
    assert Comment.objects.get().text == "one\r\ntwo\n\tthree"


def test_it_shows_the_page_again_for_a_nul_byte_in_a_comment(anonymous, launched):
    response = anonymous.post(
        f"/s/{launched['peer']}/",
        {"action": "save", f"comment_{first_question()}": "hello\x00there"},
    )
    assert response.status_code == 400
    assert "control character" in response.content.decode()
    assert not Comment.objects.exists()


def test_it_shows_the_page_again_for_a_nul_byte_in_a_decline_reason(anonymous, launched):
    response = anonymous.post(
        f"/s/{launched['peer']}/", {"action": "decline", "reason": "busy\x00"}
    )
    assert response.status_code == 400
    assert "control character" in response.content.decode()
    assert Rater.objects.get(relationship="peer").status == Rater.Status.INVITED


@pytest.mark.parametrize("value", ["²", "٣", "9" * 5000, "3.0", " 3", "-1"])
def test_it_shows_the_page_again_for_a_rating_that_is_not_a_plain_number(
    anonymous, launched, value
):
    item = first_item()
    response = anonymous.post(
        f"/s/{launched['peer']}/", {"action": "save", f"rating_{item}": value}
    )
    assert response.status_code == 400
    assert "Must be a whole number from 1 (never) to 5 (always)" in response.content.decode()
    assert not Rating.objects.exists()


def test_it_still_saves_a_plain_rating_from_the_page(anonymous, launched):
    item = first_item()
    response = anonymous.post(f"/s/{launched['peer']}/", {"action": "save", f"rating_{item}": "4"})
    assert response.status_code == 302
    assert Rating.objects.get().value == 4


@pytest.mark.parametrize("subject", [2**64, 3.5, True, "1e3", [1]])
def test_it_refuses_a_subject_id_that_is_not_a_plain_integer_within_a_bigint(
    org, open_cycle, subject
):
    from rest_framework.test import APIClient

    from feedback.models import FeedbackRequest

    client = APIClient(raise_request_exception=False)
    client.force_authenticate(org["hr"].user)
    response = client.post(
        f"/api/v1/cycles/{open_cycle.id}/requests/", {"subject": subject}, format="json"
    )
    assert response.status_code == 400
    assert list(error_shape(response)["errors"]) == ["subject"]
    assert not FeedbackRequest.objects.exists()
