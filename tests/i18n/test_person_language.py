"""A person's language (issue 18): the language page, sign-in, the people import, SCIM,
and the emails written to them."""

import io
import json

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from accounts.models import Person
from accounts.services import people_import
from core.errors import DomainError
from scim.tokens import scim_token_create

pytestmark = pytest.mark.django_db
COOKIE = settings.LANGUAGE_COOKIE_NAME
PASSWORD = "correct horse battery"  # tests/factories.UserFactory


def _sign_in(client, person):
    response = client.post(
        "/accounts/login/", {"username": person.user.username, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:300]


def test_the_language_page_saves_the_persons_language_and_the_pages_follow(org, client):
    dev = org["dev"]
    client.force_login(dev.user)
    page = client.get("/account/language/").content.decode()
    assert 'href="/account/language/"' in page  # reachable from the navigation
    response = client.post("/account/language/", {"language": "de"})
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "de"
    dev.refresh_from_db()
    assert dev.language == "de"
    page = client.get("/account/language/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Ihre Sprache wurde gespeichert." in page
    assert "Ihre Sprache" in page


def test_an_unknown_language_is_refused(org, client):
    client.force_login(org["dev"].user)
    client.post("/account/language/", {"language": "xx"})
    org["dev"].refresh_from_db()
    assert org["dev"].language == ""


def test_clearing_it_goes_back_to_the_browser(org, client):
    dev = org["dev"]
    dev.language = "es"
    dev.save()
    _sign_in(client, dev)
    response = client.post("/account/language/", {"language": ""})
    assert response.cookies[COOKIE].value == ""  # deleted
    dev.refresh_from_db()
    assert dev.language == ""
    page = client.get("/account/language/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Votre langue" in page


def test_signing_in_brings_the_persons_language_whatever_the_browser_says(org, client):
    lead = org["lead"]
    lead.language = "fr"
    lead.save()
    response = client.post(
        "/accounts/login/",
        {"username": lead.user.username, "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "fr"
    page = client.get("/account/language/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Votre langue" in page


def test_someone_without_a_language_keeps_the_browsers(org, client):
    _sign_in(client, org["dev"])
    page = client.get("/account/language/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Su idioma" in page


# --- the people import -------------------------------------------------------


def _import(text: str):
    return people_import(file=io.BytesIO(text.encode()))


def test_the_import_reads_an_optional_language_column():
    _import(
        "email,name,title,team,manager_email,language\n"
        "ana@example.com,Ana,,,,de\n"
        "ben@example.com,Ben,,,,FR\n"
        "cy@example.com,Cy,,,,\n"
    )
    languages = dict(Person.objects.values_list("email", "language"))
    assert languages == {"ana@example.com": "de", "ben@example.com": "fr", "cy@example.com": ""}
    # Changed by a later file; a file without the column leaves it alone.
    result = _import("email,name,title,team,manager_email,language\nana@example.com,Ana,,,,es\n")
    assert result.updated == 1
    assert Person.objects.get(email="ana@example.com").language == "es"
    result = _import("email,name,title,team,manager_email\nana@example.com,Ana,,,\n")
    assert result.unchanged == 1
    assert Person.objects.get(email="ana@example.com").language == "es"


def test_the_import_refuses_an_unknown_language_with_its_line_number():
    with pytest.raises(DomainError) as caught:
        _import(
            "email,name,title,team,manager_email,language\n"
            "ana@example.com,Ana,,,,de\n"
            "ben@example.com,Ben,,,,klingon\n"
        )
    assert caught.value.errors["file"] == [
        "line 3: language 'klingon' is not one of en-gb, de, fr, es (or leave it empty)."
    ]
    assert not Person.objects.exists()


# --- SCIM ------------------------------------------------------------------------

USER = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.fixture
def scim(db):
    _, token = scim_token_create(name="Entra ID")
    client = Client()

    def send(method, path, body=None):
        return getattr(client, method)(
            f"/scim/v2/{path}",
            data=json.dumps(body) if body is not None else "",
            content_type="application/scim+json",
            headers={"Authorization": f"Bearer {token}"},
        )

    return send


def test_scim_reads_preferred_language_then_locale_and_writes_it_back(scim):
    body = {
        "schemas": [USER],
        "userName": "bjensen@example.com",
        "name": {"formatted": "Barbara Jensen"},
        "preferredLanguage": "ja, de-CH;q=0.8, en;q=0.5",
        "locale": "fr-FR",
    }
    response = scim("post", "Users", body)
    assert response.status_code == 201, response.content
    assert response.json()["preferredLanguage"] == "de"  # the first shipped one
    person = Person.objects.get(email="bjensen@example.com")
    assert person.language == "de"

    response = scim(
        "patch",
        f"Users/{person.pk}",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "locale", "value": "es_ES"}],
        },
    )
    assert response.status_code == 200, response.content
    person.refresh_from_db()
    assert person.language == "es"
    assert scim("get", f"Users/{person.pk}").json()["locale"] == "es"

    response = scim(
        "patch",
        f"Users/{person.pk}",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "remove", "path": "preferredLanguage"}],
        },
    )
    person.refresh_from_db()
    assert person.language == ""
    assert "preferredLanguage" not in scim("get", f"Users/{person.pk}").json()


def test_scim_leaves_the_language_alone_when_not_sent(scim, org):
    dev = org["dev"]
    dev.language = "fr"
    dev.save()
    body = {"schemas": [USER], "userName": dev.email, "name": {"formatted": "Dev Eloper"}}
    assert scim("put", f"Users/{dev.pk}", body).status_code == 200
    dev.refresh_from_db()
    assert dev.language == "fr"


# --- emails to people in the directory -----------------------------------------


def test_the_password_reset_email_is_in_the_persons_language(org, client):
    dev = org["dev"]
    dev.language = "es"
    dev.save()
    client.post("/accounts/password_reset/", {"email": dev.email})
    message = mail.outbox[-1]
    assert message.subject == "Restablecer su contraseña de Feedback 360"
    assert "Elija una nueva contraseña aquí:" in message.body


def test_the_login_invitation_is_in_the_persons_language(org):
    from accounts.emails import login_invitation_send

    org["lead"].language = "de"
    org["lead"].save()
    login_invitation_send(user_id=org["lead"].user_id)
    message = mail.outbox[-1]
    assert message.subject == "Ihr Login für Feedback 360"
    assert "Der Link gilt 7 Tage." in message.alternatives[0][0]
