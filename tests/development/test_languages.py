"""Issue 18: the plan pages in the reader's language, with the glossary's words."""

import pytest
from django.utils import translation

from core.errors import DomainError
from development import services
from tests.development.test_pages import client_for

pytestmark = pytest.mark.django_db


def test_a_german_reader_sees_their_plan_in_german(org, plan):
    client = client_for(org["dev"])
    html = client.get(f"/plans/{plan.pk}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Ihr Entwicklungsplan" in html and "Your development plan" not in html
    # The focus labels: behaviour, the pole's own name and the pole, from the glossary.
    assert "Entwicklung: Coacht (Führung)" in html
    assert "Risiko: Minimiert Risiken (Management)" in html
    listing = client.get("/plans/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Entwicklungspläne" in listing and "Entwicklung: Coacht (Führung)" in listing


def test_a_spanish_reader_gets_the_messages_and_refusals_in_spanish(org, plan):
    client = client_for(org["dev"])
    response = client.post(
        f"/plans/{plan.pk}/share/", {"shared": "1"}, HTTP_ACCEPT_LANGUAGE="es", follow=True
    )
    assert "Compartido: sus jefes ya pueden leer su plan y comentarlo." in response.content.decode()
    with translation.override("es"), pytest.raises(DomainError) as refused:
        services.plan_focus_set(plan=plan, user=org["dev"].user, focus=[])
    assert "Elija de 1 a 3 comportamientos prioritarios" in refused.value.detail


def test_the_report_labels_the_focus_in_the_readers_language(org, plan, report):
    page = (
        client_for(org["dev"])
        .get(f"/reports/requests/{report.id}/", HTTP_ACCEPT_LANGUAGE="fr")
        .content.decode()
    )
    assert "Votre priorité" in page and "Accompagne (coache) (leadership)" in page
