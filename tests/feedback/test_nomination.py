"""Nomination approval (issue 11, finding 2).

The attack: a manager added three raters from outside the directory to the "other" group,
answered as two of them and, after release, computed the third rater's ratings exactly
(3 x mean - 2 known). Such a rater now gets no link until someone other than whoever
nominated them (HR, or the subject) approves; the subject sees who was asked, never who
answered.
"""

import re
import subprocess
import sys

import pytest
from django.core import mail

from core.models import AuditEvent
from feedback import selectors, services
from feedback.models import Rater
from tests.factories import PersonFactory, person_with_login
from tests.feedback.conftest import tokens_from_outbox

pytestmark = pytest.mark.django_db

OUTSIDERS = ["ann@mail.example", "ben@mail.example", "cat@mail.example"]


def raters_url(request, rater=None, decision=None):
    url = f"/api/v1/requests/{request.pk}/raters/"
    return f"{url}{rater.pk}/{decision}/" if rater else url


def sent_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


def survey_links_to(address: str) -> list[str]:
    return [
        link for m in sent_to(address) for link in re.findall(r"/s/[A-Za-z0-9_-]{20,}/", m.body)
    ]


def nominate(api_as, who, request, email, capture):
    with capture(execute=True):
        response = api_as(who).post(
            raters_url(request), {"email": email, "relationship": "other"}, format="json"
        )
    assert response.status_code == 201, response.json()
    return Rater.objects.get(request=request, email=email)


@pytest.fixture
def nominated(org, dev_request, api_as, django_capture_on_commit_callbacks):
    """The manager (lead, requester of dev's request) nominates three outsiders by API."""
    return [
        nominate(api_as, org["lead"], dev_request, email, django_capture_on_commit_callbacks)
        for email in OUTSIDERS
    ]


# --- the attack ----------------------------------------------------------------------


def test_it_sends_an_outsider_the_manager_nominated_no_link_until_hr_or_the_subject_approves(
    org, dev_request, nominated, api_as, django_capture_on_commit_callbacks
):
    lead, hr, dev = org["lead"], org["hr"], org["dev"]
    listed = api_as(lead).get(raters_url(dev_request)).json()
    assert {
        (r["email"], r["status"], r["approval"]) for r in listed if r["relationship"] == "other"
    } == {(email, "pending", "waiting") for email in OUTSIDERS}
    with django_capture_on_commit_callbacks(execute=True):
        launched = api_as(lead).post(f"/api/v1/requests/{dev_request.pk}/launch/").json()
    assert launched["invited"] == 3  # self, boss, peer: not the three outsiders
    for email in OUTSIDERS:
        assert sent_to(email) == []
    assert not Rater.objects.filter(email__in=OUTSIDERS, token_hash__isnull=False).exists()
    progress = api_as(lead).get(f"/api/v1/requests/{dev_request.pk}/progress/").json()
    assert progress["relationships"]["other"]["pending"] == 3
    assert progress["relationships"]["other"]["invited"] == 0

    # The manager cannot vouch for their own nominations, by API or page.
    ann, ben, cat = nominated
    for decision in ("approve", "reject"):
        response = api_as(lead).post(raters_url(dev_request, ann, decision))
        assert response.status_code == 403
    assert api_as(lead).get("/api/v1/approvals/").json()["results"] == []
    client = api_as()
    client.force_login(lead.user)
    client.post(f"/reports/approvals/{ann.pk}/approve/")
    assert Rater.objects.get(pk=ann.pk).approval == "waiting"
    assert sent_to(ann.email) == []

    # HR approves Ann: her link goes out at once, the request being launched.
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(hr).post(raters_url(dev_request, ann, "approve"))
    assert response.status_code == 200
    assert (response.json()["approval"], response.json()["status"]) == ("approved", "invited")
    assert response.json()["approval_decided_by"] == hr.user.pk
    assert len(survey_links_to(ann.email)) == 1
    assert tokens_from_outbox().get(ann.pk)  # a working link

    # The subject approves Ben; HR declines Cat, who is never contacted.
    with django_capture_on_commit_callbacks(execute=True):
        assert api_as(dev).post(raters_url(dev_request, ben, "approve")).status_code == 200
        assert api_as(hr).post(raters_url(dev_request, cat, "reject")).status_code == 200
        api_as(lead).post(f"/api/v1/requests/{dev_request.pk}/launch/")
    assert len(survey_links_to(ben.email)) == 1
    assert sent_to(cat.email) == []
    assert Rater.objects.get(pk=cat.pk).status == "pending"
    assert api_as(hr).post(raters_url(dev_request, cat, "approve")).status_code == 409


def test_it_emails_hr_and_the_subject_when_a_nomination_waits_never_the_nominator(
    org, dev_request, nominated
):
    # One email per approver per nomination; nothing to the nominator or the nominee.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(["hr@example.com", "dev@example.com"] * 3)
    to_hr = sent_to("hr@example.com")[0]
    assert "ann@mail.example" in to_hr.body and "Dev Eloper" in to_hr.body
    assert "/reports/hr/#approvals" in to_hr.body
    assert "lead@example.com" in to_hr.body  # who nominated
    to_subject = sent_to("dev@example.com")[0]
    assert "/reports/#approvals" in to_subject.body and "your own" in to_subject.body
    assert "/s/" not in to_hr.body + to_subject.body


def test_it_announces_a_nomination_once_however_often_the_task_runs(org, dev_request):
    from feedback import tasks

    services.rater_add(
        request=dev_request, email="x@mail.example", relationship="other", name="<b>Xavier</b>"
    )  # on_commit not run: the task below plays the worker
    assert tasks.send_approval_requests(dev_request.pk) == 1
    assert tasks.send_approval_requests(dev_request.pk) == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["dev@example.com", "hr@example.com"]
    html = mail.outbox[0].alternatives[0][0]
    assert "&lt;b&gt;Xavier&lt;/b&gt;" in html and "<b>Xavier" not in html


def test_it_lets_nobody_approve_their_own_nomination_but_another_hr_user_can(
    org, dev_request, api_as, django_capture_on_commit_callbacks
):
    hr2 = person_with_login(email="hr2@example.com", name="Hugo HR", hr=True)
    rater = nominate(
        api_as, org["hr"], dev_request, "dee@mail.example", django_capture_on_commit_callbacks
    )
    assert rater.nominated_by == org["hr"].user
    # Announced to the other HR user and the subject; not to the nominating HR user.
    assert sorted(m.to[0] for m in mail.outbox) == ["dev@example.com", "hr2@example.com"]
    assert api_as(org["hr"]).post(raters_url(dev_request, rater, "approve")).status_code == 403
    assert api_as(org["lead"]).post(raters_url(dev_request, rater, "approve")).status_code == 403
    assert [a["id"] for a in api_as(hr2).get("/api/v1/approvals/").json()["results"]] == [rater.pk]
    assert api_as(hr2).post(raters_url(dev_request, rater, "approve")).status_code == 200


@pytest.mark.parametrize("who", ["outsider", "peer_login", "vp", "ceo"])
def test_it_answers_404_to_anyone_out_of_reach(org, dev_request, nominated, api_as, who):
    # Not HR, not the subject, not the requester: the nomination is not found, like any id.
    person = (
        person_with_login(email="peer2@example.com", manager=org["lead"])
        if who == "peer_login"
        else org[who]
    )
    for decision in ("approve", "reject"):
        response = api_as(person).post(raters_url(dev_request, nominated[0], decision))
        assert response.status_code == 404
    assert api_as(person).get("/api/v1/approvals/").json()["results"] == []
    assert Rater.objects.get(pk=nominated[0].pk).approval == "waiting"


def test_it_answers_404_for_a_rater_under_another_request_id(
    org, dev_request, nominated, open_cycle, api_as
):
    other = services.request_create(
        cycle=open_cycle, subject=org["lead"], requested_by=org["hr"].user
    ).request
    response = api_as(org["hr"]).post(raters_url(other, nominated[0], "approve"))
    assert response.status_code == 404
    assert api_as(None).post(raters_url(dev_request, nominated[0], "approve")).status_code == 401


def test_it_lists_what_waits_for_the_caller_in_a_fixed_number_of_queries(
    org, dev_request, nominated, api_as, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        hr_list = api_as(org["hr"]).get("/api/v1/approvals/").json()
    assert [a["email"] for a in hr_list["results"]] == OUTSIDERS
    first = hr_list["results"][0]
    assert first["request"] == dev_request.pk
    assert first["subject"]["name"] == "Dev Eloper"
    assert first["nominated_by"] == "lead@example.com"
    subject_list = api_as(org["dev"]).get("/api/v1/approvals/").json()
    assert [a["email"] for a in subject_list["results"]] == OUTSIDERS
    services.rater_reject(rater=nominated[0], actor=org["dev"].user)
    assert [a["email"] for a in api_as(org["hr"]).get("/api/v1/approvals/").json()["results"]] == (
        OUTSIDERS[1:]
    )


def test_it_invites_a_nomination_approved_before_launch_at_launch(
    org, dev_request, nominated, django_capture_on_commit_callbacks
):
    services.rater_approve(rater=nominated[0], actor=org["hr"].user)
    assert Rater.objects.get(pk=nominated[0].pk).status == "pending"  # not launched yet
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = services.request_launch(request=dev_request)
    assert result.invited == 4
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["dev@example.com", "lead@example.com", "peer@example.com", OUTSIDERS[0]]
    )


def test_it_refuses_a_decision_once_the_cycle_closed(org, dev_request, nominated, open_cycle):
    services.cycle_close(cycle=open_cycle)
    with pytest.raises(Exception) as caught:
        services.rater_approve(rater=nominated[0], actor=org["hr"].user)
    assert caught.value.code == "conflict"
    assert Rater.objects.get(pk=nominated[0].pk).approval == "waiting"
    assert selectors.approvals_waiting_for(user=org["hr"].user).count() == 0


# --- who needs approval ---------------------------------------------------------------


def test_it_leaves_directory_raters_unaffected(org, dev_request, api_as):
    # Proposed from the org chart, or added by hand from the directory: no approval step.
    assert set(dev_request.raters.values_list("approval", flat=True)) == {"not_needed"}
    colleague = PersonFactory(email="colleague@example.com", manager=org["lead"])
    added = api_as(org["lead"]).post(
        raters_url(dev_request), {"email": colleague.email, "relationship": "peer"}, format="json"
    )
    assert added.json()["approval"] == "not_needed"
    directory_other = api_as(org["lead"]).post(
        raters_url(dev_request),
        {"email": "CEO@example.com", "relationship": "other"},
        format="json",
    )
    assert directory_other.json()["approval"] == "not_needed"
    result = services.request_launch(request=dev_request)
    assert result.invited == 5
    assert mail.outbox == []  # no approval email for any of them (tasks ran on commit only)


@pytest.mark.parametrize(
    ("email", "approval"),
    [
        ("ext@partner.example", "not_needed"),
        ("Ext2@PARTNER.example", "not_needed"),
        ("ext@other.example", "waiting"),
        ("ext@sub.partner.example", "waiting"),  # exact domains only
        ("lead+alias@partner.example", "waiting"),  # a sub-address reaches lead@
    ],
)
def test_it_trusts_only_allowed_rater_domains(dev_request, settings, email, approval):
    settings.ALLOWED_RATER_DOMAINS = ["partner.example"]
    rater = services.rater_add(request=dev_request, email=email, relationship="other")
    assert rater.approval == approval


def test_it_reads_allowed_rater_domains_from_the_environment():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings.test';"
        "django.setup(); from django.conf import settings;"
        "print(','.join(settings.ALLOWED_RATER_DOMAINS))"
    )
    env = {"ALLOWED_RATER_DOMAINS": " Partner.Example , @Other.example", "PATH": "/usr/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "partner.example,other.example"
    del env["ALLOWED_RATER_DOMAINS"]
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


# --- audit ----------------------------------------------------------------------------


def test_it_audits_every_nomination_approval_and_refusal(org, dev_request, nominated):
    ann, ben, _ = nominated
    services.rater_approve(rater=ann, actor=org["hr"].user)
    services.rater_reject(rater=ben, actor=org["dev"].user)
    events = AuditEvent.objects.filter(target_type="feedback.rater").order_by("id")
    assert [(e.action, e.actor_label, e.target_id) for e in events] == [
        ("rater.nominate", "lead@example.com", nominated[0].pk),
        ("rater.nominate", "lead@example.com", nominated[1].pk),
        ("rater.nominate", "lead@example.com", nominated[2].pk),
        ("rater.approve", "hr@example.com", ann.pk),
        ("rater.reject", "dev@example.com", ben.pk),
    ]
    assert events[0].detail == {
        "request": dev_request.pk,
        "relationship": "other",
        "approval": "waiting",
    }
    assert events[3].detail["nominated_by"] == "lead@example.com"


def test_it_audits_nothing_for_a_refused_decision(org, nominated, api_as):
    before = AuditEvent.objects.count()
    api_as(org["lead"]).post(raters_url(nominated[0].request, nominated[0], "approve"))
    assert AuditEvent.objects.count() == before


# --- what the subject sees ------------------------------------------------------------


def asked_section(html: str, request) -> str:
    match = re.search(rf'<section class="asked" id="asked-{request.pk}".*?</section>', html, re.S)
    assert match, "no 'who was asked' section"
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", match.group(0))


def test_it_shows_the_subject_who_was_asked_never_who_answered(
    org, dev_request, nominated, django_capture_on_commit_callbacks, client
):
    for n in range(2):
        PersonFactory(email=f"peer{n}@example.com", name=f"Peer {n}", manager=org["lead"])
        services.rater_add(request=dev_request, email=f"peer{n}@example.com", relationship="peer")
    services.rater_reject(rater=nominated[2], actor=org["hr"].user)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_launch(request=dev_request)
    client.force_login(org["dev"].user)
    before = asked_section(client.get("/reports/").content.decode(), dev_request)
    for name in ("Pat Peer", "Peer 0", "Peer 1", "Lena Lead", "ann@mail.example"):
        assert name in before
    # The groups as the request page and the report name and order them.
    assert re.search("Boss.*Peers.*Outside the team", before, re.S)
    assert "cat@mail.example" not in before  # refused: never asked
    assert before.count(">Approve</button>") == 2  # Ann and Ben wait for the subject

    # Peers answer or decline: the subject's page must not change by one character.
    tokens = tokens_from_outbox()
    peers = {r.email: r for r in dev_request.raters.filter(relationship="peer")}
    items = selectors.survey_items(rater=peers["peer0@example.com"])
    token = tokens[peers["peer0@example.com"].pk]
    services.survey_save_draft(token=token, ratings={str(i.id): 4 for i in items})
    services.survey_submit(token=token)
    services.survey_decline(token=tokens[peers["peer1@example.com"].pk], reason="No time")
    services.survey_save_draft(
        token=tokens[peers["peer@example.com"].pk], ratings={str(items[0].id): 2}
    )
    after = asked_section(client.get("/reports/").content.decode(), dev_request)
    assert after == before
    for word in ("submitted", "declined", "started", "invited"):
        assert word not in after.lower()


def test_it_lets_the_subject_approve_from_their_page(
    org, dev_request, nominated, django_capture_on_commit_callbacks, client
):
    services.request_launch(request=dev_request)
    client.force_login(org["dev"].user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/reports/approvals/{nominated[0].pk}/approve/")
    assert response.status_code == 302 and response["Location"] == "/reports/#approvals"
    assert len(survey_links_to(OUTSIDERS[0])) == 1
    client.post(f"/reports/approvals/{nominated[1].pk}/reject/")
    assert Rater.objects.get(pk=nominated[1].pk).approval == "rejected"
    section = asked_section(client.get("/reports/").content.decode(), dev_request)
    assert section.count(">Approve</button>") == 1  # Cat still waits
    assert OUTSIDERS[2] in section and OUTSIDERS[1] not in section


def test_it_lists_approvals_on_the_hr_page_with_working_buttons(
    org, nominated, django_capture_on_commit_callbacks, client
):
    client.force_login(org["hr"].user)
    page = client.get("/reports/hr/").content.decode()
    section = re.search(r'<section id="approvals".*?</section>', page, re.S).group(0)
    for email in OUTSIDERS:
        assert email in section
    assert "Dev Eloper" in section and "lead@example.com" in section
    response = client.post(f"/reports/approvals/{nominated[0].pk}/reject/", {"next": "hr"})
    assert response["Location"] == "/reports/hr/#approvals"
    page = client.get("/reports/hr/").content.decode()
    section = re.search(r'<section id="approvals".*?</section>', page, re.S).group(0)
    assert OUTSIDERS[0] not in section and OUTSIDERS[1] in section


def test_it_answers_404_on_the_page_for_a_nomination_out_of_reach(org, nominated, client):
    client.force_login(org["outsider"].user)
    assert client.post(f"/reports/approvals/{nominated[0].pk}/approve/").status_code == 404
    client.force_login(org["hr"].user)
    assert client.post(f"/reports/approvals/{nominated[0].pk}/maybe/").status_code == 404
    assert Rater.objects.get(pk=nominated[0].pk).approval == "waiting"


# --- with the real services -----------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_it_emails_approvers_then_the_approved_rater_once_through_a_real_worker(
    celery_worker, questionnaire, org, wait_for
):
    from tests.feedback.conftest import in_days

    cycle = services.cycle_open(cycle=services.cycle_create(name="Worker", closes_at=in_days(5)))
    request = services.request_create(
        cycle=cycle, subject=org["dev"], requested_by=org["lead"].user
    ).request
    services.request_launch(request=request)
    wait_for(lambda: len(mail.outbox) >= 3)
    rater = services.rater_add(
        request=request, email="ann@mail.example", relationship="other", actor=org["lead"].user
    )
    wait_for(lambda: Rater.objects.filter(pk=rater.pk, approval_notified_at__isnull=False))
    assert sorted(m.to[0] for m in mail.outbox[3:]) == ["dev@example.com", "hr@example.com"]
    assert sent_to("ann@mail.example") == []
    services.rater_approve(rater=rater, actor=org["hr"].user)
    wait_for(lambda: Rater.objects.filter(pk=rater.pk, invited_at__isnull=False))
    services.request_launch(request=request)  # launching again sends her nothing more
    wait_for(lambda: len(mail.outbox) >= 6)
    assert len(survey_links_to("ann@mail.example")) == 1
    assert len(mail.outbox) == 6


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_it_sends_one_link_when_an_approval_and_a_launch_race(postgres, questionnaire, org):
    import threading

    from django.db import connections

    from tests.feedback.conftest import in_days

    cycle = services.cycle_open(cycle=services.cycle_create(name="Race", closes_at=in_days(5)))
    request = services.request_create(
        cycle=cycle, subject=org["dev"], requested_by=org["lead"].user
    ).request
    rater = services.rater_add(
        request=request, email="ann@mail.example", relationship="other", actor=org["lead"].user
    )
    mail.outbox.clear()
    barrier = threading.Barrier(2)
    errors = []

    def run(action):
        try:
            barrier.wait()
            action()
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(lambda: services.request_launch(request=request),)),
        threading.Thread(
            target=run, args=(lambda: services.rater_approve(rater=rater, actor=org["hr"].user),)
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    # Tasks run in-process (eager) after each commit: whichever came second issued no link.
    assert len(survey_links_to("ann@mail.example")) == 1
    assert Rater.objects.get(pk=rater.pk).status == "invited"
