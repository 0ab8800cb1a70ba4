import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import PersonFactory, person_with_login


@pytest.fixture
def org(db):
    """The accounts org, with one more report so lead has two direct reports and dev a peer.

    ceo > vp > lead > {dev, peer}; hr reports to ceo; outsider reports to nobody.
    """
    ceo = person_with_login(email="ceo@example.com", name="Cleo Executive", team=None)
    vp = person_with_login(email="vp@example.com", name="Victor Vice", manager=ceo)
    lead = person_with_login(email="lead@example.com", name="Lena Lead", manager=vp)
    dev = person_with_login(email="dev@example.com", name="Dev Eloper", manager=lead)
    peer = PersonFactory(email="peer@example.com", name="Pat Peer", manager=lead)
    hr = person_with_login(email="hr@example.com", name="Hana HR", hr=True, manager=ceo)
    outsider = person_with_login(email="outsider@example.com", name="Otto Outside")
    return {
        "ceo": ceo,
        "vp": vp,
        "lead": lead,
        "dev": dev,
        "peer": peer,
        "hr": hr,
        "outsider": outsider,
    }


@pytest.fixture
def api_as():
    def _client(person=None):
        client = APIClient()
        if person is not None:
            client.force_authenticate(person.user)
        return client

    return _client


def in_days(days: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)
