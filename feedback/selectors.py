"""Reads about the questionnaire, cycles, requests and surveys."""

from __future__ import annotations

import datetime
import functools
import hashlib
import hmac
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext_lazy

from accounts.models import HR_GROUP_NAME, Person
from accounts.selectors import (
    person_active_q,
    person_for_user,
    person_has_reports,
    person_line,
    user_is_hr,
)
from core.errors import DomainError
from feedback.models import (
    QUESTIONNAIRE_LANGUAGES,
    RELATIONSHIP_AS,
    Cycle,
    FeedbackRequest,
    Framework,
    Item,
    ItemTranslation,
    Question,
    QuestionTranslation,
    Rater,
    SupersededToken,
)
from feedback.vocabulary import ANONYMOUS, GROUP_WORDS, RELATIONSHIPS, Relationship

# Longer than any token we issue; anything beyond is not worth hashing.
TOKEN_MAX_LENGTH = 128
_TOKEN_HASH_INDEX = [f.attname for f in Rater._meta.concrete_fields].index("token_hash")


def framework_current() -> Framework | None:
    """The questionnaire a cycle gets when it opens: the highest version."""
    return Framework.objects.order_by("-version").first()


def framework_is_used(*, framework: Framework) -> bool:
    # A draft that names a version has no answers yet: the version may still be edited.
    return Cycle.objects.filter(framework=framework).exclude(status=Cycle.Status.DRAFT).exists()


def cycle_accepts_answers(*, cycle: Cycle, now) -> bool:
    # Past its closing date a cycle takes no answers, even before HR closes it.
    return cycle.status == Cycle.Status.OPEN and cycle.closes_at > now


ONE_DAY = datetime.timedelta(days=1)


def raters_due_reminder(*, now: datetime.datetime, days: list[int]) -> QuerySet[Rater]:
    """Raters who owe an answer and whose cycle closes in one of ``days`` days from ``now``.

    "d days before closing" is the window (d-1, d] days before ``closes_at``. Requiring the
    last email (invitation or reminder) to be a day old gives at most one email a day, and
    so at most one reminder per window, however often beat runs.
    """
    windows = Q()
    for day in sorted(set(days)):
        windows |= Q(
            request__cycle__closes_at__gt=now + (day - 1) * ONE_DAY,
            request__cycle__closes_at__lte=now + day * ONE_DAY,
        )
    if not windows:
        return Rater.objects.none()
    return Rater.objects.filter(
        windows,
        reminder_claimable(now=now),
        request__cycle__status=Cycle.Status.OPEN,
    )


def reminder_claimable(*, now: datetime.datetime) -> Q:
    """The rater-row half of being due, safe to re-check inside a conditional UPDATE.

    The one rule for every reminder, whoever asks (beat, the Remind buttons, a resent link):
    the last email, invitation or reminder, is at least a day old. A rater whose last email
    failed is left to a person's Retry: reminding would only fail again.
    """
    a_day_ago = now - ONE_DAY
    return Q(
        Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lte=a_day_ago),
        ~Rater.delivery_failed_condition(),
        status__in=(Rater.Status.INVITED, Rater.Status.STARTED),
        invited_at__lte=a_day_ago,
    )


def reminder_next_at(*, rater: Rater) -> datetime.datetime | None:
    """When ``reminder_claimable`` next holds for this rater; None before any email arrived."""
    if rater.invited_at is None:
        return None
    return max(rater.invited_at, rater.last_reminded_at or rater.invited_at) + ONE_DAY


def raters_to_remind(*, request_ids: list[int], presser) -> QuerySet[Rater]:
    """The raters a Remind press is about: those who owe an answer and whose last email
    arrived, less the presser's own row (a manager who is also the boss rater knows)."""
    raters = Rater.objects.filter(
        ~Rater.delivery_failed_condition(),
        request_id__in=request_ids,
        status__in=(Rater.Status.INVITED, Rater.Status.STARTED),
    )
    person = person_for_user(presser)
    if person is not None:
        raters = raters.exclude(person=person)
    if presser.email:
        raters = raters.exclude(email=presser.email.strip().lower())
    return raters


def _reminder_outlook_by(raters: QuerySet[Rater], *, key: str, now: datetime.datetime) -> dict:
    """``key`` value -> what a Remind press would do now for those raters, in one query:
    ``due`` (raters it would remind), ``last_reminded_at`` (the latest reminder of the last
    day, or None) and ``next_at`` (when the earliest of the others may be reminded, or None)."""
    claimable = reminder_claimable(now=now)
    rows = (
        raters.values(key)
        .annotate(
            due=Count("id", filter=claimable),
            latest_reminder=Max("last_reminded_at", filter=Q(last_reminded_at__gt=now - ONE_DAY)),
            # Each rater's last email; NULL (never arrived) drops out of the Min.
            last_email=Min(
                Greatest("invited_at", Coalesce("last_reminded_at", "invited_at")),
                filter=~claimable,
            ),
        )
        .order_by()
    )
    return {
        row[key]: {
            "due": row["due"],
            "last_reminded_at": row["latest_reminder"],
            "next_at": row["last_email"] + ONE_DAY if row["last_email"] else None,
        }
        for row in rows
    }


def reminder_outlook(*, request_ids: list[int], presser, now: datetime.datetime) -> dict[int, dict]:
    """request id -> what a Remind press by ``presser`` would do now (``_reminder_outlook_by``)."""
    raters = raters_to_remind(request_ids=request_ids, presser=presser)
    return _reminder_outlook_by(raters, key="request_id", now=now)


def raters_delivery_failed(*, request_ids: list[int] | None = None) -> QuerySet[Rater]:
    """Raters waiting to answer whose last email never arrived, newest failure first: on
    the given requests, or (HR's page) in every open cycle."""
    raters = Rater.objects.filter(Rater.delivery_failed_condition())
    if request_ids is None:
        raters = raters.filter(request__cycle__status=Cycle.Status.OPEN)
    else:
        raters = raters.filter(request_id__in=request_ids)
    return raters.select_related("request__subject", "request__cycle").order_by(
        "-delivery_failed_at", "id"
    )


def token_hash(*, token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# The token lookup runs on every survey request, so its SQL is written once per process
# instead of compiled by the ORM each time (0.85 -> 0.31 ms of CPU per lookup, BENCHMARKS.md).
# The columns come from the models and values go through the ORM's own converters, so a
# field added to a model is read here too, on PostgreSQL and SQLite alike. Measured again
# for issue 13: the same lookup through ``select_related`` cost the survey's save and submit
# more than 10 % of their throughput (BENCHMARKS.md), so it stays.
def _joined(subject: bool) -> list[tuple[type, str]]:
    tables = [(Rater, "r"), (FeedbackRequest, "q"), (Cycle, "c")]
    return [*tables, (Person, "p")] if subject else tables


@functools.cache
def _token_lookup_sql(*, lock: bool, subject: bool) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(
        f"{alias}.{quote(field.column)}"
        for model, alias in _joined(subject)
        for field in model._meta.concrete_fields
    )
    table = {model: quote(model._meta.db_table) for model, _alias in _joined(subject)}
    sql = (
        f"SELECT {columns} FROM {table[Rater]} r"  # noqa: S608 - the models' own names, composed once; the token is a parameter
        f" JOIN {table[FeedbackRequest]} q ON q.id = r.request_id"
        f" JOIN {table[Cycle]} c ON c.id = q.cycle_id"
    )
    if subject:
        sql += f" JOIN {table[Person]} p ON p.id = q.subject_id"
    sql += " WHERE r.token_hash = %s"
    if lock and connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF r"  # only the rater; SQLite locks the whole file on write
    return sql


@functools.cache
def _readers(model: type) -> tuple[list[str], list[tuple]]:
    """Attribute names and, per field, its column and the converters the ORM would apply."""
    names, readers = [], []
    for field in model._meta.concrete_fields:
        column = field.get_col(model._meta.db_table)
        converters = (
            *connection.ops.get_db_converters(column),
            *field.get_db_converters(connection),
        )
        names.append(field.attname)
        readers.append((column, converters))
    return names, readers


def _from_row(model: type, row: tuple):
    names, readers = _readers(model)
    values = []
    for value, (column, converters) in zip(row, readers, strict=True):
        for converter in converters:
            value = converter(value, column, connection)
        values.append(value)
    return model.from_db(connection.alias, names, values)


def rater_for_token(*, token: str, lock: bool = False) -> Rater:
    """The rater a survey link belongs to, with its request and cycle (and, unless locking,
    the subject); an unknown or replaced token is not found.

    ``lock`` row-locks the rater (only the rater: inside a transaction) in the same query,
    for the services that write answers; they need the cycle (is it open? which
    questionnaire?), not the subject: every table joined is one more that a fresh database
    connection must load before it can plan the query.
    """
    not_found = DomainError(
        gettext(
            "This survey link is not valid. It may have been replaced by a newer one: "
            "use the link in the most recent email."
        ),
        code="not_found",
    )
    if not token or len(token) > TOKEN_MAX_LENGTH:
        raise not_found
    digest = token_hash(token=token)
    with connection.cursor() as cursor:
        cursor.execute(_token_lookup_sql(lock=lock, subject=not lock), [digest])
        row = cursor.fetchone()  # token_hash is unique: one row at most
    # The lookup is by an index; the constant-time comparison keeps the final check timing-blind.
    if row is None or not hmac.compare_digest(row[_TOKEN_HASH_INDEX] or "", digest):
        raise not_found
    parts, start = [], 0
    for model, _alias in _joined(not lock):
        width = len(model._meta.concrete_fields)
        parts.append(_from_row(model, row[start : start + width]))
        start += width
    rater, request, cycle = parts[:3]
    request.cycle = cycle
    if not lock:
        request.subject = parts[3]
    rater.request = request
    return rater


def token_superseded(*, token: str) -> bool:
    """Was this a survey link that a newer one replaced? Asked only after the lookup
    failed, so the survey's hot path never pays for it."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return False
    return SupersededToken.objects.filter(token_hash=token_hash(token=token)).exists()


def token_withdrawn(*, token: str) -> bool:
    """Was this a survey link of an invitation withdrawn when its rater was deactivated
    (``services.rater_invitations_withdraw``)? Asked only after the lookup failed."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return False
    return SupersededToken.objects.filter(
        token_hash=token_hash(token=token), rater__status=Rater.Status.WITHDRAWN
    ).exists()


WITHDRAWN_MESSAGE = gettext_lazy(
    "This invitation was withdrawn: no answers are expected from you for this survey."
)


# A status inside a sentence ("this cycle is draft"), in words each language can inflect.
CYCLE_STATUS_WORDS = {
    Cycle.Status.DRAFT: pgettext_lazy("cycle status in a sentence", "draft"),
    Cycle.Status.OPEN: pgettext_lazy("cycle status in a sentence", "open"),
    Cycle.Status.CLOSED: pgettext_lazy("cycle status in a sentence", "closed"),
    Cycle.Status.RELEASED: pgettext_lazy("cycle status in a sentence", "released"),
}
RATER_STATUS_WORDS = {
    Rater.Status.PENDING: pgettext_lazy("survey status in a sentence", "pending"),
    Rater.Status.INVITED: pgettext_lazy("survey status in a sentence", "invited"),
    Rater.Status.STARTED: pgettext_lazy("survey status in a sentence", "started"),
    Rater.Status.SUBMITTED: pgettext_lazy("survey status in a sentence", "submitted"),
    Rater.Status.DECLINED: pgettext_lazy("survey status in a sentence", "declined"),
    Rater.Status.WITHDRAWN: pgettext_lazy("survey status in a sentence", "withdrawn"),
}

SURVEY_STATE_LABELS = {
    "to_do": gettext_lazy("To do"),
    "draft": gettext_lazy("Draft saved"),
    "submitted": gettext_lazy("Submitted"),
    "declined": gettext_lazy("Declined"),
    "closed": gettext_lazy("Closed"),
}


def raters_of_person(*, person: Person) -> QuerySet[Rater]:
    """Every rater row that is this person's: linked to them, or asked by their email
    (someone added by address before they were in the directory)."""
    return Rater.objects.filter(Q(person=person) | Q(email=person.email.strip().lower()))


def surveys_to_answer(*, person: Person, now) -> list[dict]:
    """Every survey this person was invited to, across cycles, with its state: to do,
    draft saved, submitted, declined or closed (the cycle takes no more answers). Those
    that can still be answered come first. One query."""
    raters = (
        raters_of_person(person=person)
        .exclude(status=Rater.Status.PENDING)  # not invited (yet): no survey to show
        .exclude(status=Rater.Status.WITHDRAWN)  # withdrawn on deactivation: nothing to do
        .exclude(request__cycle__status=Cycle.Status.DRAFT)
        .select_related("request__subject", "request__cycle")
        .order_by("-request__cycle__closes_at", "request__subject__name", "id")
    )
    surveys = []
    for rater in raters:
        cycle = rater.request.cycle
        if rater.status == Rater.Status.SUBMITTED:
            state = "submitted"
        elif rater.status == Rater.Status.DECLINED:
            state = "declined"
        elif not cycle_accepts_answers(cycle=cycle, now=now):
            state = "closed"
        elif rater.status == Rater.Status.STARTED:
            state = "draft"
        else:
            state = "to_do"
        surveys.append(
            {
                "rater": rater,
                "subject": rater.request.subject,
                "cycle": cycle,
                "is_self": rater.relationship == Relationship.SELF,
                "as_phrase": RELATIONSHIP_AS[rater.relationship],
                "state": state,
                "state_label": SURVEY_STATE_LABELS[state],
                "can_open": state in ("to_do", "draft"),
            }
        )
    # Stable: within each half the newest cycle stays first.
    surveys.sort(key=lambda survey: not survey["can_open"])
    return surveys


def survey_items(*, rater: Rater) -> QuerySet[Item]:
    return Item.objects.filter(framework_id=rater.request.cycle.framework_id).order_by("position")


def survey_questions(*, rater: Rater) -> QuerySet[Question]:
    return Question.objects.filter(framework_id=rater.request.cycle.framework_id).order_by(
        "position"
    )


@functools.lru_cache(maxsize=64)
def _framework_rows(framework_id: int, language: str = "") -> tuple[tuple, tuple]:
    items = tuple(
        Item.objects.filter(framework_id=framework_id)
        .order_by("position")
        .values_list("id", "behaviour", "pole", "position", "rater_text", "self_text")
    )
    questions = tuple(
        Question.objects.filter(framework_id=framework_id)
        .order_by("position")
        .values_list("id", "position", "rater_text", "self_text")
    )
    if language not in QUESTIONNAIRE_LANGUAGES:
        return items, questions
    # Two queries per version and language, once per worker: the translated texts replace
    # the English ones, and a statement without a translation keeps its English text.
    item_texts = {
        item_id: (rater_text, self_text)
        for item_id, rater_text, self_text in ItemTranslation.objects.filter(
            item__framework_id=framework_id, language=language
        ).values_list("item_id", "rater_text", "self_text")
    }
    question_texts = {
        question_id: (rater_text, self_text)
        for question_id, rater_text, self_text in QuestionTranslation.objects.filter(
            question__framework_id=framework_id, language=language
        ).values_list("question_id", "rater_text", "self_text")
    }
    items = tuple((*row[:4], *item_texts.get(row[0], row[4:])) for row in items)
    questions = tuple((*row[:2], *question_texts.get(row[0], row[2:])) for row in questions)
    return items, questions


def questionnaire_language(language: str | None) -> str:
    """The questionnaire language for a page language: a translated one ("de", "fr",
    "es"), or "" for the English source (also for any language not shipped)."""
    code = (language or "").lower()
    if code in QUESTIONNAIRE_LANGUAGES:
        return code
    base = code.split("-")[0]
    return base if base in QUESTIONNAIRE_LANGUAGES else ""


def questionnaire_texts_in(
    language: str | None, *, item_ids, question_texts
) -> tuple[dict[int, str], dict[str, str]]:
    """The questionnaire's words for a reader: {item id: statement} and {English open
    question: question}, in the given language (the rater wording, as reports quote it).
    Empty for English and for a text without a translation, which keeps its English.

    Reports are frozen documents holding the English texts (the API's, CONTRACT.md); the
    pages and PDFs swap the words in at display time, so no figure depends on them."""
    code = questionnaire_language(language)
    if not code:
        return {}, {}
    items = dict(
        ItemTranslation.objects.filter(item_id__in=list(item_ids), language=code).values_list(
            "item_id", "rater_text"
        )
    )
    questions = dict(
        QuestionTranslation.objects.filter(
            question__rater_text__in=list(question_texts), language=code
        ).values_list("question__rater_text", "rater_text")
    )
    return items, questions


def survey_rows(*, rater: Rater, language: str | None = None) -> tuple[tuple, tuple]:
    """The rater's questionnaire as tuples: items (id, behaviour, pole, position, rater_text,
    self_text) and questions (id, position, rater_text, self_text), in survey order, in the
    given language (default: the one active now; English where a text has no translation).

    Kept in memory per worker and language: a cycle's questionnaire is pinned when it opens
    and a used version (its translations included) can no longer change (the admin
    refuses), so every survey request of a cycle reads the same rows. (Tests, where SQLite
    reuses the ids of rolled-back rows, clear the cache between tests.)
    """
    framework_id = rater.request.cycle.framework_id
    if framework_id is None:
        return (), ()
    if language is None:
        language = translation.get_language()
    return _framework_rows(framework_id, questionnaire_language(language))


def rater_language(*, rater: Rater) -> str:
    """The language a rater is written to and first shown the survey in (issue 18): their
    own, when they are in the directory and chose one; else the subject's, the best guess
    for someone asked about a colleague; "" when neither is set (then the browser's)."""
    if rater.person_id is not None:
        # One small query, only on pages and emails: the answer API never asks.
        own = Person.objects.filter(pk=rater.person_id).values_list("language", flat=True).first()
        if own:
            return own
    return rater.request.subject.language or ""


def survey_answers(*, rater: Rater) -> dict:
    """The rater's saved answers: {"ratings": {item_id: value}, "comments": {question_id: text}}."""
    if rater.status == Rater.Status.INVITED:
        # Nothing saved yet: the first save makes a rater "started". Opening the link from
        # the email, the commonest survey request, reads no answer table.
        return {"ratings": {}, "comments": {}}
    return {
        "ratings": dict(rater.ratings.values_list("item_id", "value")),
        "comments": dict(rater.comments.values_list("question_id", "text")),
    }


def cycles_visible_to(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Cycle]:
    if user_is_hr(user):
        return Cycle.objects.all()
    return Cycle.objects.none()


def requests_listed(requests: QuerySet[FeedbackRequest]) -> QuerySet[FeedbackRequest]:
    """The requests shown as rows (heatmaps, team report pages, files): all but erased
    subjects, whose frozen share of a released cycle's team figures stays in the means,
    subject counts and response rates computed over every request of the scope. Here,
    below results and exports, because both list rows by it."""
    return requests.filter(subject__erased_at__isnull=True)


def cycles_in_reach(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Cycle]:
    """The cycles a user may name by id where a manager acts: requesting feedback, team
    reports and exports.

    HR: every cycle. Someone with a line (a manager at any level): the open cycles, to
    request feedback about their line, and the released ones, to read their line's
    reports. Anyone else: none. A draft, and a closed cycle until HR releases it, are HR's
    alone; to anyone else they do not exist, so no state error (409) confirms them.
    """
    if user_is_hr(user):
        return Cycle.objects.all()
    person = person_for_user(user)
    if person is None or not person_has_reports(person_id=person.id):
        return Cycle.objects.none()
    return Cycle.objects.filter(status__in=(Cycle.Status.OPEN, Cycle.Status.RELEASED))


def requests_manageable_by(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[FeedbackRequest]:
    """Requests whose raters the user may edit and launch: HR, or the requester."""
    requests = FeedbackRequest.objects.select_related("cycle", "subject")
    if user_is_hr(user):
        return requests.all()
    if not user.is_authenticated:
        return requests.none()
    mine = requests.filter(requested_by=user)
    person = person_for_user(user)
    if person is None:
        return mine
    # A manager's request about themself is theirs to set up until it is launched; from
    # then on its raters' states would tell the subject who answered, which a subject is
    # never told (docs/decisions.md): HR chases it.
    return mine.exclude(subject=person, launched_at__isnull=False)


def requests_progress_visible_to(
    *, user: AbstractBaseUser | AnonymousUser
) -> QuerySet[FeedbackRequest]:
    """Requests whose progress the user may follow: HR, the requester, the subject."""
    requests = FeedbackRequest.objects.select_related("cycle", "subject")
    if user_is_hr(user):
        return requests.all()
    if not user.is_authenticated:
        return requests.none()
    person = person_for_user(user)
    condition = Q(requested_by=user)
    if person is not None:
        condition |= Q(subject=person)
    return requests.filter(condition)


def person_in_reach(*, user: AbstractBaseUser | AnonymousUser, person_id: int) -> bool:
    """May the user request feedback about this person: HR, any manager above them, or a
    manager (someone with a line) about themself."""
    if user_is_hr(user):
        return True
    person = person_for_user(user)
    if person is None:
        return False
    if person.id == person_id:
        return person_has_reports(person_id=person.id)
    return person_line(manager_id=person.id).filter(id=person_id).exists()


# --- nomination approval (issue 11) ---------------------------------------------


def rater_needs_approval(*, email: str, person: Person | None) -> bool:
    """Someone outside the directory needs an approver's agreement before any link is sent,
    unless their address is at one of ALLOWED_RATER_DOMAINS.

    A sub-address (``name+tag@``) never passes by its domain: it reaches the mailbox of
    ``name@``, so a requester could nominate themself under as many addresses as they like.
    """
    if person is not None:
        return False
    local, _at, domain = email.lower().rpartition("@")
    if "+" in local:
        return True
    return domain not in settings.ALLOWED_RATER_DOMAINS


def approval_may_decide(*, user, rater: Rater, request: FeedbackRequest) -> bool:
    """HR or the subject may approve a nomination, never whoever nominated the rater nor
    whoever made the request: the person who could control the address does not vouch
    for it."""
    if not user.is_authenticated:
        return False
    if user.pk in (rater.nominated_by_id, request.requested_by_id):
        return False
    if user_is_hr(user):
        return True
    return request.subject.user_id == user.pk


def raters_in_approval_reach(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Rater]:
    """Raters the user may see when deciding: HR every rater, anyone else the raters of the
    requests they made or are the subject of. Outside this, a decision is not found (404);
    inside it, one the user may not take is refused (403)."""
    raters = Rater.objects.select_related("request__cycle", "request__subject")
    if user_is_hr(user):
        return raters.all()
    if not user.is_authenticated:
        return raters.none()
    return raters.filter(Q(request__requested_by=user) | Q(request__subject__user=user))


def approvals_waiting_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Rater]:
    """Nominations of open cycles that wait for this user's decision, oldest first.

    The same rule as ``approval_may_decide``, in SQL: HR sees every waiting nomination,
    a subject those on their own request; neither sees what they nominated or requested.
    """
    if not user.is_authenticated:
        return Rater.objects.none()
    waiting = (
        Rater.objects.filter(
            approval=Rater.Approval.WAITING, request__cycle__status=Cycle.Status.OPEN
        )
        .exclude(nominated_by=user)
        .exclude(request__requested_by=user)
        .select_related("request__cycle", "request__subject", "nominated_by")
        .order_by("created_at", "id")
    )
    if user_is_hr(user):
        return waiting
    return waiting.filter(request__subject__user=user)


def approvers_of(*, request: FeedbackRequest, rater: Rater) -> list[tuple[str, bool]]:
    """Who may decide on this nomination and can be emailed: (address, is HR) per approver.

    HR users (superusers have every HR right) and the subject if they have a login, less the
    nominator and the requester. One query for HR, none more for the subject.
    """
    excluded = {rater.nominated_by_id, request.requested_by_id} - {None}
    hr_users = (
        get_user_model()
        .objects.filter(Q(is_superuser=True) | Q(groups__name=HR_GROUP_NAME), is_active=True)
        .exclude(pk__in=excluded)
        .values_list("pk", "email", "username")
        .distinct()
        .order_by("pk")
    )
    approvers: dict[int, tuple[str, bool]] = {}
    for pk, email, username in hr_users:
        address = email or (username if "@" in username else "")
        if address:
            approvers[pk] = (address.lower(), True)
    subject = request.subject
    if subject.user_id is not None and subject.user_id not in excluded:
        approvers.setdefault(subject.user_id, (subject.email, False))
    return list(approvers.values())


def raters_asked_for_subject(*, request_ids: list[int]) -> dict[int, list[dict]]:
    """Who was asked for feedback about the subject, per request, in one query: name, email
    and relationship only.

    Never a survey status (who started, submitted or declined): in an anonymous group that
    would say who answered. A nomination an approver refused was never asked and is left
    out; one still waiting is marked so, which says nothing about answers.
    """
    rows = (
        Rater.objects.filter(request_id__in=request_ids)
        .exclude(relationship=Relationship.SELF)
        .exclude(approval=Rater.Approval.REJECTED)
        .order_by("request_id", "relationship", "name", "email")
        .values(
            "id",
            "request_id",
            "relationship",
            "name",
            "email",
            "approval",
            # Who nominated a hand-added rater: what an approver needs to decide.
            "nominated_by__person__name",
            "nominated_by__email",
        )
    )
    asked: dict[int, list[dict]] = {request_id: [] for request_id in request_ids}
    for row in rows:
        row["nominated_by"] = row.pop("nominated_by__person__name") or row.pop(
            "nominated_by__email"
        )
        row.pop("nominated_by__email", None)
        asked[row["request_id"]].append(row)
    return asked


def rater_request_counts(*, cycle: Cycle, emails: list[str]) -> dict[str, int]:
    """How many requests of the cycle each email already rates, self-assessments excluded."""
    rows = (
        Rater.objects.filter(request__cycle=cycle, email__in=emails)
        .exclude(relationship=Relationship.SELF)
        .values("email")
        .annotate(n=Count("id"))
    )
    return {row["email"]: row["n"] for row in rows}


def request_warnings(*, request: FeedbackRequest) -> list[str]:
    """One sentence per anonymous group too small to be shown on its own."""
    k = request.cycle.min_anonymous_raters
    counts = dict(
        request.raters.exclude(status__in=(Rater.Status.DECLINED, Rater.Status.WITHDRAWN))
        .exclude(approval=Rater.Approval.REJECTED)  # refused nominations are never asked
        .filter(relationship__in=ANONYMOUS)
        .values_list("relationship")
        .annotate(n=Count("id"))
    )
    warnings = []
    for relationship in ANONYMOUS:
        n = counts.get(relationship, 0)
        if 0 < n < k:
            singular, plural = GROUP_WORDS[relationship]
            warnings.append(
                ngettext(
                    "Only %(count)d %(group)s: fewer than %(minimum)d, so their ratings "
                    "will not be shown on their own, only pooled into “others”.",
                    "Only %(count)d %(group)s: fewer than %(minimum)d, so their ratings "
                    "will not be shown on their own, only pooled into “others”.",
                    n,
                )
                % {"count": n, "group": singular if n == 1 else plural, "minimum": k}
            )
    return warnings


PROGRESS_STATUSES = ("pending", "invited", "started", "submitted", "declined", "withdrawn")


def requests_progress(*, request_ids: list[int]) -> dict[int, dict[str, dict[str, int]]]:
    """request id -> relationship -> raters per status, ``total``, ``failed`` (invited or
    started, but their last email never arrived) and ``waiting`` (invited or started, and
    it did), in one query. Only relationships with raters appear.

    The one count of a request's raters, for the API's progress and the manager's page
    alike. A refused nomination was never asked: it is no rater of any status.
    """
    failed = Rater.delivery_failed_condition()
    rows = (
        Rater.objects.filter(request_id__in=request_ids)
        .exclude(approval=Rater.Approval.REJECTED)
        .values("request_id", "relationship")
        .annotate(
            total=Count("id"),
            **{status: Count("id", filter=Q(status=status)) for status in PROGRESS_STATUSES},
            failed=Count("id", filter=failed),
            waiting=Count(
                "id",
                filter=Q(status__in=[Rater.Status.INVITED, Rater.Status.STARTED]) & ~failed,
            ),
        )
        .order_by()
    )
    progress: dict[int, dict[str, dict[str, int]]] = {}
    for row in rows:
        request_id, relationship = row.pop("request_id"), row.pop("relationship")
        progress.setdefault(request_id, {})[relationship] = row
    return progress


def request_progress(*, request: FeedbackRequest, with_raters: bool) -> dict:
    """Counts per relationship and status (``requests_progress``), every relationship
    listed; the rater list only when asked."""
    counted = requests_progress(request_ids=[request.pk]).get(request.pk, {})
    empty = dict.fromkeys((*PROGRESS_STATUSES, "failed", "total"), 0)
    counts = {relationship: counted.get(relationship, empty) for relationship in RELATIONSHIPS}
    raters = request.raters.exclude(approval=Rater.Approval.REJECTED)
    progress = {"request": request.pk, "relationships": counts}
    if with_raters:
        # Statuses and delivery only: answers are never part of progress.
        progress["raters"] = [
            {
                "id": rater.id,
                "relationship": rater.relationship,
                "name": rater.name,
                "email": rater.email,
                "status": rater.status,
                "delivery": rater.delivery,
                "delivery_error": rater.delivery_error if rater.delivery == "failed" else "",
            }
            for rater in raters.order_by("relationship", "email").only(
                "id",
                "request",  # the related manager sets it on every row
                "relationship",
                "name",
                "email",
                "status",
                "token_hash",
                "token_issued_at",
                "invitation_sent_hash",
                "delivery_failed_at",
                "delivery_error",
            )
        ]
    return progress


SCALE = [
    (1, gettext_lazy("Never")),
    (2, gettext_lazy("Rarely")),
    (3, gettext_lazy("Sometimes")),
    (4, gettext_lazy("Often")),
    (5, gettext_lazy("Always")),
    (None, gettext_lazy("Can't say")),
]


# Once a cycle has closed its link is only a receipt: the figures are (or will be) read,
# and whoever holds an old link (a forwarded email, a shared computer) must not be able
# to put one rater's answers next to them.
ANSWERS_HIDDEN_STATUSES = (Cycle.Status.CLOSED, Cycle.Status.RELEASED)
NO_ANSWERS = {"ratings": {}, "comments": {}}


def survey_answers_shown(*, cycle: Cycle) -> bool:
    """Does a survey link still show the rater's saved answers? Only until the cycle closes."""
    return cycle.status not in ANSWERS_HIDDEN_STATUSES


def survey_for_rater(*, rater: Rater, now) -> dict:
    """Everything a survey client shows, in the wording for this rater (self or others).

    After the cycle closes (or is released) the answers are left out, whatever the rater's
    status: the link then tells who it was about, whether and when it was submitted or
    declined, and nothing of what was answered.
    """
    is_self = rater.relationship == Relationship.SELF
    items, questions = survey_rows(rater=rater)
    request = rater.request
    cycle = request.cycle
    subject = request.subject
    answers_shown = survey_answers_shown(cycle=cycle)
    return {
        "subject": {"id": subject.pk, "name": subject.name, "email": subject.email},
        "relationship": rater.relationship,
        "cycle": {
            "id": cycle.pk,
            "name": cycle.name,
            "closes_at": cycle.closes_at,
            "status": cycle.status,
        },
        "status": rater.status,
        "accepts_answers": cycle_accepts_answers(cycle=cycle, now=now)
        and rater.status in (Rater.Status.INVITED, Rater.Status.STARTED),
        "scale": [{"value": value, "label": label} for value, label in SCALE],
        "items": [
            {
                "id": item_id,
                "behaviour": behaviour,
                "pole": pole,
                "text": self_text if is_self else rater_text,
            }
            for item_id, behaviour, pole, _position, rater_text, self_text in items
        ],
        "questions": [
            {"id": question_id, "text": self_text if is_self else rater_text}
            for question_id, _position, rater_text, self_text in questions
        ],
        "answers": survey_answers(rater=rater) if answers_shown else {**NO_ANSWERS},
        "answers_shown": answers_shown,
        "submitted_at": rater.submitted_at,
        "declined_at": rater.declined_at,
    }


# --- the request pages (issue 14) -----------------------------------------------------


def first_name(name: str) -> str:
    return (name or "").split(" ")[0] or name


def user_display_name(user) -> str:
    """A login as people know it: their directory name, else the address they log in with."""
    person = getattr(user, "person", None) if user is not None else None
    if person is not None:
        return person.name
    return (user.email or user.get_username()) if user is not None else "someone"


def raters_for_request_page(*, request: FeedbackRequest) -> QuerySet[Rater]:
    """The request's raters with what the page needs to say why each is there, one query."""
    return request.raters.select_related("person", "nominated_by__person").order_by("name", "email")


def rater_reason(*, rater: Rater, subject: Person, viewer) -> str:
    """Why a rater is on the request, in words: who added them, or the org chart's reason
    ("Reports to Sofia, like Liam", "Liam's manager", "Reports to Liam").

    Read from the org chart as it is now (``subject`` with its manager loaded); a proposal
    the chart no longer explains says only where it came from.
    """
    first = first_name(subject.name)
    if rater.nominated_by_id is not None:
        if rater.nominated_by_id == viewer.pk:
            return gettext("Added by you")
        return gettext("Added by %(name)s") % {"name": user_display_name(rater.nominated_by)}
    person = rater.person
    if rater.relationship == Relationship.SELF:
        return gettext("%(name)s's own view") % {"name": first}
    if rater.relationship == Relationship.BOSS and person and person.pk == subject.manager_id:
        return gettext("%(name)s's manager") % {"name": first}
    if (
        rater.relationship == Relationship.PEER
        and person
        and subject.manager_id is not None
        and person.manager_id == subject.manager_id
    ):
        return gettext("Reports to %(manager)s, like %(name)s") % {
            "manager": first_name(subject.manager.name),
            "name": first,
        }
    if (
        rater.relationship == Relationship.DIRECT_REPORT
        and person
        and person.manager_id == subject.pk
    ):
        return gettext("Reports to %(name)s") % {"name": first}
    return gettext("Proposed from the org chart")


def relationship_suggested(*, subject: Person, person: Person) -> str:
    """The org chart's answer to "what is this person to the subject?", else other."""
    if person.pk == subject.manager_id:
        return Relationship.BOSS
    if person.manager_id == subject.pk:
        return Relationship.DIRECT_REPORT
    if subject.manager_id is not None and person.manager_id == subject.manager_id:
        return Relationship.PEER
    return Relationship.OTHER


DIRECTORY_SEARCH_MIN = 2
DIRECTORY_SEARCH_RESULTS = 20


def directory_candidates(*, request: FeedbackRequest, query: str) -> list[Person]:
    """Directory people matching ``query`` (name or email) who could rate the request:
    not the subject, not already a rater, active (``person_active_q``). At most 20; nothing under 2 letters.

    The whole directory, not only the requester's line: a rater is usually a colleague
    from elsewhere. Only names, titles and teams are shown (docs/decisions.md).
    """
    if len(query) < DIRECTORY_SEARCH_MIN:
        return []
    return list(
        Person.objects.filter(Q(name__icontains=query) | Q(email__icontains=query))
        .filter(person_active_q())
        .exclude(pk=request.subject_id)
        .exclude(email__in=request.raters.values("email"))
        .select_related("team")
        .order_by("name", "id")[:DIRECTORY_SEARCH_RESULTS]
    )


def hr_user_ids(*, user_ids) -> set[int]:
    """Which of these logins are HR (the group, or a superuser), in one query."""
    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return set()
    return set(
        get_user_model()
        .objects.filter(Q(is_superuser=True) | Q(groups__name=HR_GROUP_NAME), pk__in=ids)
        .values_list("pk", flat=True)
    )


def reminded_when(*, last: datetime.datetime | None, now: datetime.datetime) -> str | None:
    """ "today" or "yesterday" for the last reminder (outlooks only hold the past day)."""
    if last is None:
        return None
    days = (timezone.localdate(now) - timezone.localdate(last)).days
    return "today" if days == 0 else "yesterday"


def remind_state(
    *,
    request: FeedbackRequest,
    viewer,
    manageable: bool,
    requester_is_hr: bool,
    outlook: dict | None,
    launched: bool,
    waiting: int,
    failed: int,
    now: datetime.datetime,
) -> dict:
    """What a page shows where the Remind button goes: ``due`` (raters a press would
    remind: the button shows when > 0), ``next_at`` and ``reminded`` ("today",
    "yesterday" or None) from ``reminder_outlook``, ``waiting`` (as given), and
    ``reason``: why there is no button, in words, when there is none and no next time
    to announce.

    ``launched``: some rater has had a link; ``waiting``: raters with a working link who
    owe an answer; ``failed``: those whose last email never arrived (they need a Retry).
    """

    outlook = outlook or {}
    last = outlook.get("last_reminded_at")
    reminded = reminded_when(last=last, now=now)
    state = {
        "due": outlook.get("due", 0),
        "next_at": outlook.get("next_at"),
        "last_reminded_at": last,
        "reminded": reminded,
        "reason": "",
        # For a page to tell who can retry without comparing the (translated) reason.
        "made_by_hr": requester_is_hr,
        # Said beside "next reminder possible on": whom the wait is for.
        "waiting": waiting,
    }
    subject_is_viewer = request.subject.user_id is not None and request.subject.user_id == viewer.pk
    if request.cycle.status != Cycle.Status.OPEN:
        state.update(
            due=0,
            next_at=None,
            reason=gettext("The cycle is %(status)s")
            % {"status": CYCLE_STATUS_WORDS[request.cycle.status]},
        )
    elif not manageable:
        state.update(due=0, next_at=None)
        if subject_is_viewer:
            state["reason"] = gettext(
                "This is feedback about you: HR chases it, and reminders go out by "
                "themselves before the cycle closes"
            )
        elif requester_is_hr:
            state["reason"] = gettext("HR made this request")
        else:
            state["reason"] = gettext("Only the person who made this request can remind")
    elif not launched:
        state["reason"] = gettext("Not launched yet")
    elif waiting == 0 and failed == 0:
        state["reason"] = gettext("Everyone has answered")
    elif waiting == 0:
        state["reason"] = gettext("Nobody to remind: the emails that failed need a Retry")
    elif state["due"] == 0 and state["next_at"] is None:
        # Either only the viewer's own survey waits (a press skips it), or every link is
        # still on its way (nobody has had an email to be reminded of yet).
        state["reason"] = (
            gettext("Only your own survey is waiting")
            if not outlook
            else gettext("Invitations are still on their way")
        )
    return state


# --- setting up a cycle (issue 14) -----------------------------------------------


def cycle_participants(*, cycle: Cycle) -> QuerySet[Person]:
    """The people chosen for a cycle being set up, by name; erased people never count."""
    return (
        Person.objects.filter(id__in=cycle.participants.values("id"), erased_at__isnull=True)
        .select_related("team")
        .order_by("name", "id")
    )


@dataclass
class ProposedRequest:
    subject: Person
    raters: list[tuple[str, Person]]


@dataclass
class CyclePlan:
    """What opening a cycle for these subjects creates: one request each, with the raters
    the org chart proposes (the rule of ``feedback.services._proposed_raters``) less those
    over the cycle's rater cap, and the sentences HR reads before opening."""

    requests: list[ProposedRequest]
    # One sentence per person the cap leaves out of some requests.
    cap_warnings: list[str]
    # relationship -> subjects whose group is above 0 and below k (pooled into others).
    small_groups: dict[str, list[Person]]
    # Subjects for whom nobody but themself is proposed.
    alone: list[Person]

    @property
    def invitations(self) -> int:
        return sum(len(r.raters) for r in self.requests)


def cycle_requests_plan(*, cycle: Cycle, subjects: list[Person]) -> CyclePlan:
    """The raters proposed for every subject at once, in three queries whatever their number.

    Proposals follow ``_proposed_raters`` person by person (self, boss, peers and direct
    reports, each by name) and the cap the way ``request_create`` applies it, request after
    request in the subjects' order: someone already asked ``max_requests_per_rater`` times
    in the cycle is left out of the next request, and a self-assessment never counts.
    """
    subjects = sorted(subjects, key=lambda p: (p.name, p.id))
    subject_ids = [s.id for s in subjects]
    manager_ids = {s.manager_id for s in subjects if s.manager_id is not None}
    # Only active people are proposed (``person_active_q``): a deactivated or erased boss,
    # peer or report is left out, as in ``_proposed_raters``.
    related = list(
        Person.objects.filter(
            Q(id__in=manager_ids) | Q(manager_id__in=manager_ids) | Q(manager_id__in=subject_ids)
        )
        .filter(person_active_q())
        .order_by("name", "id")
    )
    by_id = {p.id: p for p in related}
    reports_of: dict[int, list[Person]] = {}
    for person in related:
        if person.manager_id is not None:
            reports_of.setdefault(person.manager_id, []).append(person)
    emails = {p.email for p in related}
    counts = rater_request_counts(cycle=cycle, emails=sorted(emails)) if emails else {}
    cap = cycle.max_requests_per_rater
    k = cycle.min_anonymous_raters
    planned: list[ProposedRequest] = []
    left_out: dict[int, list[Person]] = {}
    small_groups: dict[str, list[Person]] = {r: [] for r in ANONYMOUS}
    alone = []
    for subject in subjects:
        proposals: list[tuple[str, Person]] = []
        if subject.manager_id in by_id:
            proposals.append((Relationship.BOSS, by_id[subject.manager_id]))
            proposals += [
                (Relationship.PEER, p)
                for p in reports_of.get(subject.manager_id, [])
                if p.id != subject.id
            ]
        proposals += [(Relationship.DIRECT_REPORT, p) for p in reports_of.get(subject.id, [])]
        raters: list[tuple[str, Person]] = [(Relationship.SELF, subject)]
        for relationship, person in proposals:
            if counts.get(person.email, 0) >= cap:
                left_out.setdefault(person.id, []).append(subject)
                continue
            counts[person.email] = counts.get(person.email, 0) + 1
            raters.append((relationship, person))
        planned.append(ProposedRequest(subject=subject, raters=raters))
        sizes = Counter(relationship for relationship, _rater in raters)
        for relationship in ANONYMOUS:
            if 0 < sizes[relationship] < k:
                small_groups[relationship].append(subject)
        if len(raters) == 1:
            alone.append(subject)
    cap_warnings = []
    for person_id, subjects_left in left_out.items():
        person = by_id[person_id]
        names = ", ".join(s.name for s in subjects_left)
        cap_warnings.append(
            ngettext(
                "%(name)s would be asked more than %(cap)d times (the rater cap), so is "
                "not proposed for %(count)d person: %(names)s.",
                "%(name)s would be asked more than %(cap)d times (the rater cap), so is "
                "not proposed for %(count)d people: %(names)s.",
                len(subjects_left),
            )
            % {"name": person.name, "cap": cap, "count": len(subjects_left), "names": names}
        )
    return CyclePlan(
        requests=planned,
        cap_warnings=sorted(cap_warnings),
        small_groups={r: people for r, people in small_groups.items() if people},
        alone=alone,
    )


def raters_owing_by_cycle(*, cycle_ids: list[int], limit: int = 50) -> dict[int, dict]:
    """cycle id -> who still owes a survey, for chasing, in one query: ``people`` lists
    ``{name, email, owes}`` (most owed first, at most ``limit``), ``people_count`` and
    ``surveys`` the totals.

    Names and counts only, never which subject or group a survey is about nor whether it
    was started: chasing needs no more, and a list naming the requests would tell HR's
    readers who sits in whose anonymous group.
    """
    rows = (
        Rater.objects.filter(
            request__cycle_id__in=cycle_ids,
            status__in=(Rater.Status.INVITED, Rater.Status.STARTED),
        )
        .values("request__cycle_id", "email")
        .annotate(owes=Count("id"), name=Max("name"))
        .order_by("request__cycle_id", "-owes", "name", "email")
    )
    owing: dict[int, dict] = {
        cycle_id: {"people": [], "people_count": 0, "surveys": 0} for cycle_id in cycle_ids
    }
    for row in rows:
        entry = owing[row["request__cycle_id"]]
        entry["people_count"] += 1
        entry["surveys"] += row["owes"]
        if len(entry["people"]) < limit:
            entry["people"].append(
                {"name": row["name"] or row["email"], "email": row["email"], "owes": row["owes"]}
            )
    return owing


def invitations_sending_by_cycle(*, cycle_ids: list[int]) -> dict[int, dict]:
    """cycle id -> ``{sending, sent, total}``: of the survey links waiting for an answer, how
    many emails are still queued or being retried (neither sent nor failed), in one query.

    Opening a cycle for a thousand people queues a thousand emails; HR's page says how far
    the sending has got rather than showing a cycle that looks sent.
    """
    waiting = Q(token_hash__isnull=False, status__in=(Rater.Status.INVITED, Rater.Status.STARTED))
    failed = Rater.delivery_failed_condition()
    sent = Q(invitation_sent_hash=F("token_hash"))
    rows = (
        Rater.objects.filter(waiting, request__cycle_id__in=cycle_ids)
        .values("request__cycle_id")
        .annotate(total=Count("id"), sending=Count("id", filter=~sent & ~failed))
        .order_by()
    )
    found = {cycle_id: {"sending": 0, "sent": 0, "total": 0} for cycle_id in cycle_ids}
    for row in rows:
        found[row["request__cycle_id"]] = {
            "sending": row["sending"],
            "sent": row["total"] - row["sending"],
            "total": row["total"],
        }
    return found


def decline_reasons_by_cycle(*, cycle_ids: list[int]) -> dict[int, dict]:
    """cycle id -> ``{reasons, without_reason}``: the reasons raters gave for declining,
    in alphabetical order (never by date, which could be matched to who declined when),
    with no name, subject or group; and how many declined without a reason."""
    rows = (
        Rater.objects.filter(request__cycle_id__in=cycle_ids, status=Rater.Status.DECLINED)
        .values_list("request__cycle_id", "decline_reason")
        .order_by("request__cycle_id", "decline_reason")
    )
    declines: dict[int, dict] = {
        cycle_id: {"reasons": [], "without_reason": 0} for cycle_id in cycle_ids
    }
    for cycle_id, reason in rows:
        if reason.strip():
            declines[cycle_id]["reasons"].append(reason)
        else:
            declines[cycle_id]["without_reason"] += 1
    return declines


def cycle_reminder_outlook(
    *, cycle_ids: list[int], presser, now: datetime.datetime
) -> dict[int, dict]:
    """cycle id -> what "Remind all" would do now: ``reminder_outlook``'s figures for every
    request of the cycle together, in one query."""
    request_ids = FeedbackRequest.objects.filter(cycle_id__in=cycle_ids).values("id")
    raters = raters_to_remind(request_ids=request_ids, presser=presser)
    return _reminder_outlook_by(raters, key="request__cycle_id", now=now)
