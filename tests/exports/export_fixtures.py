"""A closed cycle with answered requests in two lines, for the export tests.

Hand-picked answers so the figures can be checked by hand: the subject ``Sam`` gets
self 4 on every item, boss 2, and three peers 3, 4, 5 (so peers are shown at k = 3,
their mean is 4, others' mean (2 + 3 + 4 + 5) / 4 = 3.5); two direct reports answer
1 and are hidden (fewer than k) and below the pool minimum.
"""

from __future__ import annotations

from feedback.models import Cycle
from reports.services import cycle_recompute
from tests.factories import PersonFactory, TeamFactory, person_with_login
from tests.reports.builders import items_of, new_request, open_cycle, questions_of, respond


def build_organisation():
    product = TeamFactory(name="Product")
    sales = TeamFactory(name="Sales")
    ceo = person_with_login(email="ceo@example.com", name="Cleo Chief", team=None)
    manager = person_with_login(
        email="boss@example.com", name="Bo Manager", team=product, manager=ceo
    )
    other_manager = person_with_login(
        email="sales.boss@example.com", name="Sally Sales", team=sales, manager=ceo
    )
    sam = person_with_login(
        email="sam@example.com", name="Sam Subject", title="Engineer", team=product, manager=manager
    )
    # A name a spreadsheet would run as a formula, and a title with one too.
    mallory = PersonFactory(
        email="mallory@example.com",
        name='=HYPERLINK("http://evil","x")',
        title="+cmd|' /C calc'!A0",
        team=product,
        manager=manager,
    )
    seller = PersonFactory(
        email="seller@example.com", name="Sid Seller", team=sales, manager=other_manager
    )
    hr = person_with_login(email="hr@example.com", name="Hana HR", hr=True, team=None)
    employee = person_with_login(
        email="emp@example.com", name="Emma Employee", team=sales, manager=other_manager
    )
    return {
        "product": product,
        "sales": sales,
        "ceo": ceo,
        "manager": manager,
        "other_manager": other_manager,
        "sam": sam,
        "mallory": mallory,
        "seller": seller,
        "hr": hr,
        "employee": employee,
    }


def answer(request, cycle, relationship, value, comment=None):
    ratings = {item.id: value for item in items_of(cycle)}
    comments = {questions_of(cycle)[0].id: comment} if comment else None
    return respond(request, relationship, ratings, comments)


def build_closed_cycle(org):
    cycle = open_cycle(k=3)
    sam = new_request(cycle, subject=org["sam"])
    answer(sam, cycle, "self", 4, "I set a clear direction.")
    answer(sam, cycle, "boss", 2, "Needs to delegate more.")
    for value, text in ((3, "Great listener."), (4, "-2+3 is how he budgets"), (5, None)):
        answer(sam, cycle, "peer", value, text)
    for _ in range(2):
        answer(sam, cycle, "direct_report", 1, "A direct report's secret comment")
    mallory = new_request(cycle, subject=org["mallory"])
    answer(mallory, cycle, "self", 3)
    answer(mallory, cycle, "boss", 5)
    seller = new_request(cycle, subject=org["seller"])
    answer(seller, cycle, "boss", 3)
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.CLOSED)
    cycle.refresh_from_db()
    cycle_recompute(cycle_id=cycle.id)
    return cycle, {"sam": sam, "mallory": mallory, "seller": seller}
