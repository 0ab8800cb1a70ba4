"""Hostile input everywhere (issue 12): a property-based test over every API operation and
every page of the project, as every role.

What it sends (hypothesis draws one attack per request): deep nesting, NUL bytes, lone
surrogates, control characters, right-to-left overrides and zero-width characters, 1 MB
strings, huge, negative and fractional numbers, values of the wrong type, raw bodies that
are not JSON, duplicate keys, and CSV files with all of the above.

Where it sends them, discovered rather than listed, so that a new endpoint or page is
covered without touching this file:
- the API: every operation of the OpenAPI schema drf-spectacular generates; each example
  replaces one body field, query parameter or path parameter with a hostile value, or
  sends a hostile raw body;
- the pages: every URL pattern outside the admin and the API; each page is fetched as the
  role, every field of every form on it (and every query parameter its view reads) gets
  a hostile value.

Who sends them: HR, a manager, an employee, an anonymous client and a rater holding a
survey link, on whatever database is configured (PostgreSQL in CI).

What must hold: no answer is a 5xx; every API error is in the documented shape
{"detail", "errors"}; and the data a role may not change is byte-for-byte the same
afterwards (a snapshot of every table before and after).

HOSTILE_EXAMPLES sets the examples per operation and page (default 6: about a minute on
two cores); the numbers of the last run are written to var/hostile-input.json.
"""

from __future__ import annotations

import datetime
import hashlib
import inspect
import json
import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.apps import apps
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.factories import PersonFactory, TeamFactory, person_with_login

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "6"))
REPORT = Path(__file__).resolve().parent.parent / "var" / "hostile-input.json"

# --- the values -------------------------------------------------------------------------

MEGABYTE = 1024 * 1024
HOSTILE_STRINGS = [
    "\x00",
    "before\x00after",
    "\ud800",
    "lone \udfff low",
    "Evil\r\nBcc: x@y.test",
    "tab\there",
    "\x1b[31mred",
    "\x7f\x85\x9f",
    "\u202eevil.exe",
    "\u2066isolate",
    "\u200fعلي",
    "\u200b",
    " \u200b\u200c\ufeff ",
    "\u2028line\u2029",
    "²",
    "٣",
    "9" * 5000,
    "1e400",
    "-1",
    "3.5",
    "NaN",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00",
    "",
    "   ",
    "x" * 121,
    "x" * 201,
    "x" * 255,
    "x" * 1001,
    "x" * 5001,
    "x" * 131_073,
    "x" * MEGABYTE,
]
HOSTILE_NUMBERS = [2**31, 2**63, -(2**63) - 1, 2**64, 10**100, -1, 0, 3.5, 1e308, -0.0, 1.0]


def nested(depth: int):
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


WRONG_TYPES = [None, True, False, [], {}, [1, 2], {"a": {"b": 1}}, nested(40), "true"]

hostile_text = st.one_of(
    st.sampled_from(HOSTILE_STRINGS),
    # Any code point, surrogates and control characters included.
    st.text(st.characters(codec=None, exclude_categories=()), max_size=40),
)
hostile_value = st.one_of(
    hostile_text,
    st.sampled_from(HOSTILE_NUMBERS),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(WRONG_TYPES),
)
RAW_BODIES = [
    b"[" * 100_000,
    b"{" * 100_000,
    b'{"a":' * 5_000,
    b'{"name": "first", "name": "second"}',
    b'{"reason": NaN}',
    b'{"reason": Infinity}',
    b'{"reason": "\\ud800"}',
    b'{"reason": "\\u0000"}',
    b"\xff\xfe\x00",
    b"",
    b"null",
    b"[]",
    b'"just a string"',
    b"12345678901234567890123456789",
    b'{"reason": "' + b"x" * (6 * MEGABYTE) + b'"}',
]
ALWAYS_SENT = [b"[" * 100_000, b'{"a":' * 5_000, b'{"name": "first", "name": "second"}']
HOSTILE_CSV = [
    b"email,name,title,team,manager_email\na@x.com,Ann\x00,,,\n",
    b"email,name,title,team,manager_email\na@x.com," + b"n" * 131_073 + b",,,\n",
    b'email,name,title,team,manager_email\na@x.com,"Unterminated,,,\n',
    b"email,name,title,team,manager_email\na@x.com,\xe2\x80\x8b,,,\n",
    b'email,name,title,team,manager_email\na@x.com,"Evil\r\nBcc: x@y.test",,,\n',
    b"email,name,title,team,manager_email\na@x.com,Ann,," + b"t" * 10_000 + b",\n",
    b"\xff\xfe\x00\x00",
    b"",
    b"\x00" * 1000,
    b"email\n" + b"x@x.com\n" * 1000,
]


def url_text(value: str) -> str:
    """Percent-encode as a client would send it; a lone surrogate goes as its raw bytes."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


# --- the world ----------------------------------------------------------------------------


@dataclass
class World:
    ids: dict[str, list[int]]
    token: str
    rater_id: int
    item_id: int
    question_id: int
    users: dict[str, object]
    people: dict[str, int] = field(default_factory=dict)


def build_world() -> World:
    from exports.models import Export
    from feedback import services as feedback_services
    from feedback.models import Cycle, Framework, Rater
    from reports.services import cycle_recompute, results_read
    from tests.feedback.conftest import tokens_from_outbox
    from tests.reports.builders import new_request, open_cycle, questionnaire, respond

    framework = questionnaire()
    team = TeamFactory(name="Product")
    hr = person_with_login(email="hr@example.com", name="Hana HR", hr=True, team=None)
    boss = person_with_login(email="boss@example.com", name="Bo Boss", team=team)
    sam = person_with_login(email="sam@example.com", name="Sam Subject", manager=boss, team=team)
    pat = person_with_login(email="pat@example.com", name="Pat Peer", manager=boss, team=team)
    victim = PersonFactory(email="victim@example.com", name="Vic Tim", manager=boss, team=team)

    # An open cycle: a request about Pat, launched, so raters hold survey links.
    cycle = feedback_services.cycle_create(
        name="Open", closes_at=timezone.now() + datetime.timedelta(days=14), created_by=hr.user
    )
    cycle = feedback_services.cycle_open(cycle=cycle)
    request = feedback_services.request_create(
        cycle=cycle, subject=pat, requested_by=boss.user
    ).request
    mail.outbox.clear()
    feedback_services.request_launch(request=request)
    tokens = tokens_from_outbox()
    survey_rater = Rater.objects.filter(request=request, relationship="peer").first()
    Rater.objects.filter(pk=survey_rater.pk).update(status=Rater.Status.STARTED)

    # A released cycle with figures about Sam, and a closed one.
    released = open_cycle(k=2)
    released_request = new_request(released, subject=sam)
    released_request.requested_by = boss.user
    released_request.save()
    items = list(framework.items.values_list("id", flat=True))
    for relationship, value in (("self", 5), ("boss", 3), ("peer", 2), ("peer", 4)):
        respond(released_request, relationship, dict.fromkeys(items, value))
    cycle_recompute(cycle_id=released.id)
    Cycle.objects.filter(pk=released.pk).update(status=Cycle.Status.RELEASED)
    # Read once, as after a real release: the read marks and the freeze are then in place,
    # so a later reader changes nothing.
    results_read(request=released_request, user=hr.user)
    closed = open_cycle(k=2)
    Cycle.objects.filter(pk=closed.pk).update(status=Cycle.Status.CLOSED)
    # A draft HR is setting up from the pages (issue 14), one participant chosen.
    draft = feedback_services.cycle_create(
        name="Draft", closes_at=timezone.now() + datetime.timedelta(days=30), created_by=hr.user
    )
    feedback_services.cycle_participants_add(cycle=draft, people=[sam.id])
    # Sam's development plan from the released report, shared with Bo (issue 16).
    from development import services as development_services

    plan = development_services.plan_create(
        subject=sam,
        request_id=released_request.id,
        focus=[{"behaviour": "vision", "pole": "leadership"}],
        actions=[{"text": "Share the roadmap", "due_date": timezone.localdate()}],
    )
    development_services.plan_share(plan=plan, user=sam.user, shared=True)
    export = Export.objects.create(
        kind=Export.Kind.TEAM_CSV,
        cycle=released,
        requested_by=hr.user,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    return World(
        ids={
            "people": [victim.id, pat.id, sam.id],
            "cycles": [cycle.id, closed.id, released.id],
            "requests": [request.id, released_request.id],
            "exports": [export.id],
            "drafts": [draft.id],
            "plans": [plan.id],
            "plan_actions": [plan.actions.get().id],
        },
        token=tokens[survey_rater.id],
        rater_id=survey_rater.id,
        item_id=items[0],
        question_id=Framework.objects.get(pk=framework.pk).questions.first().id,
        users={"hr": hr.user, "manager": boss.user, "employee": sam.user},
        people={"hr": hr.id, "manager": boss.id, "employee": sam.id, "victim": victim.id},
    )


def client_for(role: str, world: World) -> Client:
    # A 500 must come back as an answer to count, not as an exception in the test.
    client = Client(raise_request_exception=False)
    if role in world.users:
        client.force_login(world.users[role])
    return client


# --- what a role may not change ---------------------------------------------------------

# Bookkeeping every request may write: sessions and the admin's own log.
# axes: a failed sign-in is recorded (that is the lockout working), whoever sends it.
NEVER_COMPARED = {"sessions", "admin", "contenttypes", "axes"}
# Per role, the tables it may change; anything else must stay byte-for-byte the same.
MAY_CHANGE = {
    "anonymous": set(),
    "survey": set(),  # except its own answers: see snapshot()
    # Anyone logged in may ask for their own data export: a link row and its audit event.
    # The employee (Sam) writes their own development plan; the manager comments on it.
    "employee": {
        "accounts.personexportlink",
        "core.auditevent",
        "development.plan",
        "development.focus",
        "development.action",
        "development.plancomment",
    },
    "manager": {
        "feedback.feedbackrequest",
        "feedback.rater",
        # Removing a rater who has started (never one who submitted) deletes their draft.
        "feedback.rating",
        "feedback.comment",
        "exports.export",
        "reports.gapanalysis",
        "reports.recomputemark",
        "accounts.personexportlink",
        "core.auditevent",
        # Bo is Sam's manager: a comment on Sam's shared plan, or a plan of Bo's own.
        "development.plan",
        "development.focus",
        "development.action",
        "development.plancomment",
    },
    "hr": None,  # HR may change anything; no 5xx and clean text are still required
}


def snapshot(*, own_rater_id: int | None) -> dict[str, str]:
    from feedback.models import Comment, Rater, Rating

    digests = {}
    for model in apps.get_models():
        if model._meta.app_label in NEVER_COMPARED:
            continue
        rows = model.objects.all()
        if own_rater_id is not None:
            if model is Rater:
                rows = rows.exclude(pk=own_rater_id)
            elif model in (Rating, Comment):
                rows = rows.exclude(rater_id=own_rater_id)
        values = sorted(repr(row) for row in rows.values_list())
        digests[model._meta.label_lower] = hashlib.sha256("\n".join(values).encode()).hexdigest()
    return digests


# Every stored line of text obeys the one rule (core.validation): a snapshot of every
# CharField and TextField of the platform's own models, checked after each run.
def stored_text_problems() -> list[str]:
    from django.db import models

    from core.validation import text_problem

    problems = []
    for model in apps.get_models():
        if model._meta.app_label not in (
            "accounts",
            "feedback",
            "development",
            "reports",
            "exports",
        ):
            continue
        for model_field in model._meta.concrete_fields:
            if not isinstance(model_field, models.CharField | models.TextField):
                continue
            if model_field.choices or model_field.name.endswith(("hash", "file")):
                continue
            multiline = isinstance(model_field, models.TextField) or model_field.name in (
                "text",
                "decline_reason",
                "error",
            )
            for pk, value in model.objects.values_list("pk", model_field.name):
                problem = value and text_problem(value, multiline=multiline)
                if problem:
                    problems.append(f"{model._meta.label}.{model_field.name} #{pk}: {problem}")
    return problems


# --- the API, from its schema --------------------------------------------------------------


def api_operations() -> list[dict]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {})
            media = next(iter(body), None)
            fields = {}
            if media:
                ref = body[media]["schema"].get("$ref", "")
                fields = components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
            parameters = operation.get("parameters", [])
            operations.append(
                {
                    "method": method,
                    "path": path,
                    "media": media,
                    "fields": {k: v for k, v in fields.items() if not v.get("readOnly")},
                    "query": [p["name"] for p in parameters if p["in"] == "query"],
                    "path_params": [p["name"] for p in parameters if p["in"] == "path"],
                }
            )
    return operations


_serial = iter(range(10**9))


def base_value(name: str, spec: dict, world: World):
    """A plausible value, so that the one hostile field is what the server must judge."""
    by_name = {
        "email": f"new{next(_serial)}@example.com",
        "subject": world.people["employee"],
        "manager": world.people["manager"],
        "cycle": world.ids["cycles"][-1],
        "request": world.ids["requests"][-1],
        "kind": "team_csv",
        "relationship": "other",
        "closes_at": (timezone.now() + datetime.timedelta(days=30)).isoformat(),
        "ratings": {str(world.item_id): 3},
        "comments": {str(world.question_id): "Fine."},
        "username": "sam@example.com",
        "password": "not the password",
    }
    if name in by_name:
        return by_name[name]
    kind = spec.get("type")
    return {"integer": 3, "number": 1.5, "boolean": True, "object": {}, "array": []}.get(
        kind, "Plain text"
    )


# A well-formed token nobody holds: other roles probe the survey endpoints with it.
UNKNOWN_TOKEN = "u" * 43


def path_value(operation: dict, name: str, world: World, pick, role: str) -> str:
    if name == "token":
        return world.token if role == "survey" else UNKNOWN_TOKEN
    if name == "rater_id":
        return str(world.rater_id)
    if name == "action_id":
        return str(world.ids["plan_actions"][0])
    collection = operation["path"].split("/")[3]
    return str(pick(world.ids.get(collection, [1])))


@dataclass
class Tally:
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    bad_shapes: list[str] = field(default_factory=list)


def call_api(client: Client, operation: dict, world: World, data, tally: Tally, role: str):
    draw = data.draw
    fields = operation["fields"]
    targets = [f"body:{name}" for name in fields]
    targets += [f"query:{name}" for name in operation["query"]]
    targets += [f"path:{name}" for name in operation["path_params"]]
    targets += ["raw"] if operation["media"] else []
    targets += [f"nested:{name}" for name in fields if name in ("ratings", "comments")]
    if not targets:
        targets = ["query:unexpected"]
    target = draw(st.sampled_from(targets))
    kind, _, name = target.partition(":")

    path_params = {
        p: path_value(operation, p, world, lambda ids: draw(st.sampled_from(ids)), role)
        for p in operation["path_params"]
    }
    if kind == "path":
        path_params[name] = url_text(draw(hostile_text))
    path = operation["path"]
    for param, value in path_params.items():
        path = path.replace("{" + param + "}", value)
    if kind == "query":
        path += "?" + f"{quote(name)}={url_text(draw(hostile_text))}"

    headers = {}
    body: bytes | dict | None = None
    content_type = "application/json"
    if operation["media"] == "multipart/form-data" and "file" in fields:
        content = draw(st.sampled_from(HOSTILE_CSV)) if kind in ("body", "raw") else b"email\n"
        from django.core.files.uploadedfile import SimpleUploadedFile

        body = {"file": SimpleUploadedFile("people.csv", content, "text/csv")}
        content_type = None
    elif operation["media"]:
        values = {k: base_value(k, spec, world) for k, spec in fields.items()}
        if kind == "body":
            values[name] = draw(hostile_value)
        elif kind == "nested":
            key = str(world.item_id if name == "ratings" else world.question_id)
            if draw(st.booleans()):
                values[name] = {key: draw(hostile_value)}
            else:
                values[name] = {draw(hostile_text): 3}
        body = draw(st.sampled_from(RAW_BODIES)) if kind == "raw" else json.dumps(values).encode()
    method = getattr(client, operation["method"])
    if body is None:
        response = method(path, **headers)
    elif content_type is None:
        response = method(path, data=body)
    else:
        response = method(path, data=body, content_type=content_type, **headers)
    tally.requests += 1
    keep_the_survey_open(world)
    check_answer(response, f"{role} {operation['method'].upper()} {path[:120]} [{target}]", tally)


def check_answer(response, label: str, tally: Tally) -> None:
    if response.status_code >= 500:
        tally.server_errors.append(f"{label} -> {response.status_code}")
    elif response.status_code >= 400 and response.status_code != 405:
        try:
            shape = set(response.json())
        except ValueError:
            shape = None
        if shape != {"detail", "errors"}:
            tally.bad_shapes.append(f"{label} -> {response.status_code} {shape}")


def keep_the_survey_open(world: World) -> None:
    """A hostile request may well decline or submit the survey; the next one should still
    reach the code that takes answers, so the harness reopens it (not the app)."""
    from feedback.models import Rater

    Rater.objects.filter(pk=world.rater_id).exclude(status=Rater.Status.STARTED).update(
        status=Rater.Status.STARTED, submitted_at=None, declined_at=None, decline_reason=""
    )


# --- the pages, from the URL patterns -----------------------------------------------------


# URL arguments for each named page that takes some. A new page with arguments fails the
# test until it is added here, so nothing escapes the fuzzing unnoticed.
def page_arguments(world: World) -> dict[str, list[dict]]:
    return {
        "report": [{"pk": pk} for pk in world.ids["requests"]],
        "report_remind": [{"pk": world.ids["requests"][0]}],
        "report_pdf": [{"pk": pk} for pk in world.ids["requests"]],
        "reports_cycle_action": [
            {"pk": world.ids["cycles"][0], "action": "close"},
            {"pk": world.ids["cycles"][1], "action": "release"},
        ],
        "survey": [{"token": world.token}, {"token": UNKNOWN_TOKEN}],
        "password_reset_confirm": [{"uidb64": "MQ", "token": "set-password"}],
        "outbox_message": [{"name": "missing.eml"}],
        "reports_approval_decide": [
            {"rater_id": world.rater_id, "decision": "approve"},
            {"rater_id": world.rater_id, "decision": "bogus"},
        ],
        "report_rater_resend": [{"pk": world.ids["requests"][0], "rater_id": world.rater_id}],
        "my_data_download": [{"token": UNKNOWN_TOKEN}],
        # The request pages (issue 14): the manager's launched request about Pat.
        "request_detail": [{"pk": pk} for pk in world.ids["requests"]],
        "request_launch": [{"pk": world.ids["requests"][0]}],
        "request_rater_add": [{"pk": world.ids["requests"][0]}],
        "request_rater_remove": [{"pk": world.ids["requests"][0], "rater_id": world.rater_id}],
        # The set-up pages of a draft, and of an open cycle (whose set-up is over).
        "cycle_settings": [{"pk": world.ids["drafts"][0]}, {"pk": world.ids["cycles"][0]}],
        "cycle_participants": [{"pk": world.ids["drafts"][0]}, {"pk": world.ids["cycles"][0]}],
        "cycle_review": [{"pk": world.ids["drafts"][0]}],
        "reports_cycle_remind": [{"pk": world.ids["cycles"][0]}],
        "survey_open": [{"rater_id": world.rater_id}, {"rater_id": 999999}],
        # HR's review of flagged comments (issue 16): an open and a closed cycle, and a
        # flag that does not exist (every decision, and one that is not a decision).
        "reports_cycle_comments": [{"pk": world.ids["cycles"][0]}, {"pk": world.ids["cycles"][1]}],
        "reports_cycle_comments_screen": [{"pk": world.ids["cycles"][1]}],
        "reports_comment_review": [
            {"flag_id": 999999, "decision": "redact"},
            {"flag_id": 999999, "decision": "keep"},
            {"flag_id": 999999, "decision": "bogus"},
        ],
        # Issue 16: response quality (open, closed, released) and coaches' pages.
        "reports_cycle_quality": [{"pk": pk} for pk in world.ids["cycles"]],
        "reports_cycle_coaches": [{"pk": pk} for pk in world.ids["cycles"]],
        "debrief_record": [{"pk": pk} for pk in world.ids["requests"]],
        "debrief_release": [{"pk": pk} for pk in world.ids["requests"]],
        # Development plans (issue 16): Sam's plan, shared with Bo, and one that is not.
        "plan_detail": [{"pk": world.ids["plans"][0]}, {"pk": 999999}],
        "plan_focus": [{"pk": world.ids["plans"][0]}],
        "plan_action_add": [{"pk": world.ids["plans"][0]}],
        "plan_action": [{"pk": world.ids["plans"][0], "action_id": world.ids["plan_actions"][0]}],
        "plan_share": [{"pk": world.ids["plans"][0]}],
        "plan_comment": [{"pk": world.ids["plans"][0]}],
    }


# Pages left out, and why.
SKIPPED_PAGES = {
    "logout": "it ends the session the rest of the run needs",
}
# scim/: the identity provider's JSON API behind a bearer token, no pages and no session;
# its hostile requests (bad JSON, unknown attributes, filters, paging) are in tests/scim.
SKIPPED_PREFIXES = ("admin/", "api/v1/", "static/", "media/", "scim/")


def _walk(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern


def project_pages(world: World) -> list[tuple[str, str, object]]:
    """(url, name, view) for every page outside the admin and the API."""
    from django.urls import reverse

    arguments = page_arguments(world)
    pages = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(SKIPPED_PREFIXES) or pattern.name in SKIPPED_PAGES:
            continue
        if pattern.pattern.converters:
            if pattern.name not in arguments:
                raise AssertionError(
                    f"page {route!r} ({pattern.name}) takes arguments: add it to page_arguments"
                )
            for kwargs in arguments[pattern.name]:
                pages.append((reverse(pattern.name, kwargs=kwargs), pattern.name, pattern.callback))
        else:
            pages.append((reverse(pattern.name), pattern.name, pattern.callback))
    return sorted(set(pages), key=lambda page: page[0])


def query_parameters_read_by(view) -> set[str]:
    """Every query parameter a view's module reads (request.GET / query_params)."""
    module = inspect.getmodule(getattr(view, "view_class", view))
    try:
        source = inspect.getsource(module)
    except (OSError, TypeError):
        return set()
    return set(re.findall(r"(?:GET|query_params)(?:\.get\(|\[)\s*[\"'](\w+)[\"']", source))


class FormParser(HTMLParser):
    """Every form of a page: method, action and its fields' default values."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "method": (attrs.get("method") or "get").lower(),
                    "action": attrs.get("action") or "",
                    "fields": {},
                    "files": set(),
                }
            )
            return
        if not self.forms or "name" not in attrs:
            return
        form = self.forms[-1]
        name = attrs["name"]
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind == "file":
                form["files"].add(name)
            elif kind in ("radio", "checkbox"):
                form["fields"].setdefault(name, attrs.get("value", "on"))
            elif kind not in ("submit", "button", "image", "reset"):
                form["fields"][name] = attrs.get("value", "")
            elif kind == "submit":
                form["fields"].setdefault(name, attrs.get("value", ""))
        elif tag in ("select", "textarea"):
            form["fields"][name] = ""
        elif tag == "button" and attrs.get("value") is not None:
            form["fields"].setdefault(name, attrs["value"])


def forms_of(html: str) -> list[dict]:
    parser = FormParser()
    parser.feed(html)
    return parser.forms


def page_targets(client: Client, pages, role: str, tally: Tally) -> list[tuple]:
    targets = []
    for url, _name, view in pages:
        response = client.get(url)
        tally.requests += 1
        if response.status_code >= 500:
            tally.server_errors.append(f"{role} GET {url} -> {response.status_code}")
        # A page that sends the role to the login or refuses it still gets probed.
        kind = "query" if response.status_code < 300 else "refused"
        for parameter in sorted(query_parameters_read_by(view) | {"page"}):
            targets.append((kind, url, parameter, None))
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for form in forms_of(response.content.decode()):
            action = form["action"] or url
            if not action.startswith("/"):
                continue
            for field_name in sorted(form["fields"]) + sorted(form["files"]):
                if field_name == "csrfmiddlewaretoken":
                    continue
                targets.append((form["method"], action, field_name, form))
    return targets


def call_page(client: Client, target: tuple, world: World, data, tally: Tally, role: str):
    kind, url, name, form = target
    values = {}
    if kind in ("query", "refused"):
        values[name] = data.draw(hostile_text)
        response = client.get(f"{url}?{quote(name)}={url_text(values[name])}")
    else:
        values = {k: v for k, v in form["fields"].items() if k != "csrfmiddlewaretoken"}
        files = {}
        for file_field in form["files"]:
            from django.core.files.uploadedfile import SimpleUploadedFile

            content = data.draw(st.sampled_from(HOSTILE_CSV)) if file_field == name else b""
            files[file_field] = SimpleUploadedFile("people.csv", content, "text/csv")
        if name not in form["files"]:
            # Form posts carry text; a lone surrogate arrives as the bytes a client sends.
            values[name] = (
                data.draw(hostile_text).encode("utf-8", "surrogatepass").decode("utf-8", "replace")
            )
        if kind == "get":
            response = client.get(url + "?" + urlencode(values))
        else:
            response = client.post(url, {**values, **files})
    tally.requests += 1
    keep_the_survey_open(world)
    if response.status_code >= 500:
        value = repr(values.get(name))[:60]
        tally.server_errors.append(f"{role} {kind.upper()} {url} [{name}={value}] -> 500")


# --- the test ------------------------------------------------------------------------------

# A target that refuses the role outright (401/403, or a page that redirects to the
# login) must refuse before reading anything: a few probes show it, the budget goes to
# the targets that read the input.
REFUSED_EXAMPLES = 2


def run_settings(examples: int):
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,  # the same requests every run: a failure can be replayed
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],  # every answer is tallied; nothing to shrink
    )


def api_run(client, operation, world, tally, role):
    path = operation["path"]
    for param in operation["path_params"]:
        path = path.replace("{" + param + "}", path_value(operation, param, world, min, role))
    method = getattr(client, operation["method"])
    probe = method(path)
    tally.requests += 1
    refused = probe.status_code in (401, 403)
    if operation["media"] and "file" not in operation["fields"]:
        # The bodies that once broke every endpoint go to every one, every run.
        for body in ALWAYS_SENT:
            response = method(path, data=body, content_type="application/json")
            tally.requests += 1
            keep_the_survey_open(world)
            label = f"{role} {operation['method'].upper()} {path} [{body[:12]!r}...]"
            check_answer(response, label, tally)

    @run_settings(REFUSED_EXAMPLES if refused else EXAMPLES)
    @given(data=st.data())
    def run(data):
        call_api(client, operation, world, data, tally, role)

    run()


def page_run(client, target, world, tally, role):
    @run_settings(EXAMPLES if target[0] != "refused" else REFUSED_EXAMPLES)
    @given(data=st.data())
    def run(data):
        call_page(client, target, world, data, tally, role)

    run()


def fuzz_role(role: str, world: World, client: Client) -> Tally:
    tally = Tally()
    for operation in api_operations():
        if role == "survey" and not operation["path"].startswith("/api/v1/survey/"):
            continue

        api_run(client, operation, world, tally, role)

    pages = project_pages(world)
    if role == "survey":
        pages = [page for page in pages if page[1] == "survey" and world.token in page[0]]
    else:
        pages = [page for page in pages if world.token not in page[0]]
    for target in page_targets(client, pages, role, tally):
        page_run(client, target, world, tally, role)
    return tally


def _record(role: str, tally: Tally, seconds: float) -> None:
    import fcntl

    from django.db import connection

    REPORT.parent.mkdir(parents=True, exist_ok=True)
    # The roles may run in two test processes at once (make test): one writer at a time, so
    # neither drops the other's entry.
    with open(REPORT.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _record_locked(role, tally, seconds, connection.vendor)


def _record_locked(role: str, tally: Tally, seconds: float, vendor: str) -> None:
    try:
        report = json.loads(REPORT.read_text())
    except (OSError, ValueError):
        report = {}
    report[role] = {
        "requests": tally.requests,
        "server_errors": len(tally.server_errors),
        "bad_error_shapes": len(tally.bad_shapes),
        "examples_per_target": EXAMPLES,
        "database": vendor,
        "seconds": round(seconds, 1),
    }
    REPORT.write_text(json.dumps(report, indent=2, sort_keys=True))


ROLES = ["anonymous", "survey", "employee", "manager", "hr"]  # HR last: it may change anything


def test_no_hostile_input_gets_a_server_error_or_changes_what_the_role_may_not(settings):
    import time

    settings.SURVEY_GUESS_LIMIT = 10**6  # count every request, not the guessing limit's 429s
    world = build_world()
    # Logging in writes last_login: done for every role before any snapshot.
    clients = {role: client_for(role, world) for role in ROLES}
    failures = []
    for role in ROLES:
        started = time.monotonic()
        own_rater = world.rater_id if role == "survey" else None
        before = snapshot(own_rater_id=own_rater)
        tally = fuzz_role(role, world, clients[role])
        after = snapshot(own_rater_id=own_rater)
        _record(role, tally, time.monotonic() - started)
        allowed = MAY_CHANGE[role]
        changed = [table for table in before if before[table] != after.get(table)]
        forbidden = [] if allowed is None else [t for t in changed if t not in allowed]
        assert tally.requests > 0
        if tally.server_errors:
            failures.append(
                f"{role}: {len(tally.server_errors)} server errors in {tally.requests} requests:"
            )
            failures += tally.server_errors[:40]
        if tally.bad_shapes:
            failures.append(f"{role}: API errors not in the documented shape:")
            failures += tally.bad_shapes[:40]
        if forbidden:
            failures.append(f"{role} changed what it may not: {forbidden}")
    failures += stored_text_problems()[:40]
    assert not failures, "\n".join(failures)


def test_the_page_discovery_finds_every_form_of_the_project():
    """The fuzzing above is only as good as what it finds: the forms people use."""
    world = build_world()
    tally = Tally()
    hr_targets = page_targets(client_for("hr", world), project_pages(world), "hr", tally)
    fields = {(url.split("?")[0], name) for _, url, name, _ in hr_targets}
    assert ("/people/", "q") in fields
    assert ("/people/invite/", "email") in fields
    assert ("/people/import/", "file") in fields
    assert ("/reports/hr/", "cycle") in fields
    assert ("/reports/exports/", "team") in fields
    assert ("/accounts/password_reset/", "email") in fields
    survey = page_targets(
        client_for("anonymous", world), [(f"/s/{world.token}/", "survey", None)], "x", tally
    )
    names = {name for _, _, name, _ in survey}
    assert f"rating_{world.item_id}" in names and f"comment_{world.question_id}" in names
    assert "reason" in names
    assert not tally.server_errors
