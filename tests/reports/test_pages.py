"""The dashboards, read through Django's test client: who gets which page, what it says."""

import pytest
from django.core import mail

from feedback.models import Cycle, Rater
from reports.services import cycle_recompute
from tests.factories import TeamFactory, person_with_login
from tests.reports.builders import invited, items_of, new_request, open_cycle, questions_of, respond

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(db):
    team = TeamFactory(name="Product")
    grand = person_with_login(email="grand@example.com", name="Grace", team=team)
    boss = person_with_login(email="boss@example.com", name="Bo", manager=grand, team=team)
    sam = person_with_login(email="sam@example.com", name="Sam", manager=boss, team=team)
    peer = person_with_login(email="peer@example.com", name="Pat", manager=boss, team=team)
    hr = person_with_login(email="hr@example.com", name="Hana", hr=True, team=None)
    return {"grand": grand, "boss": boss, "sam": sam, "peer": peer, "hr": hr}


def everything(cycle, value):
    return {item.id: value for item in items_of(cycle)}


@pytest.fixture
def released(org):
    """Sam rates himself 5, his boss 3, three direct reports 2 and two peers 4 (k = 3)."""
    cycle = open_cycle(k=3)
    request = new_request(cycle, subject=org["sam"])
    request.requested_by = org["boss"].user
    request.save()
    question = questions_of(cycle)[0]
    respond(request, "self", everything(cycle, 5), {question.id: "I set the direction."})
    respond(request, "boss", everything(cycle, 3), {question.id: "Sam could delegate more."})
    for _ in range(3):
        respond(request, "direct_report", everything(cycle, 2), {question.id: "Clear goals."})
    for _ in range(2):
        respond(request, "peer", everything(cycle, 4), {question.id: "A peer's secret."})
    cycle_recompute(cycle_id=cycle.id)
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.RELEASED)
    return request


def page(client, person, url):
    client.force_login(person.user)
    return client.get(url)


def test_the_subject_reads_their_report_with_every_figure_and_its_n(client, org, released):
    response = page(client, org["sam"], f"/reports/requests/{released.id}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your feedback" in html
    assert "Direct reports (n=3)" in html and "Boss (n=1)" in html
    # Others per item: boss 3 and three direct reports 2 (the two peers are too few): 2.25.
    assert "everyone else 2.25 (counted=4)" in html and "(n=4)" not in html
    assert "Others see this in you less than you think." in html
    assert "Only 2 peers answered, fewer than 3, so their ratings are not shown" in html
    assert "Clear goals." in html and "Sam could delegate more." in html
    assert "A peer&#x27;s secret." not in html and "A peer's secret." not in html
    assert html.count('role="img"') == 6  # the gap chart and one chart per behaviour
    assert "<title" in html and "aria-label=" in html


def test_managers_above_read_it_and_nobody_else(client, org, released):
    url = f"/reports/requests/{released.id}/"
    assert page(client, org["boss"], url).status_code == 200
    assert page(client, org["grand"], url).status_code == 200
    assert page(client, org["peer"], url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_only_hr_reads_a_closed_cycle(client, org, released):
    Cycle.objects.filter(pk=released.cycle_id).update(status=Cycle.Status.CLOSED)
    url = f"/reports/requests/{released.id}/"
    response = page(client, org["sam"], url)
    assert response.status_code == 409
    assert "have not been released yet" in response.content.decode()
    assert page(client, org["hr"], url).status_code == 200


def test_the_manager_page_shows_progress_and_reminds_who_has_not_answered(
    client, org, django_capture_on_commit_callbacks
):
    cycle = open_cycle(k=3)
    request = new_request(cycle, subject=org["sam"])
    request.requested_by = org["boss"].user
    request.save()
    respond(request, "boss", everything(cycle, 3))
    waiting, token = invited(request, "peer")
    response = page(client, org["boss"], "/reports/manager/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Sam" in html and "1 of 1" in html and "Remind 1 rater" in html

    old_hash = waiting.token_hash
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/reports/requests/{request.id}/remind/", follow=True)
    assert "Reminder sent to 1 rater about Sam" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.token_hash != old_hash and len(mail.outbox) == 1
    assert mail.outbox[0].to == [waiting.email]


def test_the_manager_page_does_not_count_a_refused_nomination(client, org):
    cycle = open_cycle(k=3)
    request = new_request(cycle, subject=org["sam"])
    request.requested_by = org["boss"].user
    request.save()
    invited(request, "peer")
    Rater.objects.create(
        request=request,
        relationship="peer",
        email="refused@mail.example",
        approval=Rater.Approval.REJECTED,
    )
    html = page(client, org["boss"], "/reports/manager/").content.decode()
    # One peer was asked; the refused nomination never was (as in the API's progress).
    assert "0 of 1" in html and "0 of 2" not in html


def test_nobody_else_can_remind(client, org):
    cycle = open_cycle(k=3)
    request = new_request(cycle, subject=org["sam"])
    request.requested_by = org["boss"].user
    request.save()
    client.force_login(org["peer"].user)
    assert client.post(f"/reports/requests/{request.id}/remind/").status_code == 404


def test_the_manager_page_lists_released_reports_and_the_team_view(client, org, released):
    html = page(client, org["boss"], "/reports/manager/").content.decode()
    assert f"/reports/requests/{released.id}/" in html
    assert 'class="heatmap"' in html and ">2.25<" in html  # others' pole score 2.25


def test_the_manager_page_is_not_found_for_people_without_a_line(client, org):
    assert page(client, org["peer"], "/reports/manager/").status_code == 404


def test_hr_sees_rates_per_team_and_changes_a_cycle_after_confirming(client, org):
    cycle = open_cycle(k=3)
    request = new_request(cycle, subject=org["sam"])
    respond(request, "boss", everything(cycle, 3))
    invited(request, "peer")
    html = page(client, org["hr"], "/reports/hr/").content.decode()
    assert "Product" in html and "1 of 2" in html and "50%" in html

    confirm = client.get(f"/reports/hr/cycles/{cycle.id}/close/")
    assert "Surveys stop taking answers" in confirm.content.decode()
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.OPEN  # asking is not doing
    response = client.post(f"/reports/hr/cycles/{cycle.id}/close/", follow=True)
    assert f"{cycle.name} is now closed." in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.CLOSED


def test_hr_pages_are_not_found_for_others(client, org):
    cycle = open_cycle(k=3)
    assert page(client, org["boss"], "/reports/hr/").status_code == 404
    assert client.post(f"/reports/hr/cycles/{cycle.id}/close/").status_code == 404
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.OPEN


def test_home_and_nav_link_the_dashboards(client, org):
    html = page(client, org["boss"], "/").content.decode()
    assert "/reports/manager/" in html and "/reports/" in html
    html = page(client, org["hr"], "/").content.decode()
    assert "/reports/hr/" in html


def _fill(cycle, manager, team, subjects):
    from tests.factories import PersonFactory

    for _ in range(subjects):
        request = new_request(cycle, subject=PersonFactory(team=team, manager=manager))
        request.requested_by = manager.user
        request.save()
        respond(request, "boss", everything(cycle, 3))
        respond(request, "peer", {}, status=Rater.Status.INVITED)


# 60: more than a heatmap page (50), so the second size pages too (issue 19).
@pytest.mark.parametrize("subjects", [2, 60])
def test_the_dashboards_run_a_fixed_number_of_queries(
    client, org, django_assert_max_num_queries, subjects
):
    team = TeamFactory(name="Product")
    open_one, released_one = open_cycle(k=2), open_cycle(k=2)
    _fill(open_one, org["boss"], team, subjects)
    _fill(released_one, org["boss"], team, subjects)
    cycle_recompute(cycle_id=released_one.id)
    Cycle.objects.filter(pk=released_one.pk).update(status=Cycle.Status.RELEASED)
    client.force_login(org["boss"].user)
    # 20 before the reminder outlook and the failed emails (one query each, and the
    # presser's own person to skip their rater row).
    with django_assert_max_num_queries(23):
        assert client.get("/reports/manager/").status_code == 200
    client.force_login(org["hr"].user)
    # 20, one more for the comments to review, counted for every cycle at once, and one
    # for the development plan counts (issue 16).
    with django_assert_max_num_queries(22):
        response = client.get("/reports/hr/")
    assert response.status_code == 200
    assert f"Showing 1–{min(subjects, 50)} of {subjects}" in response.content.decode()


def test_the_hr_heatmap_of_a_closed_cycle_is_a_read_and_is_shown_only_when_asked(
    client, org, released
):
    cycle = released.cycle
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.CLOSED)
    html = page(client, org["hr"], "/reports/hr/").content.decode()
    assert "can no longer reopen" in html
    cycle.refresh_from_db()
    assert cycle.results_read_at is None  # the dashboard alone reads nothing
    html = page(client, org["hr"], f"/reports/hr/?cycle={cycle.id}").content.decode()
    assert "Sam" in html and "heatmap" in html
    cycle.refresh_from_db()
    assert cycle.results_read_at is not None


def test_hr_sees_when_a_released_cycle_closed_never_a_future_closing_date(client, org, released):
    import datetime

    from django.utils import timezone

    closed = timezone.now() - datetime.timedelta(days=3)
    cycle = released.cycle
    Cycle.objects.filter(pk=cycle.pk).update(closed_at=closed, released_at=timezone.now())
    cycle.refresh_from_db()
    assert cycle.closes_at > timezone.now()  # HR closed it before its planned date
    html = page(client, org["hr"], "/reports/hr/").content.decode()
    card = html.split(f"<h3>{cycle.name}", 1)[1].split("</article>", 1)[0]
    assert f"Closed on {closed:%-d %b %Y}, released on" in card
    assert "Closes" not in card
