"""Writes about the questionnaire, cycles, requests, raters and surveys.

Every rule of feedback collection lives here; views, the admin and tasks call these functions.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext_lazy

from accounts.models import Person
from accounts.selectors import (
    person_active_q,
    person_for_user,
    person_is_active,
    person_line,
    user_is_hr,
)
from accounts.services import email_clean
from core.audit import audit_record
from core.errors import DomainError
from core.validation import int_strict, text_clean, text_problem
from feedback import selectors, signals, tasks
from feedback.models import (
    COMMENT_MAX_LENGTH,
    Comment,
    Cycle,
    FeedbackRequest,
    Framework,
    Item,
    ItemTranslation,
    Question,
    QuestionTranslation,
    Rater,
    Rating,
    SupersededToken,
)
from feedback.vocabulary import GROUP_WORDS, Relationship

DECLINE_REASON_MAX_LENGTH = Rater._meta.get_field("decline_reason").max_length
# A relationship inside a sentence ("not proposed as peer"), lower-case in English.
RELATIONSHIP_WORDS = {
    Relationship.SELF: gettext_lazy("self"),
    Relationship.BOSS: gettext_lazy("boss"),
    **{relationship: singular for relationship, (singular, _plural) in GROUP_WORDS.items()},
}


class SurveyIncomplete(DomainError):
    """A submission with statements left unanswered. ``unanswered``: their item ids, for a
    page to mark them, whatever the wording of the messages."""

    def __init__(self, detail: str, *, unanswered: list[int]):
        super().__init__(
            detail,
            errors={f"ratings.{item_id}": [gettext("Unanswered.")] for item_id in unanswered},
        )
        self.unanswered = tuple(unanswered)


def _when(moment: datetime.datetime) -> str:
    # The active language's date order and month names; the time in 24 hours everywhere.
    local = timezone.localtime(moment)
    return f"{date_format(local, 'DATE_FORMAT')}, {date_format(local, 'H:i')}"


# In-sentence status words live with the reads (selectors), which pages use too.
CYCLE_STATUS_WORDS = selectors.CYCLE_STATUS_WORDS
RATER_STATUS_WORDS = selectors.RATER_STATUS_WORDS
APPROVAL_WORDS = {
    Rater.Approval.APPROVED: pgettext_lazy("nomination decision in a sentence", "approved"),
    Rater.Approval.REJECTED: pgettext_lazy("nomination decision in a sentence", "rejected"),
}
# The transitions' refusals, whole sentences so each language can word them its own way.
TRANSITION_REFUSALS = {
    "opened": gettext_lazy("Only a draft cycle can be opened; this cycle is %(status)s."),
    "closed": gettext_lazy("Only an open cycle can be closed; this cycle is %(status)s."),
    "reopened": gettext_lazy("Only a closed cycle can be reopened; this cycle is %(status)s."),
    "released": gettext_lazy("Only a closed cycle can be released; this cycle is %(status)s."),
}


# --- questionnaire ------------------------------------------------------------


@transaction.atomic
def framework_copy(*, framework: Framework) -> Framework:
    """HR edits the questionnaire by copying it as version N+1 and editing the copy."""
    latest = Framework.objects.aggregate(v=Max("version"))["v"] or 0
    copy = Framework.objects.create(version=latest + 1, name=framework.name)
    items = list(framework.items.order_by("position"))
    copies = Item.objects.bulk_create(
        Item(
            framework=copy,
            key=item.key,  # the same statement: its figures compare across versions
            behaviour=item.behaviour,
            pole=item.pole,
            position=item.position,
            rater_text=item.rater_text,
            self_text=item.self_text,
        )
        for item in items
    )
    questions = list(framework.questions.order_by("position"))
    question_copies = Question.objects.bulk_create(
        Question(
            framework=copy,
            position=question.position,
            rater_text=question.rater_text,
            self_text=question.self_text,
        )
        for question in questions
    )
    # The translations go with their texts (issue 18): the copy is as multilingual as
    # its original, and HR edits them in the copy as they edit the English.
    new_item = {old.pk: new for old, new in zip(items, copies, strict=True)}
    ItemTranslation.objects.bulk_create(
        ItemTranslation(
            item=new_item[t.item_id],
            language=t.language,
            rater_text=t.rater_text,
            self_text=t.self_text,
        )
        for t in ItemTranslation.objects.filter(item__framework=framework)
    )
    new_question = {old.pk: new for old, new in zip(questions, question_copies, strict=True)}
    QuestionTranslation.objects.bulk_create(
        QuestionTranslation(
            question=new_question[t.question_id],
            language=t.language,
            rater_text=t.rater_text,
            self_text=t.self_text,
        )
        for t in QuestionTranslation.objects.filter(question__framework=framework)
    )
    return copy


# --- cycles -------------------------------------------------------------------


def _cycle_settings_check(
    *, name: str, min_anonymous_raters: int, gap_threshold: Decimal, max_requests_per_rater: int
) -> None:
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [gettext("This field is required.")]
    elif problem := text_problem(
        name.strip(), max_length=Cycle._meta.get_field("name").max_length, required=True
    ):
        errors["name"] = [problem[0].upper() + problem[1:]]
    if min_anonymous_raters < 2:
        # One anonymous rater's "group mean" is their own rating: anonymity needs two at least.
        errors["min_anonymous_raters"] = [gettext("Must be at least 2.")]
    if gap_threshold <= 0:
        errors["gap_threshold"] = [gettext("Must be greater than 0.")]
    if max_requests_per_rater < 1:
        errors["max_requests_per_rater"] = [gettext("Must be at least 1.")]
    if errors:
        raise DomainError(gettext("The cycle settings are not valid."), errors=errors)


def cycle_create(
    *,
    name: str,
    closes_at: datetime.datetime,
    created_by=None,
    min_anonymous_raters: int = 3,
    gap_threshold: Decimal = Decimal("1.0"),
    max_requests_per_rater: int = 10,
    framework: Framework | None = None,
    shuffle_comments: bool = False,
    debrief_before_release: bool = False,
) -> Cycle:
    """A draft cycle. ``framework``: the questionnaire version it will open with (None: the
    highest version at the moment it opens)."""
    cycle_settings_validate(
        name=name,
        closes_at=closes_at,
        min_anonymous_raters=min_anonymous_raters,
        gap_threshold=gap_threshold,
        max_requests_per_rater=max_requests_per_rater,
    )
    if framework is not None:
        _framework_check(framework)
    return Cycle.objects.create(
        name=name.strip(),
        closes_at=closes_at,
        created_by=created_by,
        min_anonymous_raters=min_anonymous_raters,
        gap_threshold=gap_threshold,
        max_requests_per_rater=max_requests_per_rater,
        framework=framework,
        shuffle_comments=shuffle_comments,
        debrief_before_release=debrief_before_release,
    )


def _framework_check(framework: Framework) -> None:
    if not framework.items.exists():
        raise DomainError(
            gettext("Questionnaire version %(version)d has no statements to rate.")
            % {"version": framework.version},
            errors={"framework": [gettext("Choose a version with statements.")]},
        )


def cycle_settings_validate(
    *,
    name: str,
    closes_at: datetime.datetime,
    min_anonymous_raters: int,
    gap_threshold: Decimal,
    max_requests_per_rater: int,
    shuffle_comments: bool = False,
    debrief_before_release: bool = False,
) -> None:
    """The rules a draft cycle's settings follow (the admin's form asks before saving)."""
    _cycle_settings_check(
        name=name,
        min_anonymous_raters=min_anonymous_raters,
        gap_threshold=Decimal(gap_threshold),
        max_requests_per_rater=max_requests_per_rater,
    )
    _closing_date_check(closes_at, now=timezone.now())


# What HR may set on a draft. Once a cycle opens they are fixed: lowering k or the gap
# threshold after answers came in would publish groups and gaps that were hidden (and
# comparing two readings would reveal single raters); the closing date then moves only
# through cycle_reopen.
CYCLE_SETTINGS = (
    "name",
    "closes_at",
    "min_anonymous_raters",
    "gap_threshold",
    "max_requests_per_rater",
    "shuffle_comments",
    "debrief_before_release",
)


@transaction.atomic
def cycle_settings_update(
    *, cycle: Cycle, actor=None, framework: Framework | None = None, **settings
) -> Cycle:
    """Change a draft cycle's settings; refused (409) once the cycle has opened.
    ``framework``: choose the questionnaire version it opens with (None: unchanged)."""
    unknown = set(settings) - set(CYCLE_SETTINGS)
    if unknown:
        raise ValueError(f"not cycle settings: {sorted(unknown)}")
    locked = _cycle_locked(cycle)
    if locked.status != Cycle.Status.DRAFT:
        raise DomainError(
            gettext(
                "The settings of a cycle that is %(status)s are fixed; only a draft can change."
            )
            % {"status": CYCLE_STATUS_WORDS[locked.status]},
            code="conflict",
        )
    values = {name: getattr(locked, name) for name in CYCLE_SETTINGS} | settings
    cycle_settings_validate(**values)
    for name, value in settings.items():
        setattr(locked, name, value.strip() if name == "name" else value)
    fields = list(settings)
    if framework is not None:
        _framework_check(framework)
        locked.framework = framework
        fields.append("framework")
    locked.save(update_fields=fields)
    changed = {name: str(value) for name, value in settings.items()}
    if framework is not None:
        changed["framework"] = str(framework.version)
    audit_record(actor=actor, action="cycle.update", target=locked, detail=changed)
    return locked


@transaction.atomic
def cycle_delete(*, cycle: Cycle, actor=None) -> None:
    """Delete a draft cycle. Any other is history (requests, answers, results): refused."""
    locked = _cycle_locked(cycle)
    if locked.status != Cycle.Status.DRAFT:
        raise DomainError(
            gettext("Only a draft cycle can be deleted; this cycle is %(status)s.")
            % {"status": CYCLE_STATUS_WORDS[locked.status]},
            code="conflict",
        )
    audit_record(actor=actor, action="cycle.delete", target=locked, detail={"name": locked.name})
    locked.delete()


def _cycle_locked(cycle: Cycle) -> Cycle:
    # Transitions read-then-write the status: the row lock makes two HR clicks serialise.
    return Cycle.objects.select_for_update().get(pk=cycle.pk)


def _refuse_transition(cycle: Cycle, *, verb: str) -> DomainError:
    return DomainError(
        TRANSITION_REFUSALS[verb] % {"status": CYCLE_STATUS_WORDS[cycle.status]}, code="conflict"
    )


def _closing_date_check(closes_at: datetime.datetime, *, now: datetime.datetime) -> None:
    if closes_at <= now:
        raise DomainError(
            gettext("The closing date %(when)s has passed; choose a later one.")
            % {"when": _when(closes_at)},
            errors={"closes_at": [gettext("Must be in the future.")]},
        )


@transaction.atomic
def cycle_open(*, cycle: Cycle, actor=None) -> Cycle:
    """draft -> open, pinning the current questionnaire version."""
    locked = _cycle_locked(cycle)
    if locked.status != Cycle.Status.DRAFT:
        raise _refuse_transition(locked, verb="opened")
    now = timezone.now()
    _closing_date_check(locked.closes_at, now=now)
    # The version HR chose while setting the draft up, else the newest.
    framework = locked.framework or selectors.framework_current()
    if framework is None:
        raise DomainError(
            gettext("There is no questionnaire to open the cycle with."), code="conflict"
        )
    locked.status = Cycle.Status.OPEN
    locked.framework = framework
    locked.opened_at = now
    locked.save(update_fields=["status", "framework", "opened_at"])
    audit_record(actor=actor, action="cycle.open", target=locked)
    return locked


@transaction.atomic
def cycle_close(*, cycle: Cycle, actor=None) -> Cycle:
    """open -> closed: no more answers. (Results listen to ``cycle_closed``.)"""
    locked = _cycle_locked(cycle)
    if locked.status != Cycle.Status.OPEN:
        raise _refuse_transition(locked, verb="closed")
    locked.status = Cycle.Status.CLOSED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "closed_at"])
    signals.cycle_closed.send(sender=Cycle, cycle=locked)
    audit_record(actor=actor, action="cycle.close", target=locked)
    return locked


@transaction.atomic
def cycle_reopen(*, cycle: Cycle, closes_at: datetime.datetime | None = None, actor=None) -> Cycle:
    """closed -> open, only while nobody has read any of its results."""
    locked = _cycle_locked(cycle)
    if locked.status == Cycle.Status.RELEASED:
        raise DomainError(
            gettext("A released cycle is final: its results never change, so it cannot reopen."),
            code="conflict",
        )
    if locked.status != Cycle.Status.CLOSED:
        raise _refuse_transition(locked, verb="reopened")
    if locked.results_read_at is not None:
        # New answers would change figures someone has already seen: comparing the two
        # versions could reveal a single rater's answers.
        raise DomainError(
            gettext(
                "Results of this cycle were read on %(when)s; "
                "reopening would change figures people have already seen."
            )
            % {"when": _when(locked.results_read_at)},
            code="conflict",
        )
    if closes_at is not None:
        locked.closes_at = closes_at
    _closing_date_check(locked.closes_at, now=timezone.now())
    locked.status = Cycle.Status.OPEN
    locked.closed_at = None
    locked.save(update_fields=["status", "closes_at", "closed_at"])
    signals.cycle_reopened.send(sender=Cycle, cycle=locked)
    audit_record(
        actor=actor,
        action="cycle.reopen",
        target=locked,
        detail={"closes_at": str(locked.closes_at)},
    )
    return locked


@transaction.atomic
def cycle_release(*, cycle: Cycle, actor=None) -> Cycle:
    """closed -> released: results become visible to subjects and their managers. Final."""
    locked = _cycle_locked(cycle)
    if locked.status != Cycle.Status.CLOSED:
        raise _refuse_transition(locked, verb="released")
    locked.status = Cycle.Status.RELEASED
    locked.released_at = timezone.now()
    locked.save(update_fields=["status", "released_at"])
    signals.cycle_released.send(sender=Cycle, cycle=locked)
    audit_record(actor=actor, action="cycle.release", target=locked)
    return locked


# --- requests and raters ------------------------------------------------------


@dataclass
class RequestCreated:
    request: FeedbackRequest
    # People the org chart suggested but who were left out, each with the reason.
    warnings: list[str] = field(default_factory=list)


def _require_open(cycle: Cycle, *, doing: str) -> None:
    if cycle.status != Cycle.Status.OPEN:
        raise DomainError(
            gettext("The cycle is %(status)s: %(doing)s needs an open cycle.")
            % {"status": CYCLE_STATUS_WORDS[cycle.status], "doing": doing},
            code="conflict",
        )


def _proposed_raters(subject: Person) -> list[tuple[str, Person]]:
    """Self, boss, peers and direct reports, each only when active (``person_active_q``):
    a deactivated or erased person is never proposed (``cycle_requests_plan`` alike)."""
    proposals: list[tuple[str, Person]] = [(Relationship.SELF, subject)]
    active = Person.objects.filter(person_active_q())
    if subject.manager_id is not None:
        if person_is_active(subject.manager):
            proposals.append((Relationship.BOSS, subject.manager))
        peers = active.filter(manager_id=subject.manager_id).exclude(pk=subject.pk)
        proposals += [(Relationship.PEER, p) for p in peers.order_by("name", "id")]
    reports = active.filter(manager_id=subject.pk).order_by("name", "id")
    proposals += [(Relationship.DIRECT_REPORT, p) for p in reports]
    return proposals


def _cap_message(*, email: str, count: int, cycle: Cycle) -> str:
    return ngettext(
        "%(email)s already rates %(count)d request in this cycle, "
        "the most one person is asked (%(cap)d).",
        "%(email)s already rates %(count)d requests in this cycle, "
        "the most one person is asked (%(cap)d).",
        count,
    ) % {"email": email, "count": count, "cap": cycle.max_requests_per_rater}


def request_create(*, cycle: Cycle, subject: Person, requested_by) -> RequestCreated:
    """A feedback request with raters proposed from the org chart."""
    if not selectors.person_in_reach(user=requested_by, person_id=subject.pk):
        raise DomainError(
            gettext("Only HR or a manager above this person can request feedback about them."),
            code="forbidden",
        )
    with transaction.atomic():
        # Locking the cycle serialises request creation, so the per-rater cap holds under races.
        locked = _cycle_locked(cycle)
        _require_open(locked, doing=gettext("requesting feedback"))
        if FeedbackRequest.objects.filter(cycle=locked, subject=subject).exists():
            raise DomainError(
                gettext("There is already a feedback request for %(name)s in this cycle.")
                % {"name": subject.name},
                code="conflict",
            )
        request = FeedbackRequest.objects.create(
            cycle=locked, subject=subject, requested_by=requested_by
        )
        proposals = _proposed_raters(subject)
        counts = selectors.rater_request_counts(
            cycle=locked, emails=[p.email for _, p in proposals]
        )
        raters, warnings = [], []
        for relationship, person in proposals:
            count = counts.get(person.email, 0)
            if relationship != Relationship.SELF and count >= locked.max_requests_per_rater:
                warnings.append(
                    gettext("%(name)s was not proposed as %(relationship)s: %(reason)s")
                    % {
                        "name": person.name,
                        "relationship": RELATIONSHIP_WORDS[relationship],
                        "reason": _cap_message(email=person.email, count=count, cycle=locked),
                    }
                )
                continue
            raters.append(
                Rater(
                    request=request,
                    relationship=relationship,
                    person=person,
                    email=person.email.lower(),
                    name=person.name,
                )
            )
        Rater.objects.bulk_create(raters)
    return RequestCreated(request=request, warnings=warnings)


def rater_add(
    *, request: FeedbackRequest, email: str, relationship: str, name: str = "", actor=None
) -> Rater:
    """Add a rater to a request. ``actor`` nominated them (the requester when not given).

    Someone outside the directory (and outside ALLOWED_RATER_DOMAINS) waits for an
    approver's agreement before any link is sent, and the approvers are emailed
    (nomination approval, issue 11).
    """
    email = email_clean(email)
    name = text_clean(name, field="name", max_length=Rater._meta.get_field("name").max_length)
    if relationship not in Relationship.values:
        raise DomainError(
            gettext("Unknown relationship %(relationship)r.") % {"relationship": relationship},
            errors={
                "relationship": [
                    gettext("Choose one of %(values)s.")
                    % {"values": ", ".join(Relationship.values)}
                ]
            },
        )
    with transaction.atomic():
        cycle = _cycle_locked(request.cycle)
        _require_open(cycle, doing=gettext("adding raters"))
        subject = request.subject
        person = Person.objects.filter(email__iexact=email).first()
        if person is None and relationship != Relationship.OTHER:
            raise DomainError(
                gettext(
                    "%(email)s is not in the directory: people from outside can only be added "
                    "as 'other'."
                )
                % {"email": email},
                errors={
                    "relationship": [gettext("Must be 'other' for someone outside the directory.")]
                },
            )
        if person is not None and person.pk == subject.pk and relationship != Relationship.SELF:
            raise DomainError(
                gettext(
                    "%(name)s is the subject of this request: they cannot be their own "
                    "%(relationship)s."
                )
                % {"name": subject.name, "relationship": RELATIONSHIP_WORDS[relationship]},
                errors={"relationship": [gettext("The subject can only be the 'self' rater.")]},
            )
        if relationship == Relationship.SELF and (person is None or person.pk != subject.pk):
            raise DomainError(
                gettext("Only %(name)s can be the 'self' rater of their own request.")
                % {"name": subject.name},
                errors={"relationship": [gettext("Only the subject can be the 'self' rater.")]},
            )
        if request.raters.filter(email=email).exists():
            raise DomainError(
                gettext("%(email)s is already a rater on this request.") % {"email": email},
                errors={"email": [gettext("Already a rater on this request.")]},
                code="conflict",
            )
        if relationship != Relationship.SELF:
            count = selectors.rater_request_counts(cycle=cycle, emails=[email]).get(email, 0)
            if count >= cycle.max_requests_per_rater:
                raise DomainError(
                    _cap_message(email=email, count=count, cycle=cycle),
                    errors={"email": [gettext("Asked too often in this cycle.")]},
                    code="conflict",
                )
        display_name = (name or "").strip() or (person.name if person else "")
        nominator = actor if getattr(actor, "is_authenticated", False) else request.requested_by
        waiting = selectors.rater_needs_approval(email=email, person=person)
        try:
            with transaction.atomic():
                rater = Rater.objects.create(
                    request=request,
                    relationship=relationship,
                    person=person,
                    email=email,
                    name=display_name[:200],
                    nominated_by=nominator,
                    approval=Rater.Approval.WAITING if waiting else Rater.Approval.NOT_NEEDED,
                )
        except IntegrityError:  # a concurrent add of the same email won the race
            raise DomainError(
                gettext("%(email)s is already a rater on this request.") % {"email": email},
                errors={"email": [gettext("Already a rater on this request.")]},
                code="conflict",
            ) from None
        audit_record(
            actor=nominator,
            action="rater.nominate",
            target=rater,
            detail={
                "request": request.pk,
                "relationship": relationship,
                "approval": rater.approval,
            },
        )
        if waiting:
            _queue_approval_requests(request.pk)
        return rater


def rater_remove(*, rater: Rater) -> None:
    with transaction.atomic():
        locked = (
            Rater.objects.select_for_update(of=("self",))
            .select_related("request__cycle")
            .get(pk=rater.pk)
        )
        _require_open(locked.request.cycle, doing=gettext("removing raters"))
        if locked.status == Rater.Status.SUBMITTED:
            raise DomainError(
                gettext("%(email)s has already submitted their answers: they cannot be removed.")
                % {"email": locked.email},
                code="conflict",
            )
        locked.delete()


def _new_token() -> tuple[str, str]:
    # 32 random bytes: 256 bits, 43 URL-safe characters. Only the hash is kept.
    token = secrets.token_urlsafe(32)
    return token, selectors.token_hash(token=token)


def _supersede(rater_id: int, old_hash: str | None, *, now: datetime.datetime) -> None:
    """Remember a replaced link's hash, so that opening it says a newer link was sent."""
    if old_hash:
        SupersededToken.objects.get_or_create(
            token_hash=old_hash, defaults={"rater_id": rater_id, "superseded_at": now}
        )


def _issue_token(rater: Rater, *, now: datetime.datetime) -> str:
    _supersede(rater.pk, rater.token_hash, now=now)
    token, rater.token_hash = _new_token()
    rater.token_issued_at = now
    return token


def _queue_invitation(rater_id: int, token: str) -> None:
    # After commit: the worker must find the new hash, and a rollback must send nothing.
    transaction.on_commit(lambda: tasks.send_invitation.delay(rater_id, token))


@dataclass
class LaunchResult:
    request: FeedbackRequest
    invited: int


def request_launch(*, request: FeedbackRequest) -> LaunchResult:
    """Give every pending rater a survey link and email it. Launching again invites only
    raters added since; nobody is emailed twice. Nominations waiting for approval are
    left pending and not counted."""
    with transaction.atomic():
        locked = (
            FeedbackRequest.objects.select_for_update().select_related("cycle").get(pk=request.pk)
        )
        _require_open(locked.cycle, doing=gettext("launching"))
        if not locked.raters.exists():
            raise DomainError(gettext("This request has no raters to invite yet."), code="conflict")
        now = timezone.now()
        # A nomination that waits for approval (or was refused) gets no link: approving it
        # later sends one (rater_approve), refusing it never does.
        pending = list(
            locked.raters.filter(
                status=Rater.Status.PENDING,
                approval__in=(Rater.Approval.NOT_NEEDED, Rater.Approval.APPROVED),
            ).order_by("id")
        )
        issued = []
        for rater in pending:
            issued.append((rater.pk, _issue_token(rater, now=now)))
            rater.status = Rater.Status.INVITED
        Rater.objects.bulk_update(pending, ["token_hash", "token_issued_at", "status"])
        if locked.launched_at is None:
            locked.launched_at = now
            locked.save(update_fields=["launched_at"])
        for rater_id, token in issued:
            _queue_invitation(rater_id, token)
    return LaunchResult(request=locked, invited=len(issued))


# --- setting up a cycle from the pages (issue 14) -------------------------------


def _draft_locked(cycle: Cycle, *, doing: str) -> Cycle:
    locked = _cycle_locked(cycle)
    if locked.status != Cycle.Status.DRAFT:
        raise DomainError(
            gettext("%(name)s is %(status)s: %(doing)s is only for a cycle being set up.")
            % {"name": locked.name, "status": CYCLE_STATUS_WORDS[locked.status], "doing": doing},
            code="conflict",
        )
    return locked


@transaction.atomic
def cycle_participants_add(*, cycle: Cycle, people) -> int:
    """Add people (a queryset or ids) to a draft's participants; returns how many were new.
    Erased people are never added."""
    locked = _draft_locked(cycle, doing=gettext("choosing participants"))
    ids = set(
        Person.objects.filter(id__in=people, erased_at__isnull=True).values_list("id", flat=True)
    )
    new = ids - set(locked.participants.values_list("id", flat=True))
    locked.participants.add(*new)
    return len(new)


@transaction.atomic
def cycle_participants_remove(*, cycle: Cycle, people=None) -> int:
    """Remove people (ids or a queryset; None: everyone) from a draft's participants."""
    locked = _draft_locked(cycle, doing=gettext("choosing participants"))
    chosen = locked.participants.all()
    if people is not None:
        chosen = chosen.filter(id__in=people)
    ids = list(chosen.values_list("id", flat=True))
    locked.participants.remove(*ids)
    return len(ids)


@dataclass
class CycleRequestsCreated:
    requests: list[FeedbackRequest]
    raters: int
    # Sentences about proposals the rater cap left out, as on the review page.
    warnings: list[str] = field(default_factory=list)
    # Raters invited at creation (``launch=True``).
    invited: int = 0


def cycle_requests_create(
    *, cycle: Cycle, subjects: list[Person], requested_by, launch: bool = False
) -> CycleRequestsCreated:
    """A request for every subject at once, raters proposed from the org chart as
    ``request_create`` proposes them, all or nothing.

    A fixed number of queries whatever the number of subjects (the plan's three, one
    insert of the requests and one of the raters, in batches of a thousand rows): HR
    opening a cycle for the whole company must not wait for thousands of round trips. A
    subject who already has a request in the cycle refuses the whole batch (409), naming
    them.

    ``launch``: the requests are launched as they are made, as ``request_launch`` would
    launch them: every rater is written already invited with their link's hash (they are
    all in the directory, so none waits for approval), and one task queued after commit
    fans the invitations out, one email task per rater. Writing the raters invited in the
    insert, rather than updating them after, is what keeps a 500-person cycle quick
    (docs/decisions.md).
    """
    subject_ids = [s.pk for s in subjects]
    if not user_is_hr(requested_by):
        person = person_for_user(requested_by)
        in_line = (
            person_line(manager_id=person.pk).filter(id__in=subject_ids).count() if person else 0
        )
        if in_line != len(set(subject_ids)):
            raise DomainError(
                gettext("Only HR or a manager above these people can request feedback about them."),
                code="forbidden",
            )
    with transaction.atomic():
        # The cycle lock serialises request creation, so the per-rater cap holds (as in
        # request_create, which takes the same lock).
        locked = _cycle_locked(cycle)
        _require_open(locked, doing=gettext("requesting feedback"))
        existing = list(
            FeedbackRequest.objects.filter(cycle=locked, subject_id__in=subject_ids)
            .order_by("subject__name")
            .values_list("subject__name", flat=True)
        )
        if existing:
            raise DomainError(
                gettext("There is already a feedback request in this cycle for %(names)s.")
                % {"names": ", ".join(existing)},
                code="conflict",
            )
        plan = selectors.cycle_requests_plan(cycle=locked, subjects=subjects)
        now = timezone.now()
        # Batches of a thousand rows keep each insert under PostgreSQL's 65,535 parameters.
        requests = FeedbackRequest.objects.bulk_create(
            [
                FeedbackRequest(
                    cycle=locked,
                    subject=p.subject,
                    requested_by=requested_by,
                    launched_at=now if launch else None,
                )
                for p in plan.requests
            ],
            batch_size=1000,
        )
        raters, tokens = [], []
        for request, proposed in zip(requests, plan.requests, strict=True):
            for relationship, person in proposed.raters:
                rater = Rater(
                    request=request,
                    relationship=relationship,
                    person=person,
                    email=person.email.lower(),
                    name=person.name,
                )
                if launch:
                    tokens.append(_issue_token(rater, now=now))
                    rater.status = Rater.Status.INVITED
                raters.append(rater)
        Rater.objects.bulk_create(raters, batch_size=1000)
        audit_record(
            actor=requested_by,
            action="cycle.requests_create",
            target=locked,
            detail={"requests": len(requests), "raters": len(raters), "launched": launch},
        )
        if tokens:
            invitations = [(rater.pk, token) for rater, token in zip(raters, tokens, strict=True)]
            # One message to the broker, whatever the number of raters: the page that
            # opened the cycle answers at once.
            transaction.on_commit(lambda: tasks.send_invitations.delay(invitations))
    return CycleRequestsCreated(
        requests=requests,
        raters=len(raters),
        warnings=plan.cap_warnings,
        invited=len(tokens),
    )


@dataclass
class CycleOpened:
    cycle: Cycle
    requests: int
    invited: int


@transaction.atomic
def cycle_open_with_participants(*, cycle: Cycle, actor) -> CycleOpened:
    """HR's "Open cycle": open the draft, create a request for each participant with the
    raters the org chart proposes, and send every survey invitation, in one transaction.

    All or nothing: any refusal (a past closing date, no questionnaire, a request that
    exists) leaves the draft as it was and sends nothing. The emails go out after commit.
    """
    # Locked before reading the participants: a second tab changing them waits.
    locked = _cycle_locked(cycle)
    subjects = list(selectors.cycle_participants(cycle=locked))
    opened = cycle_open(cycle=locked, actor=actor)
    if not subjects:
        return CycleOpened(cycle=opened, requests=0, invited=0)
    created = cycle_requests_create(
        cycle=opened, subjects=subjects, requested_by=actor, launch=True
    )
    return CycleOpened(cycle=opened, requests=len(created.requests), invited=created.invited)


# --- nomination approval (issue 11) ---------------------------------------------


def _queue_approval_requests(request_id: int) -> None:
    # After commit: the worker must find the nomination, and a rollback must send nothing.
    transaction.on_commit(lambda: tasks.send_approval_requests.delay(request_id))


def _rater_decide(*, rater: Rater, actor, approve: bool) -> Rater:
    with transaction.atomic():
        # The request row first, as launching locks it: an approval and a launch of the
        # same request serialise, so exactly one of them issues the link.
        request = (
            FeedbackRequest.objects.select_for_update()
            .select_related("cycle", "subject")
            .get(pk=rater.request_id)
        )
        locked = Rater.objects.select_for_update().get(pk=rater.pk)
        if not selectors.approval_may_decide(user=actor, rater=locked, request=request):
            raise DomainError(
                gettext(
                    "Only HR or the subject can decide on this nomination, and never whoever "
                    "nominated the rater or made the request."
                ),
                code="forbidden",
            )
        if locked.approval != Rater.Approval.WAITING:
            if locked.approval == Rater.Approval.NOT_NEEDED:
                detail = gettext("%(email)s needs no approval.") % {"email": locked.email}
            else:
                detail = gettext("%(email)s was already %(decision)s on %(when)s.") % {
                    "email": locked.email,
                    "decision": APPROVAL_WORDS[locked.approval],
                    "when": _when(locked.approval_decided_at),
                }
            raise DomainError(detail, code="conflict")
        _require_open(request.cycle, doing=gettext("deciding on a nomination"))
        now = timezone.now()
        locked.approval = Rater.Approval.APPROVED if approve else Rater.Approval.REJECTED
        locked.approval_decided_by = actor
        locked.approval_decided_at = now
        fields = ["approval", "approval_decided_by", "approval_decided_at"]
        if approve and request.launched_at is not None and locked.status == Rater.Status.PENDING:
            # Already launched: the invitation goes out now, by the launch's own path.
            token = _issue_token(locked, now=now)
            locked.status = Rater.Status.INVITED
            fields += ["token_hash", "token_issued_at", "status"]
            _queue_invitation(locked.pk, token)
        locked.save(update_fields=fields)
        audit_record(
            actor=actor,
            action="rater.approve" if approve else "rater.reject",
            target=locked,
            detail={
                "request": request.pk,
                "nominated_by": locked.nominated_by.get_username() if locked.nominated_by else "",
            },
        )
    return locked


def rater_approve(*, rater: Rater, actor) -> Rater:
    """Agree to a waiting nomination: the rater is invited at launch, or now if launched."""
    return _rater_decide(rater=rater, actor=actor, approve=True)


def rater_reject(*, rater: Rater, actor) -> Rater:
    """Refuse a waiting nomination: the rater is never contacted and counts nowhere."""
    return _rater_decide(rater=rater, actor=actor, approve=False)


def approval_requests_send(*, request_id: int, send) -> int:
    """Email each approver the request's nominations that wait and were not announced yet:
    ``send(approver_email, is_hr, request, raters)`` once per approver. Returns how many
    nominations were announced.

    The waiting raters' rows stay locked while sending and are marked in the same
    transaction, so a second delivery of the task finds nothing left to announce. A send
    that fails part-way rolls the marks back: the retry may email an approver twice,
    never none.
    """
    with transaction.atomic():
        # Only the rater rows: deciding locks the request and then the rater, so taking the
        # request here too could deadlock against it.
        raters = list(
            Rater.objects.select_for_update()
            .filter(
                request_id=request_id,
                approval=Rater.Approval.WAITING,
                approval_notified_at__isnull=True,
            )
            .order_by("id")
        )
        if not raters:
            return 0
        request = FeedbackRequest.objects.select_related("cycle", "subject").get(pk=request_id)
        if request.cycle.status != Cycle.Status.OPEN:
            return 0
        by_approver: dict[tuple[str, bool], list[Rater]] = {}
        announced = []
        for rater in raters:
            approvers = selectors.approvers_of(request=request, rater=rater)
            # Nobody to ask yet (a lone HR user who nominated, a subject without a login):
            # left unmarked, so the next announcement for this request includes it.
            if approvers:
                announced.append(rater.pk)
            for approver in approvers:
                by_approver.setdefault(approver, []).append(rater)
        for (address, is_hr), theirs in by_approver.items():
            send(address, is_hr, request, theirs)
        Rater.objects.filter(pk__in=announced).update(approval_notified_at=timezone.now())
    return len(announced)


def _new_link(rater: Rater, *, doing: str) -> tuple[Rater, str]:
    """Replace an invited rater's token (the old link dies); call inside a transaction."""
    locked = (
        Rater.objects.select_for_update(of=("self",))
        .select_related("request__cycle")
        .get(pk=rater.pk)
    )
    _require_open(locked.request.cycle, doing=doing)
    if locked.status not in (Rater.Status.INVITED, Rater.Status.STARTED):
        raise DomainError(
            gettext("Only invited raters get a new link; this one is %(status)s.")
            % {"status": RATER_STATUS_WORDS[locked.status]},
            code="conflict",
        )
    token = _issue_token(locked, now=timezone.now())
    locked.save(update_fields=["token_hash", "token_issued_at"])
    return locked, token


def rater_resend(*, rater: Rater, now: datetime.datetime | None = None) -> Rater:
    """A fresh link by email; the previous link stops working at once.

    After a failed email this is the Retry and goes at once: nothing reached the rater.
    Otherwise it is a reminder by another name, so it follows the reminders' rule (at most
    one email a day, one conditional UPDATE) and is refused until the next one is possible.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Rater.objects.select_for_update(of=("self",))
            .select_related("request__cycle")
            .get(pk=rater.pk)
        )
        _require_open(locked.request.cycle, doing=gettext("resending a link"))
        if locked.status not in (Rater.Status.INVITED, Rater.Status.STARTED):
            raise DomainError(
                gettext("Only invited raters get a new link; this one is %(status)s.")
                % {"status": RATER_STATUS_WORDS[locked.status]},
                code="conflict",
            )
        if locked.delivery == "failed":
            token = _issue_token(locked, now=now)
            locked.save(update_fields=["token_hash", "token_issued_at"])
        else:
            token = _reminder_claim(locked.pk, now=now, sent=False)
            if token is None:
                raise DomainError(_reminder_refusal(locked), code="conflict")
            locked.refresh_from_db()
        _queue_invitation(locked.pk, token)
    return locked


def rater_link_issue(*, rater: Rater) -> str:
    """A fresh link returned to the caller instead of emailed (seed_demo prints one).

    The previous link stops working, as on resend: only the newest token's hash is kept.
    The link reached whoever asked for it, so it counts as delivered: the requester's and
    HR's pages do not show an email "still on its way" that was never going to be sent.
    """
    with transaction.atomic():
        locked, token = _new_link(rater, doing=gettext("issuing a link"))
        Rater.objects.filter(pk=locked.pk).update(
            invitation_sent_hash=locked.token_hash, delivery_failed_at=None, delivery_error=""
        )
    return token


def rater_link_issue_for_person(*, rater_id: int, person: Person, actor) -> str:
    """A fresh survey link for a signed-in person's own survey ("Surveys to answer"),
    returned for a redirect rather than emailed: no hunting for the email.

    Only a rater row that is theirs (``selectors.raters_of_person``), not yet answered,
    in a cycle that takes answers. The previous link stops working, as with a reminder;
    the draft is kept (answers belong to the rater, not the link). The new link reached
    its owner, so it counts as delivered: no "sending" or "failed" is left on the
    requester's page. Audited (who, which rater row, never the link).
    """
    now = timezone.now()
    with transaction.atomic():
        locked = (
            selectors.raters_of_person(person=person)
            .select_for_update()
            .select_related("request__cycle")
            .filter(pk=rater_id)
            .first()
        )
        if locked is None:
            raise DomainError(gettext("No such survey of yours."), code="not_found")
        if locked.status not in (Rater.Status.INVITED, Rater.Status.STARTED):
            raise DomainError(
                gettext("This survey is %(status)s: there is nothing left to answer.")
                % {"status": RATER_STATUS_WORDS[locked.status]},
                code="conflict",
            )
        if not selectors.cycle_accepts_answers(cycle=locked.request.cycle, now=now):
            raise DomainError(
                gettext("This survey is closed: answers are no longer accepted."), code="conflict"
            )
        token = _issue_token(locked, now=now)
        locked.invitation_sent_hash = locked.token_hash
        locked.delivery_failed_at, locked.delivery_error = None, ""
        locked.save(
            update_fields=[
                "token_hash",
                "token_issued_at",
                "invitation_sent_hash",
                "delivery_failed_at",
                "delivery_error",
            ]
        )
        audit_record(
            actor=actor,
            action="survey.link_issued",
            target=locked,
            detail={"via": "surveys to answer"},
        )
    return token


def invitation_mark_sent(*, rater_id: int, token: str, send, reminder: bool = False) -> bool:
    """Call ``send(rater)`` once per token: not for a replaced token, not twice for the same one.

    A delivered link clears any earlier failure. ``reminder``: the email is a reminder
    whose claim already recorded the time (``last_reminded_at``), so ``invited_at`` stays.

    The row lock is held while sending, so two deliveries of the same task (acks_late
    redelivery, a retry racing a slow first attempt) cannot both send.
    """
    digest = selectors.token_hash(token=token)
    with transaction.atomic():
        rater = (
            Rater.objects.select_for_update()
            .select_related("request__cycle", "request__subject")
            .filter(pk=rater_id)
            .first()
        )
        if rater is None or rater.token_hash != digest:
            return False  # removed, or the token was replaced since the task was queued
        if rater.invitation_sent_hash == digest:
            return False  # this very link already went out
        if rater.status not in (Rater.Status.INVITED, Rater.Status.STARTED):
            return False
        send(rater)
        # If the send raised, nothing below runs and the retry will try again.
        rater.invitation_sent_hash = digest
        rater.delivery_failed_at, rater.delivery_error = None, ""
        fields = ["invitation_sent_hash", "delivery_failed_at", "delivery_error"]
        if not reminder:
            rater.invited_at = timezone.now()
            fields.append("invited_at")
        rater.save(update_fields=fields)
    return True


def delivery_mark_failed(*, rater_id: int, token: str | None, error: str) -> bool:
    """Record on the rater that an email finally failed, so the requester and HR see
    "failed" with a Retry instead of "invited"; the email tasks' ``on_failure`` calls it.

    With ``token``, only while that link is still the rater's current one and never went
    out: the failure of a link replaced since says nothing about the new one. Without (a
    beat reminder, whose claim and new link rolled back), while the rater owes an answer.
    One conditional UPDATE, so it cannot overwrite a delivery that won the race.
    """
    raters = Rater.objects.filter(
        pk=rater_id, status__in=(Rater.Status.INVITED, Rater.Status.STARTED)
    )
    if token is not None:
        digest = selectors.token_hash(token=token)
        raters = raters.filter(token_hash=digest).exclude(invitation_sent_hash=digest)
    return bool(raters.update(delivery_failed_at=timezone.now(), delivery_error=error[:200]))


# --- reminders ----------------------------------------------------------------


def reminders_queue(*, now: datetime.datetime) -> int:
    """Queue one reminder task per rater due one now; beat calls this hourly."""
    due = selectors.raters_due_reminder(now=now, days=settings.REMINDER_DAYS_BEFORE_CLOSE)
    rater_ids = list(due.order_by("id").values_list("id", flat=True))
    for rater_id in rater_ids:
        tasks.send_reminder.delay(rater_id)
    return len(rater_ids)


def reminder_send(*, rater_id: int, now: datetime.datetime, send) -> bool:
    """Call ``send(rater, token)`` with a fresh link if the rater is still due a reminder.

    Only the token's hash is stored, so the reminder carries a new token and the old link
    dies, as on resend (docs/decisions.md). The claim is one conditional UPDATE: of two beat
    runs or two deliveries of this task, the second finds ``last_reminded_at`` fresh and
    updates nothing. The claim stays uncommitted while sending, so a failed send rolls back
    both the claim and the new token, and the retry starts over with the old link alive.
    """
    days = settings.REMINDER_DAYS_BEFORE_CLOSE
    with transaction.atomic():
        rater = (
            selectors.raters_due_reminder(now=now, days=days)
            .select_related("request__cycle", "request__subject")
            .filter(pk=rater_id)
            .first()
        )
        if rater is None:
            return False
        token = _reminder_claim(rater_id, now=now, sent=True)
        if token is None:
            return False
        rater.token_hash = rater.invitation_sent_hash = selectors.token_hash(token=token)
        rater.token_issued_at = rater.last_reminded_at = now
        send(rater, token)
    return True


def _reminder_claim(rater_id: int, *, now: datetime.datetime, sent: bool) -> str | None:
    """Claim this rater's one reminder of the day with a fresh link; None if their last
    email is less than a day old (``selectors.reminder_claimable``).

    The one claim behind every reminder: beat's, the Remind buttons' and a resent link's.
    It is one conditional UPDATE, so of two concurrent claims (two presses, a press and
    beat) the second finds ``last_reminded_at`` fresh and updates nothing. Only the
    rater's own columns in the WHERE: PostgreSQL re-checks them on the row a concurrent
    claim just committed, which a join could not guarantee. ``sent``: the caller sends
    inside this transaction (beat), so the link counts as sent; otherwise the email task
    marks it once the email is out.
    """
    token, digest = _new_token()
    fields = {"token_hash": digest, "token_issued_at": now, "last_reminded_at": now}
    if sent:
        fields["invitation_sent_hash"] = digest
    # The row lock first, to know which link this claim replaces: a concurrent claim waits
    # here, then finds last_reminded_at fresh in the UPDATE below and claims nothing.
    old_hash = (
        Rater.objects.select_for_update().filter(pk=rater_id).values_list("token_hash", flat=True)
    ).first()
    claimed = Rater.objects.filter(selectors.reminder_claimable(now=now), pk=rater_id).update(
        **fields
    )
    if not claimed:
        return None
    _supersede(rater_id, old_hash, now=now)
    return token


def _reminder_refusal(rater: Rater) -> str:
    next_at = selectors.reminder_next_at(rater=rater)
    if next_at is None:
        return gettext(
            "The link to %(email)s is still being sent: if it cannot be delivered it "
            "will show as failed, with a Retry."
        ) % {"email": rater.email}
    return gettext(
        "%(email)s had an email less than a day ago and gets at most one a day: the "
        "next reminder is possible on %(when)s."
    ) % {"email": rater.email, "when": _when(next_at)}


def rater_remind(*, rater: Rater, now: datetime.datetime) -> bool:
    """A reminder a person asked for (a Remind button): beat's one-a-day claim, the email
    sent by a task after commit. False if this rater was emailed less than a day ago."""
    with transaction.atomic():
        token = _reminder_claim(rater.pk, now=now, sent=False)
        if token is None:
            return False
        rater_id = rater.pk
        transaction.on_commit(lambda: tasks.send_reminder_link.delay(rater_id, token))
    return True


# --- surveys ------------------------------------------------------------------


@dataclass
class SurveyReceipt:
    """What a survey write answers: the state, not the whole survey (GET has that).

    ``unanswered`` lists the statements that still need a rating or "can't say" before
    the survey can be submitted; it is empty once no more answers are accepted.
    """

    rater: Rater
    status: str
    accepts_answers: bool
    answered: int
    unanswered: list[int]


def _rating_value(value) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int):  # the page parses its strings with int_strict first
        raise ValueError
    return int_strict(value, minimum=1, maximum=5)


def _clean_answers(
    rater: Rater, ratings: dict | None, comments: dict | None
) -> tuple[dict[int, int | None], dict[int, str]]:
    """Validate everything first and report every bad field at once."""
    items, questions = selectors.survey_rows(rater=rater)
    item_ids = {row[0] for row in items}
    question_ids = {row[0] for row in questions}
    errors: dict[str, list[str]] = {}
    clean_ratings: dict[int, int | None] = {}
    clean_comments: dict[int, str] = {}
    if ratings is not None and not isinstance(ratings, dict):
        errors["ratings"] = ["Must be an object of item id to rating."]
        ratings = {}
    if comments is not None and not isinstance(comments, dict):
        errors["comments"] = ["Must be an object of question id to text."]
        comments = {}
    for key, value in (ratings or {}).items():
        try:
            item_id = int(key)
        except (TypeError, ValueError):
            item_id = None
        if item_id not in item_ids:
            errors[f"ratings.{key}"] = [gettext("Unknown item: not a statement of this survey.")]
            continue
        try:
            clean_ratings[item_id] = _rating_value(value)
        except ValueError:
            errors[f"ratings.{key}"] = [
                gettext(
                    'Must be a whole number from 1 (never) to 5 (always), or null for "can\'t say".'
                )
            ]
    for key, value in (comments or {}).items():
        try:
            question_id = int(key)
        except (TypeError, ValueError):
            question_id = None
        if question_id not in question_ids:
            errors[f"comments.{key}"] = [
                gettext("Unknown question: not a question of this survey.")
            ]
            continue
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[f"comments.{key}"] = [gettext("Must be text.")]
            continue
        value = value.strip()
        if len(value) > COMMENT_MAX_LENGTH:
            errors[f"comments.{key}"] = [
                gettext("At most %(limit)d characters; this answer has %(length)d.")
                % {"limit": COMMENT_MAX_LENGTH, "length": len(value)}
            ]
            continue
        problem = text_problem(value, multiline=True)
        if problem:
            errors[f"comments.{key}"] = [problem[0].upper() + problem[1:]]
            continue
        clean_comments[question_id] = value
    if errors:
        raise DomainError(gettext("Some answers are not valid."), errors=errors)
    return clean_ratings, clean_comments


def _rater_locked_for_answers(token: str) -> Rater:
    """The token's rater, row-locked, refusing anything but an open survey."""
    # The lock is what makes concurrent submits of one token leave a single submission.
    rater = selectors.rater_for_token(token=token, lock=True)
    if rater.status == Rater.Status.SUBMITTED:
        raise DomainError(
            gettext("You already submitted this survey on %(when)s; answers can no longer change.")
            % {"when": _when(rater.submitted_at)},
            code="conflict",
        )
    if rater.status == Rater.Status.DECLINED:
        raise DomainError(gettext("You declined this survey."), code="conflict")
    cycle = rater.request.cycle
    now = timezone.now()
    if not selectors.cycle_accepts_answers(cycle=cycle, now=now):
        closed = cycle.closed_at or cycle.closes_at
        raise DomainError(
            gettext(
                "This cycle closed on %(when)s: answers are no longer accepted. "
                "Your saved draft is kept but cannot be submitted."
            )
            % {"when": _when(closed)},
            code="conflict",
        )
    return rater


def _upsert_answers(model, key: str, value: str, rater_id: int, answers: dict) -> None:
    """One ``INSERT ... ON CONFLICT DO UPDATE`` for any number of one rater's answers.

    Plain SQL (the same on PostgreSQL and SQLite) rather than ``bulk_create``: building
    and preparing a model instance per answer was the largest Python cost of a survey
    save (BENCHMARKS.md, issue 3; measured again for issue 13, ``bulk_create(update_conflicts=
    True)`` still cost a save more than 10 %). The unique constraint on (rater, item or
    question) is the conflict target; the values are already validated by ``_clean_answers``.
    """
    quote = connection.ops.quote_name
    table, target, value = quote(model._meta.db_table), quote(key), quote(value)
    rows = ", ".join(["(%s, %s, %s)"] * len(answers))
    params = [part for pk, answer in answers.items() for part in (rater_id, pk, answer)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({quote('rater_id')}, {target}, {value}) VALUES {rows}"  # noqa: S608 - the model's own names and placeholders; values are parameters
            f" ON CONFLICT ({quote('rater_id')}, {target}) DO UPDATE SET {value} = excluded.{value}",
            params,
        )


def _store_answers(rater: Rater, ratings: dict[int, int | None], comments: dict[int, str]) -> None:
    # At most three statements, whatever the number of answers: two upserts and one delete.
    if ratings:
        _upsert_answers(Rating, "item_id", "value", rater.pk, ratings)
    written = {q: text for q, text in comments.items() if text}
    if written:
        _upsert_answers(Comment, "question_id", "text", rater.pk, written)
    cleared = [q for q, text in comments.items() if not text]
    if cleared:
        Comment.objects.filter(rater=rater, question_id__in=cleared).delete()


def survey_mark_opened(*, rater: Rater, now: datetime.datetime) -> None:
    """Record when a rater first saw their survey (time to answer, issue 16). One
    statement the first time, none after: the rater row is already loaded."""
    if rater.first_opened_at is not None or rater.status not in (
        Rater.Status.INVITED,
        Rater.Status.STARTED,
    ):
        return
    Rater.objects.filter(pk=rater.pk, first_opened_at__isnull=True).update(first_opened_at=now)
    rater.first_opened_at = now


def survey_save_draft(
    *, token: str, ratings: dict | None = None, comments: dict | None = None
) -> SurveyReceipt:
    """Save answers so far (merged into the draft). An empty comment removes it."""
    with transaction.atomic():
        rater = _rater_locked_for_answers(token)
        clean_ratings, clean_comments = _clean_answers(rater, ratings, comments)
        _store_answers(rater, clean_ratings, clean_comments)
        fields = []
        if rater.status != Rater.Status.STARTED:
            rater.status = Rater.Status.STARTED
            fields.append("status")
        if rater.first_opened_at is None:
            # A client that saves without reading the survey first.
            rater.first_opened_at = timezone.now()
            fields.append("first_opened_at")
        if fields:
            rater.save(update_fields=fields)
        items, _ = selectors.survey_rows(rater=rater)
        if len(clean_ratings) == len(items):  # every statement was in this save
            answered = set(clean_ratings)
        else:
            answered = set(rater.ratings.values_list("item_id", flat=True))
    return _receipt(rater, answered=answered, accepts_answers=True)


def _submitted_if_complete(rater: Rater, item_ids: list[int], now: datetime.datetime) -> bool:
    """Mark the rater submitted, in one statement, only if every statement has an answer.

    The check and the change are one round trip to the database instead of a read of the
    answers and a save (BENCHMARKS.md, issue 3); the rater row is already locked.
    (The same through the ORM, an ``Exact(Subquery(...))`` filter, cost about 3 ms more CPU
    per submission to compile.)
    """
    quote = connection.ops.quote_name
    items = ", ".join(["%s"] * len(item_ids)) or "NULL"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(Rater._meta.db_table)} SET status = %s, submitted_at = %s"  # noqa: S608 - table names from the models, values are parameters
            f" WHERE id = %s AND (SELECT COUNT(*) FROM {quote(Rating._meta.db_table)}"
            f" WHERE rater_id = %s AND item_id IN ({items})) = %s",
            [
                Rater.Status.SUBMITTED,
                connection.ops.adapt_datetimefield_value(now),
                rater.pk,
                rater.pk,
                *item_ids,
                len(item_ids),
            ],
        )
        return cursor.rowcount == 1


def survey_submit(*, token: str) -> SurveyReceipt:
    """Finalise the saved answers: every statement needs a rating or "can't say"."""
    with transaction.atomic():
        rater = _rater_locked_for_answers(token)
        items, _ = selectors.survey_rows(rater=rater)
        item_ids = [row[0] for row in items]
        now = timezone.now()
        if not _submitted_if_complete(rater, item_ids, now):
            answered = set(rater.ratings.values_list("item_id", flat=True))
            missing = [(row[0], row[3]) for row in items if row[0] not in answered]
            numbers = ", ".join(str(position) for _, position in missing)
            raise SurveyIncomplete(
                ngettext(
                    '%(count)d statement is unanswered (number %(numbers)s): choose a rating or "Can\'t say" for each.',
                    '%(count)d statements are unanswered (number %(numbers)s): choose a rating or "Can\'t say" for each.',
                    len(missing),
                )
                % {"count": len(missing), "numbers": numbers},
                unanswered=[item_id for item_id, _ in missing],
            )
        rater.status, rater.submitted_at = Rater.Status.SUBMITTED, now
        # Inside the transaction: whatever results record about it commits with the answer.
        signals.answers_submitted.send(
            sender=Rater, rater=rater, request_id=rater.request_id, submitted_at=now
        )
    return _receipt(rater, answered=set(item_ids), accepts_answers=False)


def _receipt(rater: Rater, *, answered: set[int], accepts_answers: bool) -> SurveyReceipt:
    items, _ = selectors.survey_rows(rater=rater)
    return SurveyReceipt(
        rater=rater,
        status=rater.status,
        accepts_answers=accepts_answers,
        answered=sum(1 for row in items if row[0] in answered),
        unanswered=[row[0] for row in items if row[0] not in answered] if accepts_answers else [],
    )


def survey_decline(*, token: str, reason: str = "") -> SurveyReceipt:
    reason = (reason or "").strip()
    if len(reason) > DECLINE_REASON_MAX_LENGTH:
        raise DomainError(
            gettext("The reason is too long."),
            errors={
                "reason": [
                    gettext("At most %(limit)d characters.") % {"limit": DECLINE_REASON_MAX_LENGTH}
                ]
            },
        )
    reason = text_clean(reason, field="reason", multiline=True)
    with transaction.atomic():
        rater = _rater_locked_for_answers(token)
        # A declined survey keeps no answers: nothing half-given can end up in a report.
        rater.ratings.all().delete()
        rater.comments.all().delete()
        rater.status = Rater.Status.DECLINED
        rater.declined_at = timezone.now()
        rater.decline_reason = reason
        rater.save(update_fields=["status", "declined_at", "decline_reason"])
    return _receipt(rater, answered=set(), accepts_answers=False)


# --- deactivated people (issue 17) -----------------------------------------

# Invitations still waiting for an answer: not yet sent, sent, or with a draft saved.
WITHDRAWABLE = (Rater.Status.PENDING, Rater.Status.INVITED, Rater.Status.STARTED)


def rater_invitations_withdraw(*, person: Person) -> int:
    """Withdraw a deactivated person's unanswered invitations in cycles still collecting
    answers (draft or open); returns how many.

    A withdrawn rater keeps their row (status ``withdrawn``): their link's hash moves to
    the replaced links, so the survey no longer opens and the old link answers "this
    invitation was withdrawn" (410). Submitted and declined raters, and every rater of a
    closed or released cycle, stay as they are: past feedback and its counts never change.
    Launching, reminders and resends pass withdrawn raters by (they only take pending,
    invited or started ones), and nothing brings them back on reactivation.
    """
    now = timezone.now()
    with transaction.atomic():
        raters = list(
            Rater.objects.select_for_update(of=("self",))
            .filter(person=person, status__in=WITHDRAWABLE)
            .filter(request__cycle__status__in=(Cycle.Status.DRAFT, Cycle.Status.OPEN))
            .only("id", "token_hash")
        )
        if not raters:
            return 0
        SupersededToken.objects.bulk_create(
            [
                SupersededToken(token_hash=r.token_hash, rater_id=r.pk, superseded_at=now)
                for r in raters
                if r.token_hash
            ],
            ignore_conflicts=True,
        )
        Rater.objects.filter(pk__in=[r.pk for r in raters]).update(
            status=Rater.Status.WITHDRAWN, token_hash=None
        )
        audit_record(
            actor=None,
            action="raters.withdraw",
            target=person,
            detail={"raters": [r.pk for r in raters]},
        )
    return len(raters)
