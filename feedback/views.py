"""The survey page at /s/<token>/: server-rendered, no login, the same services as the API."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import person_for_user
from core.errors import DomainError
from core.languages import shipped_language
from core.validation import int_strict
from feedback import selectors, services, throttle
from feedback.models import RELATIONSHIP_AS, RELATIONSHIP_GROUP, Rater
from feedback.vocabulary import ANONYMOUS, BEHAVIOUR_LABELS, Relationship


class _SlowedDown(Exception):
    """View-internal signal for the 429 page; services never see it (they raise DomainError)."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after


class _Replaced(Exception):
    """View-internal signal: the link was real once, and a newer one replaced it."""


class _Withdrawn(Exception):
    """View-internal signal: the link was real once, and its invitation was withdrawn."""


def _rater_or_404(request, token: str) -> Rater:
    try:
        return selectors.rater_for_token(token=token)
    except DomainError as exc:
        # A replaced link is not a guess: it says so, and costs the client nothing.
        if selectors.token_superseded(token=token):
            if selectors.token_withdrawn(token=token):
                raise _Withdrawn from None
            raise _Replaced from None
        retry_after = throttle.guessing_record_miss(request)
        if retry_after is not None:
            raise _SlowedDown(retry_after) from None
        raise Http404(exc.detail) from None


def _slowed_down_page(request, retry_after: int):
    response = render(
        request,
        "feedback/too_many_guesses.html",
        {"message": throttle.guessing_message(retry_after)},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


def _answers_from_form(post) -> tuple[dict, dict]:
    ratings, comments = {}, {}
    for key, value in post.items():
        if key.startswith("rating_"):
            item_id = key.removeprefix("rating_")
            if value == "na":
                ratings[item_id] = None
            else:
                try:
                    # The one strict parse: "²" and a 5,000-digit number are not ratings.
                    ratings[item_id] = int_strict(value, minimum=1, maximum=5)
                except ValueError:
                    ratings[item_id] = value  # the service names it as invalid
        elif key.startswith("comment_"):
            comments[key.removeprefix("comment_")] = value
    return ratings, comments


def _state(rater: Rater, survey: dict) -> str:
    if rater.status == Rater.Status.SUBMITTED:
        return "submitted"
    if rater.status == Rater.Status.DECLINED:
        return "declined"
    if not survey["accepts_answers"]:
        return "closed"
    return "form"


def _context(rater: Rater, *, answers=None, missing=(), errors=None, show_unanswered=False) -> dict:
    survey = selectors.survey_for_rater(rater=rater, now=timezone.now())
    if answers is None:
        answers = survey["answers"]
    ratings = {str(k): v for k, v in answers["ratings"].items()}
    if show_unanswered and survey["accepts_answers"]:
        # After a submit that found gaps (POST, then redirect here): the saved draft says
        # which statements still need an answer.
        missing = {item["id"] for item in survey["items"] if str(item["id"]) not in ratings}
    comments = {str(k): v for k, v in answers["comments"].items()}
    groups: dict[str, dict] = {}
    for number, item in enumerate(survey["items"], start=1):
        group = groups.setdefault(
            item["behaviour"], {"label": BEHAVIOUR_LABELS[item["behaviour"]], "items": []}
        )
        key = str(item["id"])
        value = ratings.get(key, "") if key in ratings else ""
        group["items"].append(
            {
                **item,
                "number": number,
                "value": "na" if key in ratings and ratings[key] is None else str(value),
                "missing": item["id"] in missing,
                "errors": (errors or {}).get(f"ratings.{key}", []),
            }
        )
    questions = [
        {
            **q,
            "value": comments.get(str(q["id"]), ""),
            "errors": (errors or {}).get(f"comments.{q['id']}", []),
        }
        for q in survey["questions"]
    ]
    cycle = rater.request.cycle
    return {
        "rater": rater,
        "survey": survey,
        "state": _state(rater, survey),
        "subject": rater.request.subject,
        "cycle": cycle,
        "is_self": rater.relationship == Relationship.SELF,
        "is_boss": rater.relationship == Relationship.BOSS,
        "is_anonymous": rater.relationship in ANONYMOUS,
        "as_phrase": RELATIONSHIP_AS[rater.relationship],
        "group_name": RELATIONSHIP_GROUP.get(rater.relationship, ""),
        "k": cycle.min_anonymous_raters,
        "groups": list(groups.values()),
        "questions": questions,
        "scale": [p for p in survey["scale"] if p["value"] is not None],
        "missing_count": len(missing),
        # "12 of 30 answered": a rating or "can't say" counts, as it does for submitting.
        "answered_count": sum(1 for item in survey["items"] if str(item["id"]) in ratings),
        "item_count": len(survey["items"]),
    }


@never_cache
@require_http_methods(["GET", "POST"])
def survey(request, token):
    try:
        return _survey(request, token)
    except _SlowedDown as exc:
        return _slowed_down_page(request, exc.retry_after)
    except _Replaced:
        # 410 Gone: this link will never work again. The page names nobody and no cycle:
        # whoever holds an old link learns only that a newer one exists.
        return render(request, "feedback/link_replaced.html", status=410)
    except _Withdrawn:
        # 410 too, naming nobody: the rater was deactivated (issue 17).
        return render(
            request,
            "feedback/link_withdrawn.html",
            {"message": selectors.WITHDRAWN_MESSAGE},
            status=410,
        )


def _chosen_language(request) -> str:
    """The language the rater picked on the page (?lang=), kept in the page's own links."""
    return shipped_language(request.GET.get("lang"))


def _use_language(request, rater: Rater) -> str:
    """The survey's language: the one picked on the page, else the rater's default
    (selectors.rater_language), else what LocaleMiddleware took from the browser. Active
    for the rest of the request, so the statements, the page and its headers agree."""
    language = (
        _chosen_language(request)
        or selectors.rater_language(rater=rater)
        or shipped_language(request.LANGUAGE_CODE)
        or settings.LANGUAGE_CODE
    )
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language


def _survey_url(request, token: str, flag: str = "") -> str:
    """The survey's own address, keeping a language picked on the page."""
    language = _chosen_language(request)  # a shipped code: safe in a URL as it is
    query = "&".join(part for part in (f"lang={language}" if language else "", flag) if part)
    url = reverse("survey", kwargs={"token": token})
    return f"{url}?{query}" if query else url


def _render(request, context: dict, status: int = 200):
    context["survey_language"] = request.LANGUAGE_CODE
    context["survey_languages"] = settings.LANGUAGES
    return render(request, "feedback/survey.html", context, status=status)


def _survey(request, token):
    rater = _rater_or_404(request, token)
    _use_language(request, rater)
    if request.method == "GET":
        services.survey_mark_opened(rater=rater, now=timezone.now())
        context = _context(rater, show_unanswered="unanswered" in request.GET)
        if context["missing_count"]:
            context["error"] = gettext("Some statements are still unanswered.")
        return _render(request, context)

    action = request.POST.get("action")
    ratings, comments = _answers_from_form(request.POST)
    try:
        if action == "decline":
            services.survey_decline(token=token, reason=request.POST.get("reason", ""))
            return redirect(_survey_url(request, token))
        services.survey_save_draft(token=token, ratings=ratings, comments=comments)
        if action == "submit":
            services.survey_submit(token=token)
            return redirect(_survey_url(request, token))
        if action == "language":
            # The switch saved what was on the page first: the same survey, now in the
            # language in the link (?lang=), with every answer kept.
            return redirect(_survey_url(request, token))
    except DomainError as exc:
        rater = _rater_or_404(request, token)
        missing = set(exc.unanswered) if isinstance(exc, services.SurveyIncomplete) else set()
        if missing and action == "submit":
            # The draft was saved before the submit found gaps: POST, redirect, GET, so a
            # refresh shows the same list instead of asking to send the form again.
            return redirect(_survey_url(request, token, "unanswered") + "#problem")
        # Keep what the person typed on the page, even where it was not saved.
        answers = None
        if exc.code == "invalid" and not missing:
            answers = {"ratings": ratings, "comments": comments}
        context = _context(rater, answers=answers, missing=missing, errors=exc.errors)
        context["error"] = exc.detail
        return _render(request, context, status=exc.status)
    messages.success(
        request, gettext("Draft saved. You can close this page and come back with the same link.")
    )
    return redirect(_survey_url(request, token))


@login_required
@require_GET
def surveys_mine(request):
    """ "Surveys to answer": every survey the signed-in person was invited to."""
    person = person_for_user(request.user)
    surveys = (
        [] if person is None else selectors.surveys_to_answer(person=person, now=timezone.now())
    )
    return render(request, "feedback/surveys_mine.html", {"surveys": surveys})


@never_cache
@login_required
@require_POST
def survey_open(request, rater_id: int):
    """Open one of my surveys with a fresh link (the one in the email stops working).
    POST only: issuing a link replaces the old one, which a prefetching GET must not do."""
    person = person_for_user(request.user)
    if person is None:
        raise Http404
    try:
        token = services.rater_link_issue_for_person(
            rater_id=rater_id, person=person, actor=request.user
        )
    except DomainError as exc:
        if exc.code == "not_found":
            raise Http404 from None
        messages.error(request, exc.detail)
        return redirect("surveys_mine")
    return redirect("survey", token=token)
