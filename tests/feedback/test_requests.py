"""Feedback requests: who may ask, raters proposed from the org chart, caps and refusals."""

import pytest

from core.errors import DomainError
from feedback import selectors, services
from feedback.models import Cycle, Rater
from tests.factories import PersonFactory


def raters_of(request) -> set[tuple[str, str]]:
    return set(request.raters.values_list("relationship", "email"))


def refusal(call, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    return caught.value


@pytest.mark.django_db
def test_it_proposes_self_boss_and_peers_for_dev(org, open_cycle):
    created = services.request_create(
        cycle=open_cycle, subject=org["dev"], requested_by=org["lead"].user
    )
    assert raters_of(created.request) == {
        ("self", "dev@example.com"),
        ("boss", "lead@example.com"),
        ("peer", "peer@example.com"),
    }
    assert created.warnings == []
    assert set(created.request.raters.values_list("status", flat=True)) == {"pending"}


@pytest.mark.django_db
def test_it_proposes_direct_reports_and_no_peers_for_an_only_child(org, open_cycle):
    created = services.request_create(
        cycle=open_cycle, subject=org["lead"], requested_by=org["hr"].user
    )
    assert raters_of(created.request) == {
        ("self", "lead@example.com"),
        ("boss", "vp@example.com"),
        ("direct_report", "dev@example.com"),
        ("direct_report", "peer@example.com"),
    }


@pytest.mark.django_db
def test_it_proposes_peers_under_the_same_manager(org, open_cycle):
    created = services.request_create(
        cycle=open_cycle, subject=org["vp"], requested_by=org["ceo"].user
    )
    assert raters_of(created.request) == {
        ("self", "vp@example.com"),
        ("boss", "ceo@example.com"),
        ("peer", "hr@example.com"),
        ("direct_report", "lead@example.com"),
    }


@pytest.mark.django_db
def test_it_proposes_only_self_for_someone_without_manager_or_reports(org, open_cycle):
    created = services.request_create(
        cycle=open_cycle, subject=org["outsider"], requested_by=org["hr"].user
    )
    assert raters_of(created.request) == {("self", "outsider@example.com")}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("hr", True),
        ("lead", True),
        ("vp", True),
        ("ceo", True),
        ("dev", False),
        ("peer_login", False),
        ("outsider", False),
    ],
)
def test_it_lets_hr_and_managers_above_request_feedback_about_dev(org, open_cycle, who, allowed):
    if who == "peer_login":
        from tests.factories import person_with_login

        requester = person_with_login(email="peer2@example.com", manager=org["lead"]).user
    else:
        requester = org[who].user
    if allowed:
        services.request_create(cycle=open_cycle, subject=org["dev"], requested_by=requester)
    else:
        error = refusal(
            services.request_create, cycle=open_cycle, subject=org["dev"], requested_by=requester
        )
        assert error.code == "forbidden"
        assert error.detail == (
            "Only HR or a manager above this person can request feedback about them."
        )


@pytest.mark.django_db
def test_it_refuses_a_second_request_for_the_same_subject(org, dev_request, open_cycle):
    error = refusal(
        services.request_create, cycle=open_cycle, subject=org["dev"], requested_by=org["hr"].user
    )
    assert (error.code, error.detail) == (
        "conflict",
        "There is already a feedback request for Dev Eloper in this cycle.",
    )


@pytest.mark.django_db
def test_it_refuses_requests_in_a_cycle_that_is_not_open(org, draft_cycle):
    error = refusal(
        services.request_create, cycle=draft_cycle, subject=org["dev"], requested_by=org["hr"].user
    )
    assert (error.code, error.detail) == (
        "conflict",
        "The cycle is draft: requesting feedback needs an open cycle.",
    )


@pytest.mark.django_db
def test_it_leaves_out_raters_past_the_cap_with_a_warning(org, open_cycle):
    Cycle.objects.filter(pk=open_cycle.pk).update(max_requests_per_rater=1)
    open_cycle.refresh_from_db()
    services.request_create(cycle=open_cycle, subject=org["dev"], requested_by=org["hr"].user)
    # Lena already rates dev (as boss): at the cap of 1. Dev's own self-rating does not count.
    created = services.request_create(
        cycle=open_cycle, subject=org["peer"], requested_by=org["hr"].user
    )
    assert raters_of(created.request) == {
        ("self", "peer@example.com"),
        ("peer", "dev@example.com"),
    }
    assert created.warnings == [
        "Lena Lead was not proposed as boss: lead@example.com already rates 1 request in this "
        "cycle, the most one person is asked (1)."
    ]


# --- adding and removing raters -------------------------------------------------


@pytest.mark.django_db
def test_it_adds_an_external_rater_as_other_with_a_lower_case_email(dev_request):
    rater = services.rater_add(
        request=dev_request, email=" Client@Partner.example ", relationship="other", name="Cli"
    )
    assert (rater.email, rater.person, rater.relationship, rater.status) == (
        "client@partner.example",
        None,
        "other",
        "pending",
    )


@pytest.mark.django_db
def test_it_links_a_known_person_and_takes_their_name(org, dev_request):
    rater = services.rater_add(request=dev_request, email="HR@example.com", relationship="other")
    assert (rater.person, rater.name) == (org["hr"], "Hana HR")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("email", "relationship", "code", "detail", "errors"),
    [
        (
            "ext@partner.example",
            "peer",
            "invalid",
            "ext@partner.example is not in the directory: people from outside can only be "
            "added as 'other'.",
            {"relationship": ["Must be 'other' for someone outside the directory."]},
        ),
        (
            "dev@example.com",
            "peer",
            "invalid",
            "Dev Eloper is the subject of this request: they cannot be their own peer.",
            {"relationship": ["The subject can only be the 'self' rater."]},
        ),
        (
            "hr@example.com",
            "self",
            "invalid",
            "Only Dev Eloper can be the 'self' rater of their own request.",
            {"relationship": ["Only the subject can be the 'self' rater."]},
        ),
        (
            "PEER@example.com",
            "peer",
            "conflict",
            "peer@example.com is already a rater on this request.",
            {"email": ["Already a rater on this request."]},
        ),
        (
            "not-an-email",
            "other",
            "invalid",
            "'not-an-email' is not a valid email address.",
            {"email": ["Enter a valid email."]},
        ),
        (
            "x@partner.example",
            "friend",
            "invalid",
            "Unknown relationship 'friend'.",
            {"relationship": ["Choose one of self, boss, peer, direct_report, other."]},
        ),
    ],
)
def test_it_refuses_bad_raters_with_a_clear_message(
    dev_request, email, relationship, code, detail, errors
):
    error = refusal(services.rater_add, request=dev_request, email=email, relationship=relationship)
    assert (error.code, error.detail, error.errors) == (code, detail, errors)


@pytest.mark.django_db
def test_it_refuses_a_rater_past_the_per_cycle_cap(org, open_cycle, dev_request):
    Cycle.objects.filter(pk=open_cycle.pk).update(max_requests_per_rater=1)
    lead_request = services.request_create(
        cycle=open_cycle, subject=org["lead"], requested_by=org["hr"].user
    ).request
    # A newcomer rates dev as a peer: at the cap of 1 for any other request.
    extra = PersonFactory(email="new@example.com", manager=org["lead"])
    services.rater_add(request=dev_request, email=extra.email, relationship="peer")
    error = refusal(
        services.rater_add, request=lead_request, email=extra.email, relationship="direct_report"
    )
    assert (error.code, error.detail) == (
        "conflict",
        "new@example.com already rates 1 request in this cycle, the most one person is asked (1).",
    )


@pytest.mark.django_db
def test_it_removes_a_rater_until_they_submitted(dev_request):
    peer = dev_request.raters.get(relationship="peer")
    services.rater_remove(rater=peer)
    assert not dev_request.raters.filter(relationship="peer").exists()
    boss = dev_request.raters.get(relationship="boss")
    Rater.objects.filter(pk=boss.pk).update(status="submitted")
    error = refusal(services.rater_remove, rater=boss)
    assert (error.code, error.detail) == (
        "conflict",
        "lead@example.com has already submitted their answers: they cannot be removed.",
    )


@pytest.mark.django_db
def test_it_removes_no_rater_once_the_cycle_has_closed(dev_request):
    # The rule lives in the service, so the API, the pages and the admin all keep it.
    Cycle.objects.filter(pk=dev_request.cycle_id).update(status=Cycle.Status.CLOSED)
    peer = dev_request.raters.get(relationship="peer")
    error = refusal(services.rater_remove, rater=peer)
    assert (error.code, error.detail) == (
        "conflict",
        "The cycle is closed: removing raters needs an open cycle.",
    )
    assert dev_request.raters.filter(pk=peer.pk).exists()


# --- warnings about small anonymous groups -------------------------------------------


@pytest.mark.django_db
def test_it_warns_about_each_anonymous_group_below_the_minimum(org, dev_request):
    assert selectors.request_warnings(request=dev_request) == [
        "Only 1 peer: fewer than 3, so their ratings will not be shown on their own, "
        "only pooled into “others”."
    ]
    services.rater_add(request=dev_request, email="a@partner.example", relationship="other")
    services.rater_add(request=dev_request, email="b@partner.example", relationship="other")
    for n in range(2):
        person = PersonFactory(email=f"peer{n}x@example.com", manager=org["lead"])
        services.rater_add(request=dev_request, email=person.email, relationship="peer")
    # Three peers now: no warning for them; two others: warned. Boss and self never are.
    assert selectors.request_warnings(request=dev_request) == [
        "Only 2 other raters: fewer than 3, so their ratings will not be shown on their own, "
        "only pooled into “others”."
    ]


@pytest.mark.django_db
def test_it_does_not_count_declined_raters_towards_a_group(dev_request):
    for n in range(3):
        services.rater_add(request=dev_request, email=f"{n}@partner.example", relationship="other")
    assert selectors.request_warnings(request=dev_request) == [
        "Only 1 peer: fewer than 3, so their ratings will not be shown on their own, "
        "only pooled into “others”."
    ]
    Rater.objects.filter(email="0@partner.example").update(status="declined")
    assert len(selectors.request_warnings(request=dev_request)) == 2


@pytest.mark.django_db
def test_it_refuses_to_launch_a_request_without_raters(org, open_cycle):
    created = services.request_create(
        cycle=open_cycle, subject=org["outsider"], requested_by=org["hr"].user
    )
    services.rater_remove(rater=created.request.raters.get())
    error = refusal(services.request_launch, request=created.request)
    assert (error.code, error.detail) == ("conflict", "This request has no raters to invite yet.")


@pytest.mark.django_db
def test_it_refuses_to_launch_or_add_raters_once_the_cycle_closed(dev_request, open_cycle):
    services.cycle_close(cycle=open_cycle)
    error = refusal(services.request_launch, request=dev_request)
    assert (error.code, error.detail) == (
        "conflict",
        "The cycle is closed: launching needs an open cycle.",
    )
    error = refusal(
        services.rater_add, request=dev_request, email="x@partner.example", relationship="other"
    )
    assert error.detail == "The cycle is closed: adding raters needs an open cycle."


@pytest.mark.django_db
def test_it_refuses_to_resend_a_link_never_sent(dev_request):
    error = refusal(services.rater_resend, rater=dev_request.raters.get(relationship="peer"))
    assert (error.code, error.detail) == (
        "conflict",
        "Only invited raters get a new link; this one is pending.",
    )
