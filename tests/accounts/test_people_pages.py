"""The HR upload page and the people list."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Person
from tests.factories import person_with_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr_client(client):
    client.force_login(person_with_login(email="hr@example.com", hr=True).user)
    return client


def csv(text):
    return SimpleUploadedFile("people.csv", text.encode(), content_type="text/csv")


def test_it_imports_from_the_upload_page(hr_client):
    response = hr_client.post(
        "/people/import/",
        {"file": csv("email,name,title,team,manager_email\na@x.com,Ann,Eng,Product,\n")},
    )
    assert response.status_code == 200
    assert b"Imported 1 row" in response.content and b"1 created" in response.content
    assert Person.objects.filter(email="a@x.com").exists()


def test_it_lists_every_error_on_the_upload_page_and_imports_nothing(hr_client):
    response = hr_client.post(
        "/people/import/",
        {
            "file": csv(
                "email,name,title,team,manager_email\na@x.com,Ann,,,\nbad,B,,,\nc@x.com,C,,,z@x.com\n"
            )
        },
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Nothing was imported: 2 errors in the file." in content
    assert "line 3: bad email" in content and "line 4: unknown manager" in content
    assert not Person.objects.filter(email="a@x.com").exists()


def test_it_escapes_what_the_file_says(hr_client):
    response = hr_client.post(
        "/people/import/",
        {"file": csv("email,name,title,team,manager_email\n<script>alert(1)</script>,X,,,\n")},
    )
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;" in response.content


def test_it_keeps_the_upload_page_for_hr(client):
    client.force_login(person_with_login(email="emp@example.com").user)
    assert client.get("/people/import/").status_code == 403


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get("/people/import/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_it_shows_a_manager_their_line_on_the_people_page(client):
    boss = person_with_login(email="boss@example.com", name="Bo Boss")
    person_with_login(email="rep@example.com", name="Rae Report", manager=boss)
    person_with_login(email="other@example.com", name="Oz Other")
    client.force_login(boss.user)
    content = client.get("/people/").content.decode()
    assert "Rae Report" in content and "Oz Other" not in content


def test_it_shows_invited_until_the_person_has_signed_in_once(hr_client):
    from django.test import Client

    waiting = person_with_login(email="waiting@example.com", name="Wanda Waiting")
    active = person_with_login(email="active@example.com", name="Andy Active")
    Client().force_login(active.user)  # signs in once: Django records last_login
    html = hr_client.get("/people/").content.decode()

    def badge(name):
        row = html.split(name, 1)[1].split("</tr>", 1)[0]
        return row.split('class="badge', 1)[1].split(">", 1)[1].split("<", 1)[0]

    assert badge("Wanda Waiting") == "invited"
    assert badge("Andy Active") == "has login"
    assert waiting.user.last_login is None
