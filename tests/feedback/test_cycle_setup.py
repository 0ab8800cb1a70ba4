"""Setting a cycle up for many people at once (issue 14): participants, the bulk request
service, and "Open cycle", which opens, creates every request and sends every invitation."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import DomainError
from feedback import selectors, services
from feedback.models import Cycle, FeedbackRequest, Framework, Rater
from tests.factories import PersonFactory, TeamFactory
from tests.feedback.conftest import in_days


def draft(org, **settings):
    return services.cycle_create(
        name=settings.pop("name", "Autumn 2026"),
        closes_at=in_days(14),
        created_by=org["hr"].user,
        **settings,
    )


def raters_by_subject(cycle) -> dict[str, set[tuple[str, str]]]:
    rows = Rater.objects.filter(request__cycle=cycle).values_list(
        "request__subject__email", "relationship", "email"
    )
    found: dict[str, set[tuple[str, str]]] = {}
    for subject, relationship, email in rows:
        found.setdefault(subject, set()).add((relationship, email))
    return found


def bigger_org(org):
    """Lead gets five more reports, so peers crowd each other's requests."""
    extra = [
        PersonFactory(email=f"extra{i}@example.com", name=f"Extra {i}", manager=org["lead"])
        for i in range(5)
    ]
    return [org["lead"], org["dev"], org["peer"], *extra]


@pytest.mark.django_db
def test_it_proposes_for_many_what_request_create_proposes_one_by_one_cap_included(org):
    subjects = bigger_org(org)
    # A cap of 3: each of lead's six reports is a peer of five others, so the cap bites.
    bulk = services.cycle_open(cycle=draft(org, max_requests_per_rater=3))
    one_by_one = services.cycle_open(cycle=draft(org, name="Other", max_requests_per_rater=3))
    created = services.cycle_requests_create(
        cycle=bulk, subjects=subjects, requested_by=org["hr"].user
    )
    warnings = []
    for subject in sorted(subjects, key=lambda p: (p.name, p.id)):
        warnings += services.request_create(
            cycle=one_by_one, subject=subject, requested_by=org["hr"].user
        ).warnings
    assert raters_by_subject(bulk) == raters_by_subject(one_by_one)
    # Hand-checked: nobody but self is asked more than three times.
    counts = {}
    for relationship, email in Rater.objects.filter(request__cycle=bulk).values_list(
        "relationship", "email"
    ):
        if relationship != "self":
            counts[email] = counts.get(email, 0) + 1
    assert max(counts.values()) == 3
    assert len(created.requests) == len(subjects)
    assert created.warnings and all("the rater cap" in w for w in created.warnings)
    assert len(warnings) > 0  # the single path left people out too


@pytest.mark.django_db
def test_it_proposes_the_org_chart_raters_for_the_fixed_org(org):
    cycle = services.cycle_open(cycle=draft(org))
    services.cycle_requests_create(
        cycle=cycle, subjects=[org["dev"], org["lead"]], requested_by=org["hr"].user
    )
    assert raters_by_subject(cycle) == {
        "dev@example.com": {
            ("self", "dev@example.com"),
            ("boss", "lead@example.com"),
            ("peer", "peer@example.com"),
        },
        "lead@example.com": {
            ("self", "lead@example.com"),
            ("boss", "vp@example.com"),
            ("direct_report", "dev@example.com"),
            ("direct_report", "peer@example.com"),
        },
    }
    assert set(Rater.objects.filter(request__cycle=cycle).values_list("status", flat=True)) == {
        "pending"
    }


@pytest.mark.django_db
def test_it_creates_any_number_of_requests_in_the_same_number_of_queries(org):
    team = TeamFactory(name="Big")
    boss = PersonFactory(email="boss@example.com", name="Big Boss", team=team)
    many = [
        PersonFactory(email=f"m{i}@example.com", name=f"M {i:02d}", manager=boss, team=team)
        for i in range(30)
    ]
    rater_table = Rater._meta.db_table
    other_queries, rater_inserts = [], []
    for subjects in ([org["dev"], org["peer"]], many):
        cycle = services.cycle_open(
            cycle=draft(org, name=f"C{len(subjects)}", max_requests_per_rater=100)
        )
        hr_user = type(org["hr"].user).objects.get(pk=org["hr"].user_id)  # nothing cached
        with CaptureQueriesContext(connection) as queries:
            services.cycle_requests_create(
                cycle=cycle, subjects=subjects, requested_by=hr_user, launch=True
            )
        inserts = [q for q in queries if q["sql"].startswith(f'INSERT INTO "{rater_table}"')]
        other_queries.append(len(queries) - len(inserts))
        rater_inserts.append(len(inserts))
    raters = Rater.objects.filter(request__subject__in=many)
    assert raters.count() == 30 * (1 + 1 + 29)  # self, boss and 29 peers each
    assert other_queries[0] == other_queries[1], other_queries
    # The rater rows go in batches of a thousand, or fewer where the database's parameter
    # limit demands: one insert here on SQLite and PostgreSQL alike.
    fields = [f for f in Rater._meta.concrete_fields if not f.primary_key]
    batch = min(1000, connection.ops.bulk_batch_size(fields, list(raters)))
    assert rater_inserts == [1, -(-930 // batch)]


@pytest.mark.django_db
def test_it_writes_nothing_when_one_subject_already_has_a_request(org):
    cycle = services.cycle_open(cycle=draft(org))
    services.request_create(cycle=cycle, subject=org["dev"], requested_by=org["lead"].user)
    before = Rater.objects.count()
    with pytest.raises(DomainError) as caught:
        services.cycle_requests_create(
            cycle=cycle,
            subjects=[org["lead"], org["dev"], org["peer"]],
            requested_by=org["hr"].user,
        )
    assert caught.value.code == "conflict"
    assert "Dev Eloper" in caught.value.detail
    assert FeedbackRequest.objects.filter(cycle=cycle).count() == 1
    assert Rater.objects.count() == before


@pytest.mark.django_db
def test_a_manager_may_create_requests_only_for_their_line(org):
    cycle = services.cycle_open(cycle=draft(org))
    with pytest.raises(DomainError) as caught:
        services.cycle_requests_create(
            cycle=cycle, subjects=[org["dev"], org["hr"]], requested_by=org["lead"].user
        )
    assert caught.value.code == "forbidden"
    assert not FeedbackRequest.objects.filter(cycle=cycle).exists()
    created = services.cycle_requests_create(
        cycle=cycle, subjects=[org["dev"], org["peer"]], requested_by=org["vp"].user
    )
    assert len(created.requests) == 2


@pytest.mark.django_db
def test_open_cycle_creates_every_request_and_emails_every_rater_once(
    org, django_capture_on_commit_callbacks
):
    cycle = draft(org)
    services.cycle_participants_add(cycle=cycle, people=[org["dev"].pk, org["lead"].pk])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        opened = services.cycle_open_with_participants(cycle=cycle, actor=org["hr"].user)
    assert (opened.requests, opened.invited) == (2, 7)
    cycle.refresh_from_db()
    assert cycle.status == "open"
    raters = Rater.objects.filter(request__cycle=cycle)
    assert set(raters.values_list("status", flat=True)) == {"invited"}
    assert all(r.delivery == "sent" for r in raters)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(raters.values_list("email", flat=True))
    assert FeedbackRequest.objects.filter(cycle=cycle, launched_at__isnull=True).count() == 0
    # Launching one request again later invites nobody twice.
    services.request_launch(request=FeedbackRequest.objects.filter(cycle=cycle).first())
    assert len(mail.outbox) == 7


@pytest.mark.django_db
def test_open_cycle_queues_one_message_for_all_invitations(org, django_capture_on_commit_callbacks):
    cycle = draft(org)
    services.cycle_participants_add(cycle=cycle, people=[org["dev"].pk, org["lead"].pk])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.cycle_open_with_participants(cycle=cycle, actor=org["hr"].user)
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_a_refused_open_leaves_the_draft_untouched_and_sends_nothing(
    org, django_capture_on_commit_callbacks
):
    cycle = draft(org)
    services.cycle_participants_add(cycle=cycle, people=[org["dev"].pk])
    Cycle.objects.filter(pk=cycle.pk).update(closes_at=timezone.now() - datetime.timedelta(hours=1))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError):
        services.cycle_open_with_participants(cycle=cycle, actor=org["hr"].user)
    cycle.refresh_from_db()
    assert cycle.status == "draft" and cycle.opened_at is None
    assert not FeedbackRequest.objects.filter(cycle=cycle).exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_it_opens_with_the_questionnaire_version_hr_chose(org, questionnaire):
    newer = services.framework_copy(framework=questionnaire)
    chosen = services.cycle_open(cycle=draft(org, framework=questionnaire))
    default = services.cycle_open(cycle=draft(org, name="Default"))
    assert chosen.framework == questionnaire
    assert default.framework == newer


@pytest.mark.django_db
def test_a_version_named_by_a_draft_stays_editable_until_the_cycle_opens(org, questionnaire):
    cycle = draft(org, framework=questionnaire)
    assert not selectors.framework_is_used(framework=questionnaire)
    services.cycle_open(cycle=cycle)
    assert selectors.framework_is_used(framework=questionnaire)


@pytest.mark.django_db
def test_a_version_without_statements_is_refused(org):
    empty = Framework.objects.create(version=99, name="Empty")
    with pytest.raises(DomainError) as caught:
        draft(org, framework=empty)
    assert "framework" in caught.value.errors


@pytest.mark.django_db
def test_participants_exclude_erased_people_and_change_only_on_a_draft(org):
    from privacy.services import person_erase

    cycle = draft(org)
    gone = PersonFactory(email="gone@example.com", name="Gone Person")
    person_erase(person=gone, actor=org["hr"].user)
    added = services.cycle_participants_add(cycle=cycle, people=[org["dev"].pk, gone.pk])
    assert added == 1
    assert list(selectors.cycle_participants(cycle=cycle)) == [org["dev"]]
    assert services.cycle_participants_add(cycle=cycle, people=[org["dev"].pk]) == 0
    services.cycle_open(cycle=cycle)
    with pytest.raises(DomainError) as caught:
        services.cycle_participants_add(cycle=cycle, people=[org["peer"].pk])
    assert caught.value.code == "conflict"
    with pytest.raises(DomainError):
        services.cycle_participants_remove(cycle=cycle)


@pytest.mark.services
def test_open_cycle_with_a_real_worker_emails_each_rater_exactly_once(
    celery_worker, questionnaire, org, wait_for
):
    cycle = draft(org)
    services.cycle_participants_add(cycle=cycle, people=[org["dev"].pk, org["lead"].pk])
    mail.outbox.clear()
    opened = services.cycle_open_with_participants(cycle=cycle, actor=org["hr"].user)
    assert opened.invited == 7
    raters = Rater.objects.filter(request__cycle=cycle)
    # The fan-out task and its seven email tasks run on the worker.
    wait_for(lambda: raters.filter(invited_at__isnull=False).count() == 7)
    wait_for(lambda: len(mail.outbox) >= 7)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(raters.values_list("email", flat=True))
    assert all(r.delivery == "sent" for r in raters)
