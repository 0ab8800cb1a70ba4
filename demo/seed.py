"""The demo organisation behind `make run`. Every step is an upsert, so running it twice changes nothing."""

from __future__ import annotations

import datetime
import io

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.models import Person
from accounts.services import hr_group_ensure, people_import
from development import services as development_services
from development.models import Plan
from feedback import selectors, services
from feedback.models import Cycle, FeedbackRequest, Rater, Relationship
from feedback.vocabulary import LEADERSHIP, MANAGEMENT, Behaviour

DEMO_PASSWORD = "feedback-demo"  # noqa: S105 - printed by make run; demo only
DOMAIN = "example.com"

# email local part, name, title, team, manager's local part
PEOPLE = [
    ("amara.okafor", "Amara Okafor", "Chief Executive Officer", "", ""),
    ("daniel.kim", "Daniel Kim", "VP Product", "Product", "amara.okafor"),
    ("sofia.martinez", "Sofia Martinez", "Engineering Manager", "Product", "daniel.kim"),
    ("liam.chen", "Liam Chen", "Senior Software Engineer", "Product", "sofia.martinez"),
    ("priya.nair", "Priya Nair", "Software Engineer", "Product", "sofia.martinez"),
    ("tom.becker", "Tom Becker", "Software Engineer", "Product", "sofia.martinez"),
    ("grace.obi", "Grace Obi", "Product Designer", "Product", "daniel.kim"),
    ("noah.williams", "Noah Williams", "Product Manager", "Product", "daniel.kim"),
    ("elena.petrova", "Elena Petrova", "Chief Operating Officer", "Operations", "amara.okafor"),
    ("marcus.johnson", "Marcus Johnson", "Operations Manager", "Operations", "elena.petrova"),
    ("aisha.rahman", "Aisha Rahman", "Operations Analyst", "Operations", "marcus.johnson"),
    ("jonas.berg", "Jonas Berg", "Logistics Coordinator", "Operations", "marcus.johnson"),
    ("hannah.reyes", "Hannah Reyes", "HR Business Partner", "Operations", "elena.petrova"),
    ("olivia.brown", "Olivia Brown", "Customer Success Lead", "Operations", "elena.petrova"),
]

# (local part, role shown to the user, HR?)
LOGINS = [
    ("hannah.reyes", "HR", True),
    ("sofia.martinez", "manager", False),
    ("amara.okafor", "CEO (manager of managers)", False),
    ("liam.chen", "employee", False),
]


def email(local: str) -> str:
    return f"{local}@{DOMAIN}" if local else ""


def demo_csv() -> bytes:
    lines = ["email,name,title,team,manager_email"]
    for local, name, title, team, manager in PEOPLE:
        lines.append(f"{email(local)},{name},{title},{team},{email(manager)}")
    return ("\n".join(lines) + "\n").encode()


@transaction.atomic
def demo_seed() -> list[tuple[str, str]]:
    """Load the demo organisation, its logins and its cycles. Returns (username, role) pairs."""
    logins = _people_and_logins()
    _earlier_released_cycle()
    _released_cycle()
    _open_cycle()
    _development_plan()
    return logins


def _people_and_logins() -> list[tuple[str, str]]:
    people_import(file=io.BytesIO(demo_csv()))
    User = get_user_model()
    hr = hr_group_ensure()
    logins = []
    for local, role, is_hr in LOGINS:
        person = Person.objects.get(email=email(local))
        user, created = User.objects.get_or_create(
            username=person.email, defaults={"email": person.email}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        if is_hr:
            user.groups.add(hr)
            if not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
        if person.user_id != user.id:
            person.user = user
            person.save(update_fields=["user", "updated_at"])
        logins.append((user.username, role))
    return logins


# --- feedback -----------------------------------------------------------------

OPEN_CYCLE_NAME = "Autumn 2026 check-in"
OPEN_CYCLE_DAYS = 21
# Subjects of the open cycle, requested by HR; raters come from the org chart.
OPEN_CYCLE_SUBJECTS = ["sofia.martinez", "liam.chen", "marcus.johnson"]
REQUESTER = "hannah.reyes"


def _open_cycle():
    """An open cycle with three launched requests, most surveys answered, some not yet.

    Everything goes through the feedback services, as a real cycle would. A request that
    already exists was answered on an earlier run and is left alone.
    """
    cycle = Cycle.objects.filter(name=OPEN_CYCLE_NAME).first()
    if cycle is None:
        closes_at = timezone.now() + datetime.timedelta(days=OPEN_CYCLE_DAYS)
        cycle = services.cycle_create(name=OPEN_CYCLE_NAME, closes_at=closes_at)
        cycle = services.cycle_open(cycle=cycle)
    elif cycle.closes_at < timezone.now() + datetime.timedelta(days=2):
        # A demo database kept for weeks: push the deadline out so the printed link works.
        Cycle.objects.filter(pk=cycle.pk).update(
            closes_at=timezone.now() + datetime.timedelta(days=OPEN_CYCLE_DAYS)
        )
    if cycle.status != Cycle.Status.OPEN:
        return cycle
    requester = get_user_model().objects.get(username=email(REQUESTER))
    for position, local in enumerate(OPEN_CYCLE_SUBJECTS):
        subject = Person.objects.get(email=email(local))
        if FeedbackRequest.objects.filter(cycle=cycle, subject=subject).exists():
            continue
        request = services.request_create(
            cycle=cycle, subject=subject, requested_by=requester
        ).request
        services.request_launch(request=request)
        _answer(request, leaning=position)
    return cycle


RELEASED_CYCLE_NAME = "Spring 2026 review"
# Liam has two peers (fewer than three: the report explains how they are pooled); Sofia
# has three direct reports; Amara, the CEO, sees everyone's released report.
RELEASED_CYCLE_SUBJECTS = ["sofia.martinez", "liam.chen", "marcus.johnson", "daniel.kim"]


def _released_cycle():
    """A finished cycle: everyone answered, HR closed it and released the results.

    Closing and releasing queue the recompute and the freeze after this transaction
    commits (in-process without a broker), exactly as in a real cycle.
    """
    if Cycle.objects.filter(name=RELEASED_CYCLE_NAME).exists():
        return
    hr = get_user_model().objects.get(username=email(REQUESTER))
    cycle = services.cycle_create(
        name=RELEASED_CYCLE_NAME, closes_at=timezone.now() + datetime.timedelta(days=14)
    )
    cycle = services.cycle_open(cycle=cycle, actor=hr)
    for position, local in enumerate(RELEASED_CYCLE_SUBJECTS):
        subject = Person.objects.get(email=email(local))
        request = services.request_create(cycle=cycle, subject=subject, requested_by=hr).request
        services.request_launch(request=request)
        _answer(request, leaning=position + 1, everyone=True)
    cycle = services.cycle_close(cycle=cycle, actor=hr)
    services.cycle_release(cycle=cycle, actor=hr)


EARLIER_CYCLE_NAME = "Autumn 2025 review"
# Sofia's report of the spring cycle is compared with this one (issue 16): her report
# page, her PDF, the API and the team files show the change since autumn 2025.
EARLIER_CYCLE_SUBJECT = "sofia.martinez"
EARLIER_CYCLE_DAYS_BEFORE = 180


def _earlier_released_cycle():
    """Sofia's released cycle half a year before the spring one.

    Others rated her vision leadership two points lower then (a notable rise since) and
    her change leadership one point lower (within the spread: not marked); one peer did
    not answer (the page warns that the rater mix changed). Closing dates order cycles:
    its closing date is moved half a year back once released.
    """
    if Cycle.objects.filter(name=EARLIER_CYCLE_NAME).exists():
        return
    hr = get_user_model().objects.get(username=email(REQUESTER))
    cycle = services.cycle_create(
        name=EARLIER_CYCLE_NAME, closes_at=timezone.now() + datetime.timedelta(days=14)
    )
    cycle = services.cycle_open(cycle=cycle, actor=hr)
    subject = Person.objects.get(email=email(EARLIER_CYCLE_SUBJECT))
    request = services.request_create(cycle=cycle, subject=subject, requested_by=hr).request
    services.request_launch(request=request)
    _answer(request, leaning=1, everyone=True, earlier=True)
    cycle = services.cycle_close(cycle=cycle, actor=hr)
    services.cycle_release(cycle=cycle, actor=hr)
    Cycle.objects.filter(pk=cycle.pk).update(
        closes_at=timezone.now() - datetime.timedelta(days=EARLIER_CYCLE_DAYS_BEFORE)
    )


# (first item, last item) of the statements others rated lower in the earlier cycle, and
# by how much: vision leadership 1-3, change leadership 7-9.
EARLIER_LOWER = ((1, 3, 2), (7, 9, 1))


def _answer(request, *, leaning: int, everyone: bool = False, earlier: bool = False) -> None:
    """Self and boss submit; of the others, all but two submit, one keeps a draft, one waits
    (with ``everyone``, all of them submit).

    Ratings follow a profile (some subjects lean to leadership, some to management) and
    the self view runs a little high, so the results show blind spots and balances.
    """
    raters = list(request.raters.order_by("relationship", "email"))
    identified = [r for r in raters if r.relationship in (Relationship.SELF, Relationship.BOSS)]
    others = [r for r in raters if r not in identified]
    drafts = [] if everyone else others[-2:-1]
    waiting = [] if everyone else others[-1:]
    if earlier:
        # One peer did not answer that time.
        waiting = [r for r in others if r.relationship == Relationship.PEER][:1]
    for number, rater in enumerate(raters):
        if rater in waiting:
            continue
        token = services.rater_link_issue(rater=rater)
        items = selectors.survey_items(rater=rater).values_list("id", "pole", "position")
        ratings = {}
        for item_id, pole, position in items:
            if rater in drafts and position > 12:
                break
            value = _rating(
                pole=pole,
                position=position,
                number=number,
                leaning=leaning,
                is_self=rater.relationship == Relationship.SELF,
            )
            if earlier and value is not None and rater.relationship != Relationship.SELF:
                for first, last, lower in EARLIER_LOWER:
                    if first <= position <= last:
                        value = max(1, value - lower)
            ratings[str(item_id)] = value
        comments = {}
        if rater not in drafts:
            question = selectors.survey_questions(rater=rater).first()
            comments[str(question.id)] = DEMO_COMMENTS[(number + leaning) % len(DEMO_COMMENTS)]
        services.survey_save_draft(token=token, ratings=ratings, comments=comments)
        if rater not in drafts:
            services.survey_submit(token=token)


def _rating(*, pole: str, position: int, number: int, leaning: int, is_self: bool) -> int | None:
    if not is_self and (position * 7 + number * 3) % 17 == 0:
        return None  # "can't say" now and then
    strong = LEADERSHIP if leaning % 2 == 0 else MANAGEMENT
    value = 4 if pole == strong else 3
    value += ((position + number) % 3) - 1  # -1, 0 or +1: raters disagree a little
    if is_self:
        value += 1
    return max(1, min(5, value))


# --- development plan (issue 16) -------------------------------------------------

# Sofia has two released reports: her plan comes from the earlier one, so her spring
# report opens with her focus behaviours and their change since autumn 2025.
PLAN_SUBJECT = EARLIER_CYCLE_SUBJECT


def _development_plan():
    """Sofia's plan from her autumn 2025 report: two focus behaviours, three actions (one
    due in two days, so the check-in email has something to say), shared with her
    managers (Daniel, who commented, and Amara, who has a demo login). Left alone once it
    exists."""
    sofia = Person.objects.get(email=email(PLAN_SUBJECT))
    report = FeedbackRequest.objects.filter(
        subject=sofia, cycle__name=EARLIER_CYCLE_NAME, cycle__status=Cycle.Status.RELEASED
    ).first()
    if report is None or Plan.objects.filter(subject=sofia).exists():
        return
    today = timezone.localdate()
    plan = development_services.plan_create(
        subject=sofia,
        request_id=report.id,
        focus=[
            {"behaviour": Behaviour.VISION.value, "pole": LEADERSHIP},
            {"behaviour": Behaviour.DEVELOPMENT.value, "pole": LEADERSHIP},
        ],
        actions=[
            {
                "text": "Hold a fortnightly coaching hour with Liam, Priya and Tom",
                "due_date": today + datetime.timedelta(days=2),
            },
            {
                "text": "Explain the why behind the next quarter's roadmap at the team meeting",
                "due_date": today + datetime.timedelta(days=21),
            },
            {
                "text": "Ask Grace and Noah how my planning reviews land",
                "due_date": today + datetime.timedelta(days=45),
            },
        ],
    )
    development_services.plan_share(plan=plan, user=sofia.user, shared=True)
    development_services.comment_add(
        plan=plan,
        author=sofia.manager,
        text="Good choices. Let us look at the coaching hours together in our next 1:1.",
    )


DEMO_COMMENTS = [
    "Explains where we are going and why; I would like more time for one-to-ones.",
    "Very reliable on plans and follow-up. Could let the team try new ideas more often.",
    "Calm under pressure and fair. Sometimes decides before hearing everyone out.",
    "Great at growing people. Priorities can shift without much warning.",
]


def demo_survey_link() -> str | None:
    """A working survey link for one rater who has not answered yet, issued afresh.

    Only the hash of a token is stored, so the link printed on an earlier run cannot be
    shown again: each run issues a new one, and the one printed before stops working.
    """
    rater = (
        Rater.objects.filter(
            request__cycle__name=OPEN_CYCLE_NAME,
            request__cycle__status="open",
            status=Rater.Status.INVITED,
        )
        .order_by("request__subject__email", "relationship", "email")
        .first()
    )
    if rater is None:
        return None
    return f"{settings.SITE_URL}/s/{services.rater_link_issue(rater=rater)}/"
