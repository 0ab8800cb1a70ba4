"""Issue 15, "a report that starts with what matters": the summary and its rules, the
reader's voice ("you" only for the subject), the subject's own PDF, plain words for
people outside the team, and the heatmap's sort and links.

The summary figures are worked by hand (k = 3, gap threshold 1.0). Sam rates himself 3
on every statement unless said; his boss and three peers give the ratings below, so an
others mean is (boss + 3 x peers) / 4 with 4 people counted:

    index  boss  peers  others  self  gap
      7     5     5      5.00               strength 1
     12     4     5      4.75               strength 2
      3     5     4      4.25               strength 3 (ties with 25: questionnaire order)
     25     5     4      4.25               not listed (the tie goes to 3)
     20     4     4      4.00               not listed (fourth)
     15     5     -      5.00 boss only      highest mean, but one person: not listed
      1     1     1      1.00    4    3.00  to develop 1, blind spot 1
     28     2     1      1.25    3    1.75  to develop 2, blind spot 3
      9     2     2      2.00    5    3.00  to develop 3, blind spot 2 (tie: order)
     14     2     3      2.75    4    1.25  fourth lowest, fourth blind spot: not listed
     18     3     3      3.00    4    1.00  a blind spot, not listed
     16     1     -      1.00 boss only  5  4.00  the largest gap, one person: not listed

"-" is "can't say" from every peer: the boss's rating is the item's only one.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from exports import files
from feedback.models import Cycle
from reports import services
from reports.services import cycle_recompute
from tests.exports.test_export_files import pdf_text
from tests.factories import TeamFactory, person_with_login
from tests.reports.builders import items_of, new_request, open_cycle, questions_of, respond

pytestmark = pytest.mark.django_db

# index: (boss, peers, self); None for "can't say".
RATINGS = {
    7: (5, 5, 3),
    12: (4, 5, 3),
    3: (5, 4, 3),
    25: (5, 4, 3),
    20: (4, 4, 3),
    15: (5, None, 3),
    1: (1, 1, 4),
    28: (2, 1, 3),
    9: (2, 2, 5),
    14: (2, 3, 4),
    18: (3, 3, 4),
    16: (1, None, 5),
}
STRENGTHS = (7, 12, 3)
TO_DEVELOP = (1, 28, 9)
BLIND_SPOTS = (1, 9, 28)


@pytest.fixture
def org(db):
    team = TeamFactory(name="Product")
    boss = person_with_login(email="boss@example.com", name="Bo Boss", team=team)
    sam = person_with_login(email="sam@example.com", name="Sam Subject", manager=boss, team=team)
    hr = person_with_login(email="hr@example.com", name="Hana HR", hr=True, team=None)
    outsider = person_with_login(email="out@example.com", name="Otto Outside", team=team)
    return {"boss": boss, "sam": sam, "hr": hr, "outsider": outsider}


def answer_by_hand(cycle, request):
    items = items_of(cycle)
    rows = {i: RATINGS.get(i, (3, 3, 3)) for i in range(len(items))}
    respond(request, "self", {items[i].id: row[2] for i, row in rows.items()})
    respond(
        request,
        "boss",
        {items[i].id: row[0] for i, row in rows.items()},
        {questions_of(cycle)[0].id: "Delegate more."},
    )
    for _ in range(3):
        respond(request, "peer", {items[i].id: row[1] for i, row in rows.items()})
    # One person from outside the team: below k, counted nowhere, named in plain words.
    respond(request, "other", {items[i].id: 1 for i in rows})


def release(cycle):
    cycle_recompute(cycle_id=cycle.id)
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.RELEASED)
    cycle.refresh_from_db()


@pytest.fixture
def released(org):
    cycle = open_cycle(k=3)
    request = new_request(cycle, subject=org["sam"])
    request.requested_by = org["boss"].user
    request.save()
    answer_by_hand(cycle, request)
    release(cycle)
    return cycle, request


def page(client, person, request, suffix="") -> tuple[int, str]:
    client.force_login(person.user)
    response = client.get(f"/reports/requests/{request.id}/{suffix}")
    html = response.status_code == 200 and response["Content-Type"].startswith("text/html")
    return response.status_code, response.content.decode() if html else ""


def text_of(html: str) -> str:
    """The words a person reads: tags gone, spaces closed up before punctuation."""
    words = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return re.sub(r" ([:,.)])", r"\1", words)


def section(html: str, heading: str) -> str:
    """The words under a summary heading, up to the next heading."""
    summary = html[html.index('id="summary-title"') : html.index('id="who-answered"')]
    start = summary.index(f"<h3>{heading}</h3>")
    end = summary.find("<h3>", start + 1)
    return summary[start : end if end > 0 else len(summary)]


def listed(block: str) -> list[str]:
    return [text_of(m) for m in re.findall(r'<span class="statement">(.*?)</span>', block)]


def texts(cycle, indexes) -> list[str]:
    items = items_of(cycle)
    return [items[i].rater_text for i in indexes]


# --- the summary -------------------------------------------------------------------------


def test_the_report_opens_with_a_summary_chosen_by_its_stated_rules(client, org, released):
    cycle, request = released
    status, html = page(client, org["sam"], request)
    assert status == 200
    # First on the page: before who answered, the charts and the statements.
    assert html.index('id="summary-title"') < html.index('id="who-answered"')
    assert listed(section(html, "Top strengths")) == texts(cycle, STRENGTHS)
    assert listed(section(html, "Areas to develop")) == texts(cycle, TO_DEVELOP)
    assert listed(section(html, "Largest blind spots")) == texts(cycle, BLIND_SPOTS)
    words = text_of(section(html, "Top strengths"))
    assert "The statements others rate highest." in words
    assert "Others 5.00 (counted=4)" in words and "Others 4.25 (counted=4)" in words
    blind = text_of(section(html, "Largest blind spots"))
    assert "You 4.00, others 1.00 (counted=4): gap 3.00" in blind
    assert "6 in all" in blind  # the other three are in the details
    rule = text_of(html[html.index('id="summary-title"') : html.index('id="who-answered"')])
    assert "Chosen from the 28 statements rated by at least 3 people besides you" in rule
    assert "ties keep the questionnaire’s order" in rule


def test_the_summary_says_when_it_rests_on_the_boss_alone(client, org):
    cycle = open_cycle(k=3)
    request = new_request(cycle, subject=org["sam"])
    items = items_of(cycle)
    respond(request, "self", {item.id: 4 for item in items})
    respond(request, "boss", {item.id: 2 if n == 4 else 3 for n, item in enumerate(items)})
    respond(request, "peer", {item.id: 5 for item in items})  # one peer: below k
    release(cycle)
    status, html = page(client, org["boss"], request)
    assert status == 200
    summary = text_of(html[html.index('id="summary-title"') : html.index('id="who-answered"')])
    assert (
        "No statement was rated by 3 or more people besides Sam Subject, so every list here "
        "comes from Sam Subject’s boss’s ratings alone: one person’s view." in summary
    )
    assert "The statements Sam Subject’s boss rates lowest" in summary
    assert listed(section(html, "Areas to develop"))[0] == items[4].rater_text
    assert "Others 2.00 (boss only)" in summary


# --- whose voice --------------------------------------------------------------------------


def test_the_subject_reads_you_and_a_manager_reads_the_name(client, org, released):
    _, request = released
    _, own = page(client, org["sam"], request)
    own = text_of(own)
    assert "Your feedback" in own and "you rate yourself 4.00, everyone else 1.00" in own
    assert "Only 1 person you work with outside your team answered, fewer than 3" in own

    _, theirs = page(client, org["boss"], request)
    theirs = text_of(theirs)
    assert "Feedback for Sam Subject" in theirs
    assert "Sam Subject rates themself 4.00, everyone else 1.00 (counted=4)" in theirs
    assert "Only 1 person they work with outside their team answered, fewer than 3" in theirs
    for second_person in ("you rate yourself", "Your boss", "your boss", "Everyone but you"):
        assert second_person not in theirs, second_person
    # One word per role: never the bare "other" or "external" for the outside rater.
    for old_word in ("Other raters", "other rater", "Another rater", "External"):
        assert old_word not in theirs and old_word not in own, old_word


def test_hr_reads_the_name_too(client, org, released):
    _, request = released
    status, html = page(client, org["hr"], request)
    assert status == 200
    words = text_of(html)
    assert "Sam Subject rates themself" in words and "you rate yourself" not in words


# --- the subject's own PDF ----------------------------------------------------------------


def test_the_subject_downloads_their_own_released_report_written_to_them(
    client, org, released, tmp_path
):
    _, request = released
    _, html = page(client, org["sam"], request)
    assert f'href="/reports/requests/{request.id}/pdf/"' in html and "Download PDF" in html
    response = client.get(f"/reports/requests/{request.id}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment;" in response["Content-Disposition"]
    text = " ".join(pdf_text(response.content, tmp_path).split())
    assert "Summary" in text and "Top strengths" in text
    assert text.index("Top strengths") < text.index("How to read this report")
    assert "you rate yourself" in text
    assert "Sam Subject rates themself" not in text


def test_the_file_hr_exports_names_the_subject(org, released, tmp_path):
    cycle, request = released
    (document,) = services.results_for_export(cycle=cycle, request_ids=[request.id]).documents
    text = " ".join(pdf_text(files.individual_pdf(document), tmp_path).split())
    assert "Sam Subject rates themself" in text and "you rate yourself" not in text
    assert "Outside the team 1" in text
    strengths = text[text.index("Top strengths") : text.index("Areas to develop")]
    assert [strengths.index(t) for t in texts(cycle, STRENGTHS)] == sorted(
        strengths.index(t) for t in texts(cycle, STRENGTHS)
    )
    assert texts(cycle, (25,))[0] not in strengths


@pytest.mark.parametrize("reader", ["boss", "hr", "outsider"])
def test_nobody_but_the_subject_downloads_it_here(client, org, released, reader):
    _, request = released
    status, html = page(client, org[reader], request)
    assert "Download PDF" not in html
    assert page(client, org[reader], request, "pdf/")[0] == 404


def test_the_subject_gets_no_pdf_before_release(client, org):
    cycle = open_cycle(k=3)
    request = new_request(cycle, subject=org["sam"])
    answer_by_hand(cycle, request)
    cycle_recompute(cycle_id=cycle.id)
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.CLOSED)
    assert page(client, org["sam"], request, "pdf/")[0] == 404
    # An HR member who is the subject is no exception: their own, released only.
    org["sam"].user.groups.add(org["hr"].user.groups.first())
    assert page(client, org["sam"], request, "pdf/")[0] == 404


def test_downloads_are_limited_per_person(client, org, released, settings):
    settings.REPORT_PDF_RATE_PER_PERSON = "2/h"
    _, request = released
    codes = [page(client, org["sam"], request, "pdf/")[0] for _ in range(3)]
    assert codes == [200, 200, 429]


# --- the heatmap --------------------------------------------------------------------------


@pytest.fixture
def team_cycle(org):
    """Three people with known vision leadership scores (others = boss + 3 peers, all
    giving the same value): Sam 4.00, Abe 3.00, Tia 2.00, so that by score and by name
    the orders differ both ways. Nobody has a risk score."""
    cycle = open_cycle(k=3)
    people = {
        "Sam Subject": org["sam"],
        "Tia Team": person_with_login(
            email="tia@example.com", name="Tia Team", manager=org["boss"], team=org["sam"].team
        ),
        "Abe Able": person_with_login(
            email="abe@example.com", name="Abe Able", manager=org["boss"], team=org["sam"].team
        ),
    }
    vision_lead = {"Sam Subject": 4, "Tia Team": 2, "Abe Able": 3}
    requests = {}
    for name, person in people.items():
        request = new_request(cycle, subject=person)
        items = [i for i in items_of(cycle) if i.behaviour == "vision" and i.pole == "leadership"]
        respond(request, "self", {i.id: 3 for i in items})
        for relationship in ("boss", "peer", "peer", "peer"):
            respond(request, relationship, {i.id: vision_lead[name] for i in items})
        requests[name] = request
    release(cycle)
    return cycle, requests


def heatmap_rows(html: str) -> list[str]:
    body = html[html.index('<table class="heatmap">') :]
    body = body[body.index("<tbody>") : body.index("</tbody>")]
    return [text_of(m) for m in re.findall(r'<th scope="row"><a [^>]*>(.*?)</a>', body)]


@pytest.mark.parametrize("who", ["hr", "boss"])
def test_the_heatmap_sorts_by_any_column_and_links_each_row_to_its_report(
    client, org, team_cycle, who
):
    cycle, requests = team_cycle
    client.force_login(org[who].user)
    url = "/reports/hr/" if who == "hr" else "/reports/manager/"
    html = client.get(url).content.decode()
    assert heatmap_rows(html) == ["Abe Able", "Sam Subject", "Tia Team"]
    for name, request in requests.items():
        assert f'<a href="/reports/requests/{request.id}/">{name}</a>' in html
    # Pair names head the columns, not the behaviours' one-word names.
    assert ">Visionary / Goal setter</th>" in html and ">Vision</th>" not in html
    assert ">Coaches / Directs</th>" in html

    html = client.get(f"{url}?cycle={cycle.id}&sort=-vision_leadership").content.decode()
    assert heatmap_rows(html) == ["Sam Subject", "Abe Able", "Tia Team"]
    assert re.search(r'<th scope="col" aria-sort="descending"><a class="sort" [^>]*>L ', html)
    html = client.get(f"{url}?cycle={cycle.id}&sort=vision_leadership").content.decode()
    assert heatmap_rows(html) == ["Tia Team", "Abe Able", "Sam Subject"]
    html = client.get(f"{url}?cycle={cycle.id}&sort=-name").content.decode()
    assert heatmap_rows(html) == ["Tia Team", "Sam Subject", "Abe Able"]
    # A column nobody has a score in: every row ties, and names decide.
    html = client.get(f"{url}?cycle={cycle.id}&sort=-risk_management").content.decode()
    assert heatmap_rows(html) == ["Abe Able", "Sam Subject", "Tia Team"]
    # Anything else says what is wrong (a 400, as for every page's query), never a 500
    # and never an order by some other field.
    response = client.get(f"{url}?cycle={cycle.id}&sort=-subject__user__password")
    assert response.status_code == 400
    assert "must name a column of the heatmap" in response.content.decode()


def test_the_heatmap_order_holds_across_pages(client, org, team_cycle, monkeypatch):
    from reports import views

    cycle, _ = team_cycle
    # Two rows a page: the second page goes on where the sorted first one ended.
    monkeypatch.setattr(views, "HEATMAP_PAGE_SIZE", 2)
    client.force_login(org["hr"].user)
    first = client.get(f"/reports/hr/?cycle={cycle.id}&sort=-vision_leadership").content.decode()
    assert heatmap_rows(first) == ["Sam Subject", "Abe Able"]
    assert f"?cycle={cycle.id}&amp;sort=-vision_leadership&amp;page=2" in first
    second = client.get(f"/reports/hr/?cycle={cycle.id}&sort=-vision_leadership&page=2")
    assert heatmap_rows(second.content.decode()) == ["Tia Team"]
