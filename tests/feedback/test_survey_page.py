"""The survey page /s/<token>/: states, draft, submit with missing items, decline."""

import re

import pytest

from feedback import services
from feedback.models import Cycle, Framework, Rater
from tests.feedback.conftest import in_days


def item_ids():
    return list(
        Framework.objects.get(version=1).items.order_by("position").values_list("id", flat=True)
    )


def all_answers(skip=()) -> dict:
    form = {f"rating_{i}": str(n % 5 + 1) for n, i in enumerate(item_ids()) if n not in skip}
    return form


@pytest.mark.django_db
def test_it_shows_who_it_is_about_and_what_they_will_see(client, launched):
    page = client.get(f"/s/{launched['peer']}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Feedback for Dev Eloper" in html
    assert "You were asked as <strong>their peer</strong>" in html
    assert "Will not see:" in html and "your name next to anything" in html
    assert "only if at least 3 peers answered" in html
    assert html.count("<legend>") >= 5 + 30 + 1
    for behaviour in ("Vision", "Change", "Risk", "People", "Development"):
        assert f"<legend>{behaviour}</legend>" in html
    assert html.count('type="radio"') == 30 * 6
    assert "Can’t say" in html and "Never" in html and "Always" in html
    assert "Sets clear, measurable goals for the team" in html
    assert 'name="action" value="save"' in html and 'name="action" value="submit"' in html
    assert 'name="referrer" content="same-origin"' in html
    assert 'name="viewport" content="width=device-width' in html
    assert "css/survey.css" in html


@pytest.mark.django_db
def test_it_words_the_self_survey_in_the_first_person(client, launched):
    html = client.get(f"/s/{launched['self']}/").content.decode()
    assert "Your own view" in html
    assert "I set clear, measurable goals for my team" in html


@pytest.mark.django_db
def test_it_answers_404_for_an_unknown_token(client, launched):
    assert client.get("/s/unknown-token-value/").status_code == 404


@pytest.mark.django_db
def test_it_saves_a_draft_and_shows_it_again(client, launched):
    url = f"/s/{launched['peer']}/"
    first, second = item_ids()[:2]
    q1 = Framework.objects.get(version=1).questions.order_by("position").first().pk
    response = client.post(
        url,
        {
            "action": "save",
            f"rating_{first}": "4",
            f"rating_{second}": "na",
            f"comment_{q1}": "Demos",
        },
    )
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert re.search(rf'name="rating_{first}" value="4" checked', html)
    assert re.search(rf'name="rating_{second}" value="na" checked', html)
    assert ">Demos</textarea>" in html
    assert Rater.objects.get(relationship="peer").status == "started"


@pytest.mark.django_db
def test_it_refuses_submit_and_lists_the_unanswered_items(client, launched):
    url = f"/s/{launched['peer']}/"
    response = client.post(url, {"action": "submit", **all_answers(skip={3, 10})})
    # POST, redirect, GET: a refresh re-reads the list instead of re-sending the form.
    assert response.status_code == 302
    assert response["Location"] == f"{url}?unanswered#problem"
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "2 statements are still unanswered" in html
    assert "4. Sets clear, measurable goals for the team" in html
    assert html.count('aria-invalid="true"') == 2
    # What was given is kept as a draft and shown checked.
    assert re.search(rf'name="rating_{item_ids()[0]}" value="1" checked', html)
    assert Rater.objects.get(relationship="peer").status == "started"


@pytest.mark.django_db
def test_it_submits_and_then_shows_a_read_only_thank_you(client, launched):
    url = f"/s/{launched['peer']}/"
    response = client.post(url, {"action": "submit", **all_answers()})
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert "Thank you" in html
    assert 'type="radio"' not in html
    assert Rater.objects.get(relationship="peer").status == "submitted"
    again = client.post(url, {"action": "submit", **all_answers()})
    assert again.status_code == 409
    assert "You already submitted this survey" in again.content.decode()


@pytest.mark.django_db
def test_it_shows_the_field_error_for_a_tampered_rating(client, launched):
    first = item_ids()[0]
    response = client.post(f"/s/{launched['peer']}/", {"action": "save", f"rating_{first}": "9"})
    assert response.status_code == 400
    assert "Must be a whole number from 1 (never) to 5 (always)" in response.content.decode()


@pytest.mark.django_db
def test_it_declines_with_a_reason(client, launched):
    url = f"/s/{launched['peer']}/"
    response = client.post(url, {"action": "decline", "reason": "New here"})
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert "You declined this survey" in html
    assert 'type="radio"' not in html
    assert Rater.objects.get(relationship="peer").decline_reason == "New here"


@pytest.mark.django_db
def test_it_shows_a_closed_page_after_the_cycle_closed(client, launched, open_cycle):
    services.cycle_close(cycle=open_cycle)
    html = client.get(f"/s/{launched['peer']}/").content.decode()
    assert "This survey is closed" in html
    assert 'type="radio"' not in html
    response = client.post(f"/s/{launched['peer']}/", {"action": "submit", **all_answers()})
    assert response.status_code == 409
    assert "This cycle closed on" in response.content.decode()


@pytest.mark.django_db
def test_it_treats_a_passed_deadline_as_closed(client, launched, open_cycle):
    Cycle.objects.filter(pk=open_cycle.pk).update(closes_at=in_days(-1))
    assert "This survey is closed" in client.get(f"/s/{launched['peer']}/").content.decode()


@pytest.mark.django_db
def test_it_needs_csrf_on_the_page_form(launched):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/s/{launched['peer']}/", {"action": "save"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_it_counts_the_answered_statements_without_javascript(client, launched):
    url = f"/s/{launched['peer']}/"
    assert (
        '<strong id="answered-count">0</strong> of 30 answered' in client.get(url).content.decode()
    )
    first, second, third = item_ids()[:3]
    client.post(
        url,
        {
            "action": "save",
            f"rating_{first}": "4",
            f"rating_{second}": "na",
            f"rating_{third}": "1",
        },
    )
    # "Can't say" is an answer, as it is for submitting.
    assert (
        '<strong id="answered-count">3</strong> of 30 answered' in client.get(url).content.decode()
    )


@pytest.mark.django_db
def test_a_closed_survey_shows_when_it_closed_and_no_date_to_answer_by(
    client, launched, open_cycle
):
    url = f"/s/{launched['peer']}/"
    assert "Answer by" in client.get(url).content.decode()
    services.cycle_close(cycle=open_cycle)
    html = client.get(url).content.decode()
    assert "Answer by" not in html
    open_cycle.refresh_from_db()
    assert f"closed on {open_cycle.closed_at:%-d %B %Y}" in html
