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


def open_cycle(*, k: int = 3, threshold: str = "1.0") -> Cycle:
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
