"""The plan pages and what the report and HR pages show of plans (issue 16)."""

import re

import pytest
from django.test import Client

from development import services
from development.models import Plan
from tests.development.conftest import in_days, released_report

pytestmark = pytest.mark.django_db


def client_for(person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


def _section_order(html: str) -> list[str]:
    return re.findall(r'<section class="card behaviour" aria-labelledby="b-(\w+)">', html)


def test_the_report_shows_the_focus_behaviours_first_to_the_subject(org, plan, report):
    import datetime

    later = released_report(
        org["dev"], created_at=report.cycle.created_at + datetime.timedelta(days=180)
    )
    page = client_for(org["dev"]).get(f"/reports/requests/{later.id}/").content.decode()
    assert _section_order(page) == ["development", "risk", "vision", "change", "people"]
    assert page.count("Your focus") == 2
    assert "Coaches (leadership)" in page


def test_a_reader_who_may_not_see_the_plan_gets_the_usual_order(org, plan, report):
    order = ["vision", "change", "risk", "people", "development"]
    for who in ("lead", "hr"):
        page = client_for(org[who]).get(f"/reports/requests/{report.id}/").content.decode()
        assert _section_order(page) == order
        assert "Your focus" not in page and "Their focus" not in page
    services.plan_share(plan=plan, user=org["dev"].user, shared=True)
    page = client_for(org["lead"]).get(f"/reports/requests/{report.id}/").content.decode()
    assert _section_order(page)[:2] == ["development", "risk"]
    assert "Their focus" in page


def test_hr_sees_how_many_people_have_a_plan_never_its_words(org, plan):
    services.plan_share(plan=plan, user=org["dev"].user, shared=True)
    services.comment_add(plan=plan, author=org["lead"], text="Secret words of the lead")
    page = client_for(org["hr"]).get("/reports/hr/").content.decode()
    assert "<strong>1</strong> person has a development plan" in page
    assert "<strong>1</strong> shares one" in page
    assert "Coach one junior" not in page and "Secret words" not in page
    assert client_for(org["hr"]).get(f"/plans/{plan.pk}/").status_code == 404


def test_the_subject_makes_a_plan_from_the_page(org, report):
    client = client_for(org["dev"])
    form = client.get(f"/plans/new/?request={report.id}")
    assert form.status_code == 200
    response = client.post(
        "/plans/new/",
        {
            "request": report.id,
            "focus": ["vision:leadership", "people:management"],
            "action_text": ["Share the roadmap monthly", "", ""],
            "action_due": [in_days(14).isoformat(), "", ""],
        },
    )
    plan = Plan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/plans/{plan.pk}/"
    assert list(plan.focus.values_list("behaviour", "pole")) == [
        ("vision", "leadership"),
        ("people", "management"),
    ]
    assert plan.actions.get().text == "Share the roadmap monthly"


def test_a_refused_plan_shows_the_form_again_with_what_was_typed(org, report):
    response = client_for(org["dev"]).post(
        "/plans/new/",
        {
            "focus": [
                "vision:leadership",
                "change:leadership",
                "risk:leadership",
                "people:leadership",
            ],
            "action_text": ["Keep this text", "", ""],
            "action_due": [in_days(3).isoformat(), "", ""],
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose 1 to 3 focus behaviours (4 given)." in page
    assert 'value="Keep this text"' in page
    assert not Plan.objects.exists()


def test_an_action_date_in_the_past_is_refused_on_the_page(org, plan):
    response = client_for(org["dev"]).post(
        f"/plans/{plan.pk}/actions/", {"text": "Late", "due_date": in_days(-2).isoformat()}
    )
    assert response.status_code == 400
    assert "or later" in response.content.decode()
    assert plan.actions.count() == 1


@pytest.mark.parametrize("who", ["lead", "vp", "outsider", "hr"])
def test_every_plan_page_is_a_404_out_of_reach(org, plan, who):
    client = client_for(org[who])
    action = plan.actions.get()
    assert client.get(f"/plans/{plan.pk}/").status_code == 404
    for path, data in [
        (f"/plans/{plan.pk}/focus/", {"focus": ["vision:leadership"]}),
        (f"/plans/{plan.pk}/actions/", {"text": "x", "due_date": in_days(2).isoformat()}),
        (f"/plans/{plan.pk}/actions/{action.pk}/", {"do": "done"}),
        (f"/plans/{plan.pk}/share/", {"shared": "0"}),
        (f"/plans/{plan.pk}/comments/", {"text": "hello"}),
    ]:
        assert client.post(path, data).status_code == 404, path
    plan.refresh_from_db()
    assert plan.comments.count() == 0 and plan.actions.get().done_at is None


def test_a_manager_comments_on_a_shared_plan_and_cannot_change_it(org, plan):
    services.plan_share(plan=plan, user=org["dev"].user, shared=True)
    lead = client_for(org["lead"])
    page = lead.get(f"/plans/{plan.pk}/").content.decode()
    assert "Coach one junior a week" in page and "Mark done" not in page
    assert lead.post(f"/plans/{plan.pk}/comments/", {"text": "Good plan"}).status_code == 302
    refused = lead.post(f"/plans/{plan.pk}/share/", {"shared": "0"})
    assert refused.status_code == 403
    own = client_for(org["dev"]).get(f"/plans/{plan.pk}/").content.decode()
    assert "Good plan" in own and "Lena Lead" in own
