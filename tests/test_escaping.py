"""Script typed into names, titles, team names and comments is shown as text everywhere."""

import pytest
from django.core import mail

from accounts.models import Team
from feedback import services as feedback_services
from feedback.models import Cycle
from reports.services import cycle_recompute
from tests.factories import person_with_login
from tests.reports.builders import invited, items_of, new_request, open_cycle, questions_of, respond

pytestmark = pytest.mark.django_db

NAME = '<script>alert("name")</script>'
COMMENT = '<img src=x onerror=alert("comment")>'
TEAM = "<b onmouseover=alert(1)>Team</b>"


@pytest.fixture
def hostile(settings):
    settings.SITE_URL = "http://testserver"
    team = Team.objects.create(name=TEAM)
    boss = person_with_login(email="boss@example.com", name="Bo", team=team)
    subject = person_with_login(
        email="sam@example.com", name=NAME, title=NAME, team=team, manager=boss
    )
    hr = person_with_login(email="hr@example.com", hr=True)
    cycle = open_cycle(k=3)
    request = new_request(cycle, subject=subject)
    question = questions_of(cycle)[0]
    everything = {item.id: 4 for item in items_of(cycle)}
    respond(request, "self", everything, {question.id: COMMENT})
    respond(request, "boss", everything, {question.id: COMMENT})
    for _ in range(3):
        respond(request, "peer", everything, {question.id: COMMENT})
    return {"boss": boss, "subject": subject, "hr": hr, "cycle": cycle, "request": request}


def assert_escaped(html: str, where: str):
    for raw in (NAME, COMMENT, TEAM):
        assert raw not in html, f"{raw} unescaped in {where}"


def test_it_escapes_user_text_on_every_page(client, hostile):
    _, token = invited(hostile["request"], "peer")
    assert_escaped(client.get(f"/s/{token}/").content.decode(), "the survey page")
    cycle_recompute(cycle_id=hostile["cycle"].id)
    Cycle.objects.filter(pk=hostile["cycle"].pk).update(status=Cycle.Status.RELEASED)
    client.force_login(hostile["subject"].user)
    report = client.get(f"/reports/requests/{hostile['request'].id}/").content.decode()
    assert "&lt;img src=x" in report  # the comment is there, as text
    assert_escaped(report, "the report")
    client.force_login(hostile["boss"].user)
    assert_escaped(client.get("/reports/manager/").content.decode(), "the manager page")
    assert_escaped(client.get("/people/").content.decode(), "the people page")
    client.force_login(hostile["hr"].user)
    for url in ("/reports/hr/", "/people/", "/reports/exports/"):
        assert_escaped(client.get(url).content.decode(), url)


def test_it_escapes_user_text_in_emails(hostile, django_capture_on_commit_callbacks):
    request = hostile["request"]
    pending = feedback_services.rater_add(
        request=request, email="new@example.com", relationship="other"
    )
    # From outside the directory: HR approves before any link goes out (issue 11).
    feedback_services.rater_approve(rater=pending, actor=hostile["hr"].user)
    with django_capture_on_commit_callbacks(execute=True):
        feedback_services.request_launch(request=request)
    message = next(m for m in mail.outbox if m.to == [pending.email])
    html = message.alternatives[0][0]
    assert NAME not in html and "&lt;script&gt;" in html
