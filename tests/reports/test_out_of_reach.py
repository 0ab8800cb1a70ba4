"""Issue 11 finding 5: out of reach looks exactly like not there, on every endpoint and page.

For each endpoint that takes an id, the reply for an object that exists but is out of the
caller's reach is compared byte for byte with the reply for an id that does not exist,
as a manager, an employee and anonymously. Any difference (a status, a message, a field
error, a state refusal) would confirm that the object exists. HR reaches everything, so
HR has nothing to compare.
"""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from exports.models import Export
from feedback.models import Cycle, FeedbackRequest, Rater
from tests.factories import person_with_login
from tests.reports.builders import open_cycle

pytestmark = pytest.mark.django_db

MISSING = 987654  # an id no row has
NOT_FOUND = {"detail": "Not found.", "errors": {}}


class World:
    """HR; Mia manages Sam; Otto is outside her line. One cycle in each state (names that
    can be searched for), requests about Sam and Otto, a rater, and an export by HR."""

    def __init__(self):
        self.hr = person_with_login(email="hr@example.com", name="Hana", hr=True)
        self.mia = person_with_login(email="mia@example.com", name="Mia")
        self.sam = person_with_login(email="sam@example.com", name="Sam", manager=self.mia)
        self.otto = person_with_login(email="otto@example.com", name="Otto")
        self.cycles = {}
        for status in ("draft", "open", "closed", "released"):
            cycle = open_cycle(k=2)
            Cycle.objects.filter(pk=cycle.pk).update(status=status, name=f"{status} cycle name")
            self.cycles[status] = cycle
        self.requests = {}
        for status in ("open", "closed", "released"):
            for who, by in (("sam", self.mia), ("otto", self.hr)):
                self.requests[f"{who}_{status}"] = FeedbackRequest.objects.create(
                    cycle=self.cycles[status], subject=getattr(self, who), requested_by=by.user
                ).id
        self.otto_rater = Rater.objects.create(
            request_id=self.requests["otto_open"],
            relationship="peer",
            email="r@example.com",
            status=Rater.Status.INVITED,
        ).id
        self.hr_export = Export.objects.create(
            kind=Export.Kind.TEAM_CSV,
            cycle=self.cycles["released"],
            requested_by=self.hr.user,
            expires_at=timezone.now() + datetime.timedelta(days=7),
        ).id

    def client(self, role: str) -> Client:
        client = Client()
        if role != "anonymous":
            client.force_login({"manager": self.mia, "employee": self.sam}[role].user)
        return client

    def target(self, name: str) -> int:
        if name in self.cycles:
            return self.cycles[name].id
        if name in self.requests:
            return self.requests[name]
        return {
            "otto_rater": self.otto_rater,
            "hr_export": self.hr_export,
            "otto": self.otto.id,
            "sam": self.sam.id,
            "mia": self.mia.id,
        }[name]


# name: (method, path, body, {role: what is out of that role's reach}, status when logged in)
# In path and body, {id} is the id compared; {sam}, {open}, ... name fixed objects.
API = {
    "cycle-detail": ("get", "/api/v1/cycles/{id}/", None, {"manager": "open"}, 404),
    "cycle-open": ("post", "/api/v1/cycles/{id}/open/", None, {"manager": "draft"}, 404),
    "cycle-close": ("post", "/api/v1/cycles/{id}/close/", None, {"manager": "open"}, 404),
    "cycle-release": ("post", "/api/v1/cycles/{id}/release/", None, {"manager": "closed"}, 404),
    "cycle-reopen": (
        "post",
        "/api/v1/cycles/{id}/reopen/",
        {"closes_at": "2099-01-01T00:00:00Z"},
        {"manager": "closed"},
        404,
    ),
    "cycle-purge": (
        "post",
        "/api/v1/cycles/{id}/purge-answers/",
        None,
        {"manager": "released"},
        404,
    ),
    "cycle-request-closed": (
        "post",
        "/api/v1/cycles/{id}/requests/",
        {"subject": "{sam}"},
        {"manager": "closed", "employee": "open"},
        404,
    ),
    "cycle-request-draft": (
        "post",
        "/api/v1/cycles/{id}/requests/",
        {"subject": "{sam}"},
        {"manager": "draft", "employee": "draft"},
        404,
    ),
    "cycle-request-bad-body": (
        "post",
        "/api/v1/cycles/{id}/requests/",
        {"subject": "not a number"},
        {"manager": "closed", "employee": "open"},
        404,
    ),
    "cycle-request-subject": (
        "post",
        "/api/v1/cycles/{open}/requests/",
        {"subject": "{id}"},
        {"manager": "otto", "employee": "sam"},
        404,
    ),
    "team-report": (
        "get",
        "/api/v1/cycles/{id}/team-report/",
        None,
        {"manager": "closed", "employee": "released"},
        404,
    ),
    "team-report-draft": (
        "get",
        "/api/v1/cycles/{id}/team-report/",
        None,
        {"manager": "draft"},
        404,
    ),
    "request-detail": (
        "get",
        "/api/v1/requests/{id}/",
        None,
        {"manager": "otto_open", "employee": "sam_open"},
        404,
    ),
    "raters-list": (
        "get",
        "/api/v1/requests/{id}/raters/",
        None,
        {"manager": "otto_open", "employee": "sam_open"},
        404,
    ),
    "raters-add": (
        "post",
        "/api/v1/requests/{id}/raters/",
        {"email": "x@example.org", "relationship": "other"},
        {"manager": "otto_open", "employee": "sam_open"},
        404,
    ),
    "rater-remove": (
        "delete",
        "/api/v1/requests/{id}/raters/{otto_rater}/",
        None,
        {"manager": "otto_open", "employee": "sam_open"},
        404,
    ),
    "rater-of-another-request": (
        "delete",
        "/api/v1/requests/{sam_open}/raters/{id}/",
        None,
        {"manager": "otto_rater"},
        404,
    ),
    "rater-resend": (
        "post",
        "/api/v1/requests/{sam_open}/raters/{id}/resend/",
        None,
        {"manager": "otto_rater"},
        404,
    ),
    "request-launch": (
        "post",
        "/api/v1/requests/{id}/launch/",
        None,
        {"manager": "otto_open", "employee": "sam_open"},
        404,
    ),
    "request-progress": (
        "get",
        "/api/v1/requests/{id}/progress/",
        None,
        {"manager": "otto_open", "employee": "otto_open"},
        404,
    ),
    "results": (
        "get",
        "/api/v1/requests/{id}/results/",
        None,
        {"manager": "otto_released", "employee": "otto_released"},
        404,
    ),
    "results-closed": (
        "get",
        "/api/v1/requests/{id}/results/",
        None,
        {"manager": "otto_closed", "employee": "otto_closed"},
        404,
    ),
    "export-cycle": (
        "post",
        "/api/v1/exports/",
        {"kind": "team_csv", "cycle": "{id}"},
        {"manager": "closed", "employee": "released"},
        404,
    ),
    "export-cycle-draft": (
        "post",
        "/api/v1/exports/",
        {"kind": "bundle_zip", "cycle": "{id}"},
        {"manager": "draft", "employee": "draft"},
        404,
    ),
    "export-individual-without-request": (
        "post",
        "/api/v1/exports/",
        {"kind": "individual_pdf", "cycle": "{id}"},
        {"manager": "closed", "employee": "released"},
        404,
    ),
    "export-request": (
        "post",
        "/api/v1/exports/",
        {"kind": "individual_pdf", "cycle": "{released}", "request": "{id}"},
        {"manager": "otto_released", "employee": "sam_released"},
        404,
    ),
    "export-detail": (
        "get",
        "/api/v1/exports/{id}/",
        None,
        {"manager": "hr_export", "employee": "hr_export"},
        404,
    ),
    "export-download": (
        "get",
        "/api/v1/exports/{id}/download/",
        None,
        {"manager": "hr_export", "employee": "hr_export"},
        404,
    ),
    "person-detail": (
        "get",
        "/api/v1/people/{id}/",
        None,
        {"manager": "otto", "employee": "mia"},
        404,
    ),
    "person-update": (
        "patch",
        "/api/v1/people/{id}/",
        {"title": "Changed"},
        {"manager": "otto", "employee": "mia"},
        404,
    ),
    "person-export": (
        "get",
        "/api/v1/people/{id}/export/",
        None,
        {"manager": "otto", "employee": "mia"},
        404,
    ),
    "person-erase": (
        "post",
        "/api/v1/people/{id}/erase/",
        None,
        {"manager": "otto", "employee": "mia"},
        404,
    ),
}

PAGES = {
    "report-page": (
        "get",
        "/reports/requests/{id}/",
        None,
        {"manager": "otto_released", "employee": "otto_released"},
        404,
    ),
    "remind": (
        "post",
        "/reports/requests/{id}/remind/",
        None,
        {"manager": "otto_open", "employee": "sam_open"},
        404,
    ),
    "cycle-confirm": (
        "get",
        "/reports/hr/cycles/{id}/open/",
        None,
        {"manager": "draft", "employee": "draft"},
        404,
    ),
    "cycle-action": (
        "post",
        "/reports/hr/cycles/{id}/close/",
        None,
        {"manager": "open", "employee": "open"},
        404,
    ),
    # Refusals on the exports form: the form again (400) with the message.
    "exports-form": (
        "post",
        "/reports/exports/",
        {"kind": "team_csv", "cycle": "{id}"},
        {"manager": "closed", "employee": "released"},
        400,
    ),
    "exports-form-request": (
        "post",
        "/reports/exports/",
        {"kind": "individual_pdf", "cycle": "{released}", "request": "{id}"},
        {"manager": "otto_released", "employee": "sam_released"},
        400,
    ),
    "manager-heatmap": (
        "get",
        "/reports/manager/?cycle={id}",
        None,
        {"manager": "closed"},
        200,
    ),
}


def fill(template, world: World, target: int):
    """``template`` with {id} as ``target`` and every other {name} as that object's id."""
    if template is None:
        return None
    if isinstance(template, dict):
        return {key: fill(value, world, target) for key, value in template.items()}
    if isinstance(template, str):
        names = re.findall(r"\{(\w+)\}", template)
        if template.startswith("{") and template.endswith("}") and len(names) == 1:
            return target if names[0] == "id" else world.target(names[0])
        for name in names:
            value = target if name == "id" else world.target(name)
            template = template.replace(f"{{{name}}}", str(value))
    return template


def call(world: World, client: Client, spec: tuple, target: int, *, page: bool):
    method, path, body, _, _ = spec
    url, data = fill(path, world, target), fill(body, world, target)
    if page:
        send = getattr(client, method)
        return send(url, data or {}, follow=method == "post")
    if data is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


def seen_by_the_caller(response, target: int, prefix: str | None) -> tuple:
    """Everything the caller receives, with the asked-for id itself (in a login redirect,
    say) and per-render CSRF values written the same way.

    Only the id where the asked-for path puts it (after ``prefix``, e.g.
    ``/reports/requests/``) is rewritten: the same number elsewhere on a page (a link to
    another object that happens to share it) is not the asked-for id."""
    from urllib.parse import quote

    def same(text: str) -> str:
        if prefix is not None:
            text = text.replace(f"{prefix}{target}/", f"{prefix}{{id}}/")
            encoded = quote(prefix, safe="")
            text = text.replace(f"{encoded}{target}%2F", f"{encoded}{{id}}%2F")
        text = text.replace(f"cycle={target}", "cycle={id}").replace(f"%3D{target}", "%3D{id}")
        return re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+"', r'\1"', text)

    return (
        response.status_code,
        response.get("Content-Type"),
        same(response.get("Location", "")),
        [same(url) for url, _ in getattr(response, "redirect_chain", [])],
        same(response.content.decode()),
    )


def cases(table: dict) -> list:
    return [
        pytest.param(name, role, id=f"{name}-{role}")
        for name, spec in table.items()
        for role in ("manager", "employee", "anonymous")
        if role == "anonymous" or role in spec[3]
    ]


def compare(table: dict, name: str, role: str, *, page: bool) -> tuple:
    world = World()
    spec = table[name]
    reach = spec[3]
    out_of_reach = world.target(reach.get(role) or next(iter(reach.values())))
    client = world.client(role)
    path = spec[1]
    prefix = fill(path.split("{id}")[0], world, out_of_reach) if "{id}/" in path else None
    there = seen_by_the_caller(
        call(world, client, spec, out_of_reach, page=page), out_of_reach, prefix
    )
    missing = seen_by_the_caller(call(world, client, spec, MISSING, page=page), MISSING, prefix)
    assert there == missing
    return there, spec[4]


@pytest.mark.parametrize(("name", "role"), cases(API))
def test_the_api_answers_out_of_reach_exactly_as_not_there(name, role):
    (status, _, _, _, body), expected = compare(API, name, role, page=False)
    if role == "anonymous":
        assert status == 401
        return
    assert status == expected
    if name == "cycle-request-subject" and role == "manager":
        # The open cycle is hers; the subject is looked up among the people she can see.
        assert json.loads(body)["errors"] == {"subject": ["Unknown person."]}
    else:
        assert json.loads(body) == NOT_FOUND


@pytest.mark.parametrize(("name", "role"), cases(PAGES))
def test_the_pages_answer_out_of_reach_exactly_as_not_there(name, role):
    (status, _, location, _, _), expected = compare(PAGES, name, role, page=True)
    if role == "anonymous":
        if status == 302:  # a GET is sent to the login page
            assert location.startswith("/accounts/login/")
        else:  # a POST followed to the login page
            assert status == 200
        return
    assert status == expected


def test_the_exports_page_names_only_cycles_the_reader_could_export():
    world = World()

    def named(role_client: Client) -> set[str]:
        page = role_client.get("/reports/exports/").content.decode()
        return {status for status in world.cycles if f"{status} cycle name" in page}

    hr = Client()
    hr.force_login(world.hr.user)
    assert named(hr) == {"closed", "released"}
    assert named(world.client("manager")) == {"released"}
    assert named(world.client("employee")) == set()
