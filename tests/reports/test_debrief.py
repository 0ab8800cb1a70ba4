"""A coach who debriefs before the subject reads (issue 16).

The fixed organisation: ceo > vp > lead > dev, pat the peer (no login), hr, and the
outsider, who coaches dev here. The lead manages dev; the vp is above both.
"""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from core.models import AuditEvent
from feedback import services as feedback_services
from feedback.models import Cycle
from reports import services
from reports.models import Debrief, GapAnalysis, ResponseCount
from tests.factories import person_with_login
from tests.reports.builders import answer_all, new_request, open_cycle, questionnaire, respond

pytestmark = pytest.mark.django_db


def ratings(cycle, value):
    return {int(k): v for k, v in answer_all(cycle, value).items()}


@pytest.fixture
def setup(org):
    cycle = open_cycle(k=2)
    Cycle.objects.filter(pk=cycle.pk).update(debrief_before_release=True)
    cycle.refresh_from_db()
    dev = new_request(cycle, subject=org["dev"])
    other = new_request(cycle, subject=org["peer"])
    for request in (dev, other):
        respond(request, "self", ratings(cycle, 4))
        respond(request, "peer", ratings(cycle, 3))
        respond(request, "peer", ratings(cycle, 5))
        respond(request, "boss", ratings(cycle, 2))
    feedback_services.cycle_close(cycle=cycle)
    services.cycle_recompute(cycle_id=cycle.pk)  # what the close queues after commit
    cycle.refresh_from_db()
    coach = org["outsider"]
    other_coach = person_with_login(email="coach2@example.com", name="Cora Coach")
    services.coaches_assign(cycle=cycle, request_ids=[dev.pk], coach=coach, actor=org["hr"].user)
    services.coaches_assign(
        cycle=cycle, request_ids=[other.pk], coach=other_coach, actor=org["hr"].user
    )
    return {"cycle": cycle, "dev": dev, "other": other, "coach": coach, "other_coach": other_coach}


def results(api_as, person, request):
    return api_as(person).get(f"/api/v1/requests/{request.pk}/results/")


def test_the_coach_reads_the_closed_report_and_each_read_is_audited(org, api_as, setup):
    response = results(api_as, setup["coach"], setup["dev"])
    assert response.status_code == 200
    assert response.json()["subject"]["name"] == org["dev"].name
    assert (
        AuditEvent.objects.filter(
            action="report.coach_read", target_id=setup["dev"].pk, actor=setup["coach"].user
        ).count()
        == 1
    )
    setup["cycle"].refresh_from_db()
    assert setup["cycle"].results_read_at is not None  # a read: no reopening after it


def test_before_the_coach_releases_only_hr_and_the_coach_read(org, api_as, setup):
    dev = setup["dev"]
    assert results(api_as, org["dev"], dev).status_code == 409
    assert results(api_as, org["lead"], dev).status_code == 409
    # The coach of another subject: out of reach, exactly as an unknown id.
    assert results(api_as, setup["other_coach"], dev).status_code == 404
    assert results(api_as, setup["coach"], setup["other"]).status_code == 404
    assert results(api_as, org["hr"], dev).status_code == 200


def test_nobody_but_the_coach_records_or_releases(org, api_as, setup):
    dev = setup["dev"]
    for person in (org["lead"], org["vp"], org["dev"], org["hr"], setup["other_coach"]):
        client = api_as(person)
        assert client.post(f"/api/v1/requests/{dev.pk}/debrief/").status_code == 404
        assert client.post(f"/api/v1/requests/{dev.pk}/release-to-subject/").status_code == 404
    assert api_as(setup["coach"]).post("/api/v1/requests/999999/debrief/").status_code == 404
    assert Debrief.objects.get(pk=dev.pk).debriefed_on is None


def test_the_coach_records_the_debrief_then_releases_to_the_subject(
    org, api_as, setup, django_capture_on_commit_callbacks
):
    dev, coach = setup["dev"], api_as(setup["coach"])
    url = f"/api/v1/requests/{dev.pk}/release-to-subject/"
    assert coach.post(url).status_code == 409  # the debrief first
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    bad = coach.post(f"/api/v1/requests/{dev.pk}/debrief/", {"held_on": tomorrow.isoformat()})
    assert bad.status_code == 400 and "held_on" in bad.json()["errors"]
    recorded = coach.post(f"/api/v1/requests/{dev.pk}/debrief/", {})
    assert recorded.status_code == 200
    assert recorded.json()["debriefed_on"] == timezone.localdate().isoformat()

    with django_capture_on_commit_callbacks(execute=True):
        released = coach.post(url)
    assert released.status_code == 200 and released.json()["released_at"]

    # The subject reads, their managers still wait for the cycle-wide release.
    assert results(api_as, org["dev"], dev).status_code == 200
    assert results(api_as, org["lead"], dev).status_code == 409
    assert results(api_as, org["dev"], setup["other"]).status_code == 404
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [org["dev"].email]
    assert f"/reports/requests/{dev.pk}/" in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="report.release_to_subject", target_id=dev.pk).exists()
    assert AuditEvent.objects.filter(action="debrief.record", target_id=dev.pk).exists()
    # Again: nothing changes, no second email.
    with django_capture_on_commit_callbacks(execute=True):
        assert coach.post(url).status_code == 200
    assert len(mail.outbox) == 1


def test_a_per_subject_release_freezes_that_report_and_the_cycle_freezes_only_once(org, setup):
    dev, other = setup["dev"], setup["other"]
    services.debrief_record(request_id=dev.pk, user=setup["coach"].user)
    services.subject_release(request_id=dev.pk, user=setup["coach"].user)

    analysis = GapAnalysis.objects.get(request=dev)
    frozen_at, document = analysis.frozen_at, analysis.data
    assert frozen_at is not None
    assert set(
        ResponseCount.objects.filter(request=dev).values_list("relationship", flat=True)
    ) == {
        "self",
        "peer",
        "boss",
    }
    assert not ResponseCount.objects.filter(request=other).exists()
    assert GapAnalysis.objects.get(request=other).frozen_at is None
    # A released report never changes: the cycle can no longer reopen.
    with pytest.raises(DomainError) as refused:
        feedback_services.cycle_reopen(
            cycle=setup["cycle"], closes_at=timezone.now() + datetime.timedelta(days=3)
        )
    assert refused.value.code == "conflict"

    # The cycle-wide release still works, freezes the others, and leaves this one as it was.
    feedback_services.cycle_release(cycle=setup["cycle"])
    services.cycle_results_freeze(cycle_id=setup["cycle"].pk)  # what the release queues
    analysis.refresh_from_db()
    assert (analysis.frozen_at, analysis.data) == (frozen_at, document)
    assert GapAnalysis.objects.get(request=other).frozen_at is not None
    assert ResponseCount.objects.filter(request=dev).count() == 3
    # Released to everyone: the coach's release has nothing more to do.
    with pytest.raises(DomainError):
        services.subject_release(request_id=other.pk, user=setup["other_coach"].user)


def test_nothing_is_read_or_released_while_the_cycle_is_open(org, api_as):
    cycle = open_cycle(k=2)
    Cycle.objects.filter(pk=cycle.pk).update(debrief_before_release=True)
    request = new_request(cycle, subject=org["dev"])
    services.coaches_assign(
        cycle=cycle, request_ids=[request.pk], coach=org["outsider"], actor=org["hr"].user
    )
    coach = api_as(org["outsider"])
    assert coach.get(f"/api/v1/requests/{request.pk}/results/").status_code == 409
    assert coach.post(f"/api/v1/requests/{request.pk}/debrief/").status_code == 409
    assert coach.get("/api/v1/debriefs/").json()[0]["cycle"]["status"] == "open"


def test_hr_assigns_coaches_only_where_the_cycle_asks_for_a_debrief(org, api_as, setup):
    hr = api_as(org["hr"])
    cycle, dev, other = setup["cycle"], setup["dev"], setup["other"]
    url = f"/api/v1/cycles/{cycle.pk}/coaches/"
    # Nobody coaches themself; an unknown request or coach is refused; managers are not HR.
    assert (
        hr.post(url, {"coach": org["dev"].pk, "requests": [dev.pk]}, format="json").status_code
        == 400
    )
    assert hr.post(url, {"coach": 999999, "requests": [dev.pk]}, format="json").status_code == 400
    assert (
        hr.post(url, {"coach": org["vp"].pk, "requests": [999999]}, format="json").status_code
        == 400
    )
    assert (
        api_as(org["lead"])
        .post(url, {"coach": org["vp"].pk, "requests": [dev.pk]}, format="json")
        .status_code
        == 403
    )
    # Bulk: one coach for both; a new coach starts afresh.
    services.debrief_record(request_id=dev.pk, user=setup["coach"].user)
    response = hr.post(url, {"coach": org["vp"].pk, "requests": [dev.pk, other.pk]}, format="json")
    assert response.json() == {"assigned": 2}
    assert set(Debrief.objects.values_list("coach_id", "debriefed_on")) == {(org["vp"].pk, None)}
    assert results(api_as, setup["coach"], dev).status_code == 404  # no longer their coach
    assert hr.post(url, {"coach": None, "requests": [other.pk]}, format="json").json() == {
        "assigned": 1
    }
    assert not Debrief.objects.filter(pk=other.pk).exists()

    plain = open_cycle(k=2)
    plain_request = new_request(plain)
    response = hr.post(
        f"/api/v1/cycles/{plain.pk}/coaches/",
        {"coach": org["vp"].pk, "requests": [plain_request.pk]},
        format="json",
    )
    assert response.status_code == 409


def test_a_released_report_keeps_its_coach(org, setup):
    services.debrief_record(request_id=setup["dev"].pk, user=setup["coach"].user)
    services.subject_release(request_id=setup["dev"].pk, user=setup["coach"].user)
    with pytest.raises(DomainError) as refused:
        services.coaches_assign(
            cycle=setup["cycle"],
            request_ids=[setup["dev"].pk],
            coach=org["vp"],
            actor=org["hr"].user,
        )
    assert refused.value.code == "conflict"


def test_the_wizard_sets_the_option_while_draft(client, org):
    questionnaire()
    client.force_login(org["hr"].user)
    form = {
        "name": "Debriefed 2027",
        "closes_on": (timezone.localdate() + datetime.timedelta(days=20)).isoformat(),
        "framework": "1",
        "min_anonymous_raters": "3",
        "gap_threshold": "1",
        "max_requests_per_rater": "10",
        "debrief_before_release": "on",
    }
    response = client.post(reverse("cycle_new"), form)
    assert response.status_code == 302
    cycle = Cycle.objects.get(name="Debriefed 2027")
    assert cycle.debrief_before_release is True
    form.pop("debrief_before_release")
    client.post(reverse("cycle_settings", args=[cycle.pk]), form)
    cycle.refresh_from_db()
    assert cycle.debrief_before_release is False


# --- pages ---------------------------------------------------------------------------------


def test_the_coach_pages_and_the_subjects_list(client, org, setup):
    dev = setup["dev"]
    client.force_login(setup["coach"].user)
    page = client.get(reverse("debriefs_mine")).content.decode()
    assert org["dev"].name in page and org["peer"].name not in page
    assert client.get(reverse("report", args=[dev.pk])).status_code == 200
    assert client.get(reverse("report", args=[setup["other"].pk])).status_code == 404
    assert client.post(reverse("debrief_release", args=[setup["other"].pk])).status_code == 404
    client.post(reverse("debrief_record", args=[dev.pk]), {"held_on": "not a day"})
    assert Debrief.objects.get(pk=dev.pk).debriefed_on is None
    client.post(reverse("debrief_record", args=[dev.pk]), {"held_on": ""})
    assert Debrief.objects.get(pk=dev.pk).debriefed_on == timezone.localdate()
    client.post(reverse("debrief_release", args=[dev.pk]))
    assert Debrief.objects.get(pk=dev.pk).released_at is not None

    client.force_login(org["lead"].user)
    assert client.post(reverse("debrief_record", args=[dev.pk])).status_code == 404
    client.force_login(org["dev"].user)
    mine = client.get(reverse("reports_mine")).content.decode()
    assert reverse("report", args=[dev.pk]) in mine
    assert client.get(reverse("report", args=[dev.pk])).status_code == 200


def test_hr_assigns_a_coach_in_bulk_on_the_page(client, org, setup):
    client.force_login(org["hr"].user)
    url = reverse("reports_cycle_coaches", args=[setup["cycle"].pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "requests": [setup["dev"].pk, setup["other"].pk],
            "coach": org["vp"].pk,
            "action": "assign",
        },
    )
    assert response.status_code == 302
    assert set(Debrief.objects.values_list("coach_id", flat=True)) == {org["vp"].pk}
    assert client.post(url, {"coach": org["vp"].pk, "action": "assign"}).status_code == 400
    client.force_login(org["lead"].user)
    assert client.get(url).status_code == 404


def test_the_coachs_list_takes_the_same_queries_for_any_number(
    org, api_as, setup, django_assert_max_num_queries
):
    cycle = setup["cycle"]
    ids = []
    for n in range(5):
        person = person_with_login(email=f"more{n}@example.com", name=f"More {n}")
        ids.append(new_request(cycle, subject=person).pk)
    services.coaches_assign(
        cycle=cycle, request_ids=ids, coach=setup["coach"], actor=org["hr"].user
    )
    client = api_as(setup["coach"])
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/debriefs/")
    assert len(response.json()) == 6


def test_the_coaches_form_answers_nonsense_with_the_form_again(client, org, setup):
    client.force_login(org["hr"].user)
    url = reverse("reports_cycle_coaches", args=[setup["cycle"].pk])
    before = set(Debrief.objects.values_list("pk", "coach_id"))
    for form in (
        {"requests": ["9" * 40], "coach": org["vp"].pk, "action": "assign"},
        {"requests": [setup["dev"].pk], "coach": "9" * 40, "action": "assign"},
        {"requests": ["x"], "coach": "²", "action": "assign"},
        {"requests": [setup["dev"].pk], "coach": org["dev"].pk, "action": "assign"},
    ):
        assert client.post(url, form).status_code == 400
    assert set(Debrief.objects.values_list("pk", "coach_id")) == before
