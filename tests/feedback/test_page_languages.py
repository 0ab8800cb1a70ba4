"""Pages and API errors in the reader's language (issue 18): the language cookie or
Accept-Language picks German, French or Spanish; field names, statuses and the error
shape stay the same in every language, for clients that key on them."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from feedback.models import FeedbackRequest

pytestmark = pytest.mark.django_db

IMPORT_HEADER = "email,name,title,team,manager_email\n"


def german(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    return client


def test_the_request_wizard_speaks_german_with_the_language_cookie(client, org, open_cycle):
    client.force_login(org["lead"].user)
    page = german(client).get("/requests/new/").content.decode()
    assert '<html lang="de">' in page
    assert "Feedback anfordern" in page and "Um wen geht es?" in page
    assert "Feedbackgebende vorschlagen" in page and "Sie selbst (Lena Lead)" in page
    assert "Abmelden" in page  # the navigation too
    assert "Request feedback" not in page and "Who is it about?" not in page


def test_a_domain_error_reaches_the_request_wizard_in_german(client, org, dev_request):
    client.force_login(org["lead"].user)
    response = german(client).post(
        "/requests/new/", {"subject": org["dev"].pk, "cycle": dev_request.cycle_id}
    )
    assert response.status_code == 409
    assert (
        "Für Dev Eloper gibt es in dieser Feedbackrunde bereits eine Feedback-Anfrage."
        in response.content.decode()
    )
    assert FeedbackRequest.objects.count() == 1


def test_the_cycle_settings_page_and_its_errors_speak_german(client, org, questionnaire):
    client.force_login(org["hr"].user)
    page = german(client).get("/cycles/new/").content.decode()
    assert "Neue Feedbackrunde" in page and "Anonymitätsminimum" in page
    assert "1. Einstellungen" in page and "Speichern und Teilnehmende wählen" in page
    refused = client.post(
        "/cycles/new/",
        {
            "name": "Herbst",
            "closes_on": "bald",
            "framework": "1",
            "min_anonymous_raters": "1",
            "gap_threshold": "0.5",
            "max_requests_per_rater": "5",
        },
    )
    shown = refused.content.decode()
    assert refused.status_code == 400
    assert "Nichts wurde gespeichert: 2 Punkte zu korrigieren" in shown
    assert "Wählen Sie ein Datum (Jahr-Monat-Tag)." in shown
    assert "Eine ganze Zahl von 2 bis 1000." in shown


def test_the_people_import_page_and_its_line_errors_speak_german(client, org):
    client.force_login(org["hr"].user)
    page = client.get("/people/import/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Menschen importieren" in page and "CSV-Datei" in page
    bad = SimpleUploadedFile(
        "people.csv", (IMPORT_HEADER + "a@x.com,Ann,,,\nbroken,Bo,,,\n").encode()
    )
    response = client.post("/people/import/", {"file": bad}, HTTP_ACCEPT_LANGUAGE="de")
    shown = response.content.decode()
    assert response.status_code == 400
    assert "Es wurde nichts importiert: 1 Fehler in der Datei." in shown
    assert "Zeile 3: ungültige E-Mail-Adresse &#x27;broken&#x27;." in shown


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("en-gb", "The cycle is draft: requesting feedback needs an open cycle."),
        (
            "de",
            "Die Feedbackrunde ist im Entwurf: Feedback anfordern erfordert eine laufende Feedbackrunde.",
        ),
        (
            "fr",
            "La campagne est en brouillon : demander un feedback nécessite une campagne ouverte.",
        ),
    ],
)
def test_a_domain_error_reaches_the_api_in_the_request_language(
    api_as, org, draft_cycle, language, detail
):
    response = api_as(org["hr"]).post(
        f"/api/v1/cycles/{draft_cycle.pk}/requests/",
        {"subject": org["dev"].pk},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 409
    assert response.json() == {"detail": detail, "errors": {}}


def test_api_error_fields_and_statuses_are_the_same_in_every_language(api_as, org, open_cycle):
    answers = {}
    for language in ("en-gb", "de", "fr", "es"):
        response = api_as(org["hr"]).post(
            f"/api/v1/cycles/{open_cycle.pk}/requests/",
            {"subject": "nobody"},
            format="json",
            HTTP_ACCEPT_LANGUAGE=language,
        )
        body = response.json()
        answers[language] = (
            response.status_code,
            tuple(sorted(body)),
            tuple(sorted(body["errors"])),
        )
    assert set(answers.values()) == {(400, ("detail", "errors"), ("subject",))}
