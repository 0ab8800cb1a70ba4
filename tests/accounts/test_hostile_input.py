"""Hostile input about people (issue 12): the API, the people page and the CSV import
refuse it with a 4xx and say why; nothing is stored."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Person, Team
from accounts.services import people_import
from core.errors import DomainError

pytestmark = pytest.mark.django_db

HEADER = "email,name,title,team,manager_email\n"


def error_shape(response) -> dict:
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert isinstance(body["detail"], str) and body["detail"]
    return body


@pytest.fixture
def hr_api(org):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(org["hr"].user)
    return client


def post_json(client, path, body: str):
    return client.post(path, data=body, content_type="application/json")


def test_the_token_endpoint_refuses_100000_nested_brackets_without_a_login(db):
    response = post_json(
        APIClient(raise_request_exception=False), "/api/v1/auth/token/", "[" * 100_000
    )
    assert response.status_code == 400
    assert "nest" in error_shape(response)["detail"].lower()


def test_it_refuses_json_nested_deeper_than_32_but_not_shallower(hr_api, org):
    shallow = {"email": "a@x.com", "name": "Ann", "title": "x"}
    for _ in range(29):
        shallow = {"n": shallow}
    # Nesting is checked before any field: depth 30 gets as far as the serializer.
    response = post_json(hr_api, "/api/v1/people/", json.dumps(shallow))
    assert response.status_code == 400 and "nest" not in response.json()["detail"].lower()
    response = post_json(hr_api, "/api/v1/people/", "[" * 33 + "]" * 33)
    assert response.status_code == 400
    assert "nest" in error_shape(response)["detail"].lower()


def test_it_ignores_brackets_inside_strings_when_measuring_depth(hr_api, org):
    body = json.dumps({"email": "b@x.com", "name": "[" * 100 + '"{', "title": ""})
    response = post_json(hr_api, "/api/v1/people/", body)
    assert response.status_code == 201, response.json()


def test_it_refuses_duplicate_keys_rather_than_keeping_the_last(hr_api, org):
    body = '{"email": "dup@x.com", "name": "First", "name": "Second"}'
    response = post_json(hr_api, "/api/v1/people/", body)
    assert response.status_code == 400
    assert "name" in error_shape(response)["detail"]
    assert not Person.objects.filter(email="dup@x.com").exists()


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_it_refuses_nan_and_infinity(hr_api, org, constant):
    cycle = '{"name": "C", "closes_at": "2099-01-01T00:00:00Z", "gap_threshold": ' + constant + "}"
    response = post_json(hr_api, "/api/v1/cycles/", cycle)
    assert response.status_code == 400
    error_shape(response)


def test_it_answers_a_6_mb_body_on_the_api_in_the_error_shape(hr_api, org):
    body = json.dumps({"email": "big@x.com", "name": "x" * (6 * 1024 * 1024)})
    response = post_json(hr_api, "/api/v1/people/", body)
    assert response.status_code in (400, 413)
    assert response["Content-Type"].startswith("application/json")
    error_shape(response)


def test_it_answers_a_6_mb_form_on_the_api_in_the_error_shape(hr_api, org):
    response = hr_api.post(
        "/api/v1/auth/token/",
        data="username=" + "x" * (6 * 1024 * 1024),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (400, 413)
    assert response["Content-Type"].startswith("application/json")
    error_shape(response)


def test_it_refuses_a_team_name_longer_than_its_column(hr_api, org):
    response = hr_api.post(
        "/api/v1/people/", {"email": "t@x.com", "name": "Tess", "team": "t" * 10_000}, format="json"
    )
    assert response.status_code == 400
    assert list(error_shape(response)["errors"]) == ["team"]
    assert not Team.objects.filter(name__startswith="ttt").exists()


@pytest.mark.parametrize("manager", [3.5, 3.0, True, "3.0", "1e3", 2**70, -1])
def test_it_refuses_a_manager_id_that_is_not_a_plain_integer(hr_api, org, manager):
    if manager == 3.5 or manager == 3.0:
        manager = org["vp"].id + 0.5 if manager == 3.5 else float(org["vp"].id)
    response = hr_api.post(
        "/api/v1/people/", {"email": "m@x.com", "name": "Max", "manager": manager}, format="json"
    )
    assert response.status_code == 400
    assert list(error_shape(response)["errors"]) == ["manager"]
    assert not Person.objects.filter(email="m@x.com").exists()


def test_it_still_takes_a_manager_id_as_a_number_or_a_string_of_digits(hr_api, org):
    for email, manager in (("n1@x.com", org["vp"].id), ("n2@x.com", str(org["vp"].id))):
        response = hr_api.post(
            "/api/v1/people/", {"email": email, "name": "Nat", "manager": manager}, format="json"
        )
        assert response.status_code == 201, response.json()
        assert Person.objects.get(email=email).manager == org["vp"]


@pytest.mark.parametrize(
    "name",
    [
        "\u200b",
        " \u200b\u200c\ufeff ",
        "Evil\r\nBcc: x@y.test",
        "Tab\there",
        "NUL\x00",
        "\u202eevil",
    ],
    ids=["zero-width", "invisible", "crlf", "tab", "nul", "bidi-override"],
)
def test_it_refuses_names_that_are_invisible_or_hold_control_characters(hr_api, org, name):
    # As a form, the serializer names the field; as JSON, a NUL is refused by the parser
    # already (no field to name), anything else by the serializer.
    response = hr_api.post(
        "/api/v1/people/", {"email": "z@x.com", "name": name}, format="multipart"
    )
    assert response.status_code == 400
    assert list(error_shape(response)["errors"]) == ["name"]
    response = hr_api.post("/api/v1/people/", {"email": "z@x.com", "name": name}, format="json")
    assert response.status_code == 400
    assert list(error_shape(response)["errors"]) in (["name"], [] if "\x00" in name else None)
    response = hr_api.patch(f"/api/v1/people/{org['dev'].id}/", {"name": name}, format="json")
    assert response.status_code == 400
    assert not Person.objects.filter(email="z@x.com").exists()
    assert Person.objects.get(pk=org["dev"].id).name == "Dev Eloper"


def test_it_keeps_names_in_any_script_with_their_marks(hr_api, org):
    for email, name in (
        ("ar@x.com", "\u200fعلي"),
        ("zw@x.com", "Zoë Ñandú"),
        ("hi@x.com", "क्षत्रिय"),
    ):
        response = hr_api.post("/api/v1/people/", {"email": email, "name": name}, format="json")
        assert response.status_code == 201, response.json()
        assert Person.objects.get(email=email).name == name


def test_the_people_page_refuses_a_nul_byte_in_the_search(org):
    client = Client(raise_request_exception=False)
    client.force_login(org["hr"].user)
    response = client.get("/people/", {"q": "\x00"})
    assert response.status_code == 400
    assert "control character" in response.content.decode()


# --- the CSV import ------------------------------------------------------------------


def import_errors(text: str) -> list[str]:
    with pytest.raises(DomainError) as caught:
        people_import(file=io.BytesIO(text.encode()))
    return caught.value.errors["file"]


def test_the_import_refuses_a_nul_byte_in_a_name(db):
    errors = import_errors(HEADER + "a@x.com,Ann\x00,Engineer,,\n")
    assert errors == ["line 2: name: contains a control character (U+0000)."]
    assert not Person.objects.exists()


def test_the_import_refuses_a_zero_width_name_and_a_line_break_in_a_title(db):
    errors = import_errors(HEADER + 'a@x.com,\u200b,Engineer,,\nb@x.com,Bob,"Boss\nBcc",,\n')
    assert errors == [
        "line 2: name: has no visible character.",
        "line 3: title: contains a control character (U+000A).",
    ]


def test_the_import_refuses_a_field_longer_than_the_csv_reader_takes(db):
    errors = import_errors(HEADER + "a@x.com," + "n" * 131_073 + ",,,\n")
    assert len(errors) == 1 and errors[0].startswith("line 2: ")
    assert not Person.objects.exists()


def test_the_import_refuses_an_unterminated_quote(db):
    errors = import_errors(HEADER + 'a@x.com,"Unterminated,,,\n')
    assert len(errors) == 1 and errors[0].startswith("line 2: ")
    assert "quote" in errors[0]
    assert not Person.objects.exists()


def test_the_import_page_shows_the_form_again_for_a_nul_byte(org):
    client = Client(raise_request_exception=False)
    client.force_login(org["hr"].user)
    upload = SimpleUploadedFile("p.csv", (HEADER + "a@x.com,Ann\x00,,,\n").encode(), "text/csv")
    response = client.post("/people/import/", {"file": upload})
    assert response.status_code == 400
    assert "control character" in response.content.decode()
