"""The people API: who reads whom, HR writes, the import endpoint, the error shape."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Person

pytestmark = pytest.mark.django_db


def emails(response):
    return sorted(p["email"] for p in response.json()["results"])


def test_it_lets_hr_list_everyone(org, api_as):
    response = api_as(org["hr"]).get("/api/v1/people/")
    assert response.status_code == 200
    assert response.json()["count"] == 7


def test_it_shows_a_manager_their_whole_line_at_any_depth(org, api_as):
    response = api_as(org["vp"]).get("/api/v1/people/")
    assert emails(response) == ["dev@example.com", "lead@example.com", "peer@example.com"]


def test_it_shows_an_employee_without_reports_nobody(org, api_as):
    assert api_as(org["dev"]).get("/api/v1/people/").json()["count"] == 0


def test_it_answers_404_for_someone_outside_the_managers_line(org, api_as):
    client = api_as(org["lead"])
    assert client.get(f"/api/v1/people/{org['dev'].id}/").status_code == 200
    response = client.get(f"/api/v1/people/{org['vp'].id}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "errors": {}}


def test_it_refuses_anonymous_clients_with_401(org, api_as):
    response = api_as().get("/api/v1/people/")
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "errors"}


def test_it_accepts_token_auth(org, client):
    org["hr"].user.set_password("s3cret-pass-word")
    org["hr"].user.save()
    token = client.post(
        "/api/v1/auth/token/",
        {"username": "HR@example.com", "password": "s3cret-pass-word"},
        content_type="application/json",
    ).json()["token"]
    response = client.get("/api/v1/people/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200


def test_it_filters_by_team_and_validates_filters(org, api_as):
    client = api_as(org["hr"])
    assert client.get("/api/v1/people/", {"team": "product"}).json()["count"] == 6
    response = client.get("/api/v1/people/", {"manager": "not-a-number"})
    assert response.status_code == 400
    assert "manager" in response.json()["errors"]


def test_it_lets_hr_create_and_patch_people(org, api_as):
    client = api_as(org["hr"])
    response = client.post(
        "/api/v1/people/",
        {"email": "New@Example.com", "name": "Nia New", "team": "Sales", "manager": org["vp"].id},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["email"], body["team"], body["manager"]) == (
        "new@example.com",
        "Sales",
        org["vp"].id,
    )
    response = client.patch(f"/api/v1/people/{body['id']}/", {"title": "Lead"}, format="json")
    assert response.status_code == 200
    assert Person.objects.get(pk=body["id"]).title == "Lead"


def test_it_refuses_a_duplicate_email_with_409(org, api_as):
    response = api_as(org["hr"]).post(
        "/api/v1/people/", {"email": "DEV@example.com", "name": "Dup"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["errors"] == {"email": ["This email is already in use."]}


def test_it_refuses_a_patch_that_would_make_a_reporting_loop(org, api_as):
    response = api_as(org["hr"]).patch(
        f"/api/v1/people/{org['vp'].id}/", {"manager": org["dev"].id}, format="json"
    )
    assert response.status_code == 400
    assert "manager" in response.json()["errors"]
    org["vp"].refresh_from_db()
    assert org["vp"].manager_id == org["ceo"].id


def test_it_refuses_writes_by_managers(org, api_as):
    client = api_as(org["vp"])
    assert client.post("/api/v1/people/", {"email": "a@b.com", "name": "A"}).status_code == 403
    response = client.patch(f"/api/v1/people/{org['dev'].id}/", {"title": "x"}, format="json")
    assert response.status_code == 403


def upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("people.csv", text.encode(), content_type="text/csv")


def test_it_imports_a_file_posted_by_hr(org, api_as):
    response = api_as(org["hr"]).post(
        "/api/v1/people/import/",
        {
            "file": upload(
                "email,name,title,team,manager_email\nnew@example.com,New,,Sales,ceo@example.com\n"
            )
        },
        format="multipart",
    )
    assert response.status_code == 200
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0, "rows": 1}


def test_it_lists_import_errors_in_the_error_shape(org, api_as):
    response = api_as(org["hr"]).post(
        "/api/v1/people/import/",
        {"file": upload("email,name,title,team,manager_email\nbad,B,,,\n")},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Nothing was imported: 1 error in the file.",
        "errors": {"file": ["line 2: bad email 'bad'."]},
    }


def test_it_asks_for_the_file_when_none_is_posted(org, api_as):
    response = api_as(org["hr"]).post("/api/v1/people/import/", {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["errors"]


def test_it_keeps_the_import_endpoint_for_hr(org, api_as):
    response = api_as(org["vp"]).post(
        "/api/v1/people/import/", {"file": upload("email,name,title,team,manager_email\n")}
    )
    assert response.status_code == 403


def test_it_lists_people_in_a_fixed_number_of_queries(org, api_as, django_assert_max_num_queries):
    from tests.factories import PersonFactory

    client = api_as(org["hr"])
    client.get("/api/v1/people/")  # warm the auth caches
    with django_assert_max_num_queries(4) as small:
        before = client.get("/api/v1/people/")
    assert before.status_code == 200
    PersonFactory.create_batch(30, manager=org["lead"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        after = client.get("/api/v1/people/")
    # The same queries listed 30 more people: a refusal (403, few queries) would not pass.
    assert after.status_code == 200
    assert after.json()["count"] == before.json()["count"] + 30
