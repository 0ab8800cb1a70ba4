"""Who may call what: every endpoint of the contract against every role (pretix style).

One table, read row by row: the status each role gets. An object out of reach answers
404 (its existence is not confirmed); a role refused a whole HR-only collection answers
403; nobody logged in answers 401; only HR reads results before release.
"""

from __future__ import annotations

import io

import pytest
from rest_framework.test import APIClient

from feedback.models import Cycle, FeedbackRequest, Rater
from reports.services import cycle_recompute
from tests.factories import PersonFactory, person_with_login
from tests.reports.builders import invited, items_of, open_cycle, respond

pytestmark = pytest.mark.django_db

ROLES = ("hr", "subject", "boss", "grand", "peer", "outsider", "anonymous", "rater")

# endpoint               hr  subject boss grand peer outsider anonymous rater-token
MATRIX = """
people-list              200 200 200 200 200 200 401 401
people-create            201 403 403 403 403 403 401 401
people-import            200 403 403 403 403 403 401 401
people-detail            200 404 200 200 404 404 401 401
people-update            200 404 403 403 404 404 401 401
cycles-list              200 403 403 403 403 403 401 401
cycles-create            201 403 403 403 403 403 401 401
cycle-detail             200 404 404 404 404 404 401 401
cycle-open               200 404 404 404 404 404 401 401
cycle-close              200 404 404 404 404 404 401 401
cycle-release            200 404 404 404 404 404 401 401
cycle-reopen             200 404 404 404 404 404 401 401
cycle-request-create     201 404 201 201 404 404 401 401
request-detail           200 404 200 404 404 404 401 401
raters-list              200 404 200 404 404 404 401 401
raters-add               201 404 201 404 404 404 401 401
rater-remove             204 404 204 404 404 404 401 401
rater-resend             200 404 200 404 404 404 401 401
request-launch           200 404 200 404 404 404 401 401
request-progress         200 200 200 404 404 404 401 401
results-released         200 200 200 200 404 404 401 401
results-closed           200 409 409 409 404 404 401 401
results-open             409 409 409 409 404 404 401 401
team-report-released     200 404 200 200 404 404 401 401
team-report-closed       200 404 404 404 404 404 401 401
team-report-open         409 404 409 409 404 404 401 401
survey-get               200 200 200 200 200 200 200 200
survey-wrong-token       404 404 404 404 404 404 404 404
survey-decline           200 200 200 200 200 200 200 200
"""

EXPECTED = {
    line.split()[0]: dict(zip(ROLES, map(int, line.split()[1:]), strict=True))
    for line in MATRIX.strip().splitlines()
}


class World:
    """An organisation with one cycle in each state, built afresh for every call."""

    def __init__(self):
        self.grand = person_with_login(email="grand@example.com", name="Grace")
        self.boss = person_with_login(email="boss@example.com", name="Bo", manager=self.grand)
        self.subject = person_with_login(email="sub@example.com", name="Sam", manager=self.boss)
        self.peer = person_with_login(email="peer@example.com", name="Pat", manager=self.boss)
        self.newcomer = PersonFactory(email="new@example.com", name="Nell", manager=self.boss)
        self.outsider = person_with_login(email="out@example.com", name="Otto")
        self.hr = person_with_login(email="hr@example.com", name="Hana", hr=True)

        self.draft = open_cycle(k=2)
        Cycle.objects.filter(pk=self.draft.pk).update(status=Cycle.Status.DRAFT)
        self.open = open_cycle(k=2)
        self.open_request = self.request(self.open)
        self.rater, self.token = invited(self.open_request, "peer")
        self.pending = Rater.objects.create(
            request=self.open_request, relationship="peer", email="pending@example.com"
        )
        self.closed = self.answered_cycle(Cycle.Status.CLOSED)
        self.released = self.answered_cycle(Cycle.Status.RELEASED)

    def request(self, cycle):
        return FeedbackRequest.objects.create(
            cycle=cycle, subject=self.subject, requested_by=self.boss.user
        )

    def answered_cycle(self, status):
        cycle = open_cycle(k=2)
        request = self.request(cycle)
        respond(request, "boss", {item.id: 4 for item in items_of(cycle)})
        cycle_recompute(cycle_id=cycle.id)
        Cycle.objects.filter(pk=cycle.pk).update(status=status)
        cycle.request_id = request.id
        return cycle

    def client(self, role):
        client = APIClient()
        if role == "rater":
            # A survey token is not an API credential.
            client.credentials(HTTP_AUTHORIZATION=f"Token {self.token}")
        elif role != "anonymous":
            client.force_authenticate(getattr(self, role).user)
        return client


def csv_file():
    upload = io.BytesIO(b"email,name,title,team,manager_email\nz@example.com,Zed,,,\n")
    upload.name = "people.csv"
    return upload


def call(world: World, endpoint: str, client: APIClient):
    w = world
    r = w.open_request.id
    calls = {
        "people-list": lambda: client.get("/api/v1/people/"),
        "people-create": lambda: client.post(
            "/api/v1/people/", {"email": "x@example.com", "name": "X"}, format="json"
        ),
        "people-import": lambda: client.post(
            "/api/v1/people/import/", {"file": csv_file()}, format="multipart"
        ),
        "people-detail": lambda: client.get(f"/api/v1/people/{w.subject.id}/"),
        "people-update": lambda: client.patch(
            f"/api/v1/people/{w.subject.id}/", {"title": "Lead"}, format="json"
        ),
        "cycles-list": lambda: client.get("/api/v1/cycles/"),
        "cycles-create": lambda: client.post(
            "/api/v1/cycles/", {"name": "Q9", "closes_at": "2099-01-01T00:00:00Z"}, format="json"
        ),
        "cycle-detail": lambda: client.get(f"/api/v1/cycles/{w.open.id}/"),
        "cycle-open": lambda: client.post(f"/api/v1/cycles/{w.draft.id}/open/"),
        "cycle-close": lambda: client.post(f"/api/v1/cycles/{w.open.id}/close/"),
        "cycle-release": lambda: client.post(f"/api/v1/cycles/{w.closed.id}/release/"),
        "cycle-reopen": lambda: client.post(
            f"/api/v1/cycles/{w.closed.id}/reopen/",
            {"closes_at": "2099-01-01T00:00:00Z"},
            format="json",
        ),
        "cycle-request-create": lambda: client.post(
            f"/api/v1/cycles/{w.open.id}/requests/", {"subject": w.newcomer.id}, format="json"
        ),
        "request-detail": lambda: client.get(f"/api/v1/requests/{r}/"),
        "raters-list": lambda: client.get(f"/api/v1/requests/{r}/raters/"),
        "raters-add": lambda: client.post(
            f"/api/v1/requests/{r}/raters/",
            {"email": "ext@example.org", "relationship": "other"},
            format="json",
        ),
        "rater-remove": lambda: client.delete(f"/api/v1/requests/{r}/raters/{w.pending.id}/"),
        "rater-resend": lambda: client.post(f"/api/v1/requests/{r}/raters/{w.rater.id}/resend/"),
        "request-launch": lambda: client.post(f"/api/v1/requests/{r}/launch/"),
        "request-progress": lambda: client.get(f"/api/v1/requests/{r}/progress/"),
        "results-released": lambda: client.get(
            f"/api/v1/requests/{w.released.request_id}/results/"
        ),
        "results-closed": lambda: client.get(f"/api/v1/requests/{w.closed.request_id}/results/"),
        "results-open": lambda: client.get(f"/api/v1/requests/{r}/results/"),
        "team-report-released": lambda: client.get(f"/api/v1/cycles/{w.released.id}/team-report/"),
        "team-report-closed": lambda: client.get(f"/api/v1/cycles/{w.closed.id}/team-report/"),
        "team-report-open": lambda: client.get(f"/api/v1/cycles/{w.open.id}/team-report/"),
        "survey-get": lambda: client.get(f"/api/v1/survey/{w.token}/"),
        "survey-wrong-token": lambda: client.get("/api/v1/survey/not-a-real-token/"),
        "survey-decline": lambda: client.post(
            f"/api/v1/survey/{w.token}/decline/", {"reason": "away"}, format="json"
        ),
    }
    return calls[endpoint]()


@pytest.mark.parametrize(
    ("endpoint", "role", "expected"),
    [(e, role, status) for e, row in EXPECTED.items() for role, status in row.items()],
)
def test_permission_matrix(endpoint, role, expected):
    world = World()
    response = call(world, endpoint, world.client(role))
    assert response.status_code == expected, response.content[:300]
    if expected >= 400:
        assert set(response.json()) == {"detail", "errors"}


def test_it_shows_a_manager_only_their_line_in_the_people_list():
    world = World()
    names = [p["name"] for p in world.client("boss").get("/api/v1/people/").json()["results"]]
    assert names == ["Nell", "Pat", "Sam"]
    assert world.client("peer").get("/api/v1/people/").json()["count"] == 0
