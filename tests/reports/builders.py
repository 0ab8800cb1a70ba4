"""Build answered requests straight into the tables, for the engine's tests.

The survey services are tested in tests/feedback; here the point is the figures, so
answers are written directly: one submitted rater per response.
"""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from accounts.models import Person
from feedback.models import (
    Comment,
    Cycle,
    FeedbackRequest,
    Framework,
    Item,
    Question,
    Rater,
    Rating,
)

_serial = itertools.count()


def questionnaire() -> Framework:
    """Version 1, reloaded when a transactional test's flush dropped what the data
    migration created."""
    import importlib

    from django.apps import apps

    if not Framework.objects.filter(version=1).exists():
        importlib.import_module("feedback.migrations.0002_framework_v1").load(apps, None)
        importlib.import_module("feedback.migrations.0018_framework_v1_translations").load(
            apps, None
        )
    return Framework.objects.get(version=1)


def open_cycle(*, k: int = 3, threshold: str = "1.0") -> Cycle:
    questionnaire()
    return Cycle.objects.create(
        name=f"Cycle {next(_serial)}",
        closes_at=timezone.now() + datetime.timedelta(days=14),
        status=Cycle.Status.OPEN,
        min_anonymous_raters=k,
        gap_threshold=Decimal(threshold),
        framework=Framework.objects.order_by("version").first(),
        opened_at=timezone.now(),
    )


def items_of(cycle: Cycle) -> list[Item]:
    return list(Item.objects.filter(framework=cycle.framework).order_by("position"))


def questions_of(cycle: Cycle) -> list[Question]:
    return list(Question.objects.filter(framework=cycle.framework).order_by("position"))


def new_request(cycle: Cycle, *, subject: Person | None = None) -> FeedbackRequest:
    n = next(_serial)
    subject = subject or Person.objects.create(email=f"subject{n}@example.com", name=f"Subject {n}")
    return FeedbackRequest.objects.create(cycle=cycle, subject=subject)


def respond(
    request: FeedbackRequest,
    relationship: str,
    ratings: dict[int, int | None],
    comments: dict[int, str] | None = None,
    *,
    status: str = Rater.Status.SUBMITTED,
) -> Rater:
    """One survey: ``ratings`` maps item id to 1..5 or None ("can't say")."""
    n = next(_serial)
    rater = Rater.objects.create(
        request=request,
        relationship=relationship,
        email=f"rater{n}@example.com",
        status=status,
        submitted_at=timezone.now() if status == Rater.Status.SUBMITTED else None,
    )
    Rating.objects.bulk_create(
        Rating(rater=rater, item_id=item_id, value=value) for item_id, value in ratings.items()
    )
    Comment.objects.bulk_create(
        Comment(rater=rater, question_id=qid, text=text) for qid, text in (comments or {}).items()
    )
    return rater


def invited(request: FeedbackRequest, relationship: str) -> tuple[Rater, str]:
    """A rater holding a survey link, as after launch, its email delivered two days ago
    (so a reminder is allowed now); returns the raw token too."""
    import datetime
    import secrets

    from feedback.selectors import token_hash

    token = secrets.token_urlsafe(32)
    n = next(_serial)
    two_days_ago = timezone.now() - datetime.timedelta(days=2)
    rater = Rater.objects.create(
        request=request,
        relationship=relationship,
        email=f"invited{n}@example.com",
        status=Rater.Status.INVITED,
        token_hash=token_hash(token=token),
        token_issued_at=two_days_ago,
        invitation_sent_hash=token_hash(token=token),
        invited_at=two_days_ago,
    )
    return rater, token


def answer_all(cycle: Cycle, value: int | None = 4) -> dict[str, int | None]:
    """Survey ratings for every item of the cycle, as the survey API takes them."""
    return {str(item.id): value for item in items_of(cycle)}
