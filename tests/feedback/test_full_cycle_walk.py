"""One 360 from start to finish, in Chromium, by clicking (issue 14's "Done when").

On PostgreSQL with the real Celery worker and a real SMTP server (aiosmtpd): no address
is typed but the login page's and the survey links taken from the emails it received.

1. HR (Hannah) sets up "Autumn 360" for the Sales team with the wizard and opens it: Sam
   (no manager) and Sue (reports to Sam) are asked about, 4 invitations.
2. Sofia, a manager, requests feedback about Liam in that cycle: the org chart proposes
   Liam himself, Sofia as his boss, his 4 peers and his 2 direct reports; she adds Olga,
   an outsider (partner.example: outside the directory and ALLOWED_RATER_DOMAINS), and
   launches: 8 invitations, Olga waits for approval.
3. Liam approves Olga from "My feedback" (he or HR must: not Sofia, who proposed her).
4. Raters answer on a phone from their emails: Liam "Always", Sofia "Often", three peers
   "Always", Ava "Sometimes", Olga "Rarely". Ben and Noah have not answered.
5. Two days later Sofia reminds the 2 on Liam's request; Ben answers "Sometimes" from the
   reminder's fresh link.
6. HR closes (the confirmation says 5 surveys from 3 people are unanswered: Sam 2, Sue 2,
   Noah 1) and releases.
7. Liam reads his report. Worked by hand, with the anonymity minimum k = 3: self 5; boss
   4; peers 5, 5, 5 (n = 3, shown); direct reports 3, 3 (n = 2) and Olga 2 (n = 1) are
   below k, so they form the pool of 3, which is counted inside "Others". Others =
   (4 + 3x5 + 3 + 3 + 2) / 7 = 27/7 = 3.86 on every statement, counted = 7. Without
   Olga's answers the pool (2) would be dropped: Others 19/4 = 4.75, counted = 4.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.db.models import F
from playwright.sync_api import expect

from feedback.models import Cycle, FeedbackRequest, Rater
from tests.accounts.test_browser import log_in
from tests.factories import PersonFactory, TeamFactory, person_with_login
from tests.feedback.conftest import DESKTOP, PHONE, Mailbox, answer_survey

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

LIAMS_RATERS = {
    "liam@example.com": "self",
    "sofia@example.com": "boss",
    "priya@example.com": "peer",
    "tom@example.com": "peer",
    "ivy@example.com": "peer",
    "noah@example.com": "peer",
    "ava@example.com": "direct_report",
    "ben@example.com": "direct_report",
    "olga@partner.example": "other",
}
SALES_RATERS = ["sam@example.com", "sue@example.com"]  # each asked twice: self and the other


@pytest.fixture
def company(questionnaire, settings):
    """Sales: Sam, and Sue who reports to him. Product: Daniel > Sofia > Liam, Priya, Tom,
    Ivy, Noah; Ava and Ben report to Liam. Hannah is HR. No cycle yet."""
    settings.ALLOWED_RATER_DOMAINS = ["example.com"]
    sales, product = TeamFactory(name="Sales"), TeamFactory(name="Product")
    sam = PersonFactory(email="sam@example.com", name="Sam Seller", team=sales)
    PersonFactory(email="sue@example.com", name="Sue Seller", manager=sam, team=sales)
    daniel = PersonFactory(email="daniel@example.com", name="Daniel Kim", team=product)
    sofia = person_with_login(
        email="sofia@example.com", name="Sofia Martinez", manager=daniel, team=product
    )
    liam = person_with_login(
        email="liam@example.com", name="Liam Chen", manager=sofia, team=product
    )
    for name in ("Priya Nair", "Tom Becker", "Ivy Park", "Noah Berg"):
        address = f"{name.split()[0].lower()}@example.com"
        PersonFactory(email=address, name=name, manager=sofia, team=product, title="Engineer")
    for name in ("Ava Stone", "Ben Okafor"):
        address = f"{name.split()[0].lower()}@example.com"
        PersonFactory(email=address, name=name, manager=liam, team=product)
    person_with_login(email="hannah@example.com", name="Hannah Reyes", hr=True, team=None)
    return {"liam": liam}


def test_hr_and_a_manager_run_a_360_from_the_pages_to_the_released_report(
    postgres, celery_worker, pages, company, smtp, wait_for, look
):
    mailbox = Mailbox(smtp, wait_for)

    # 1. HR sets the cycle up for Sales and opens it.
    hr = pages(DESKTOP)
    log_in(hr, "hannah@example.com")
    hr.get_by_role("link", name="Cycles").first.click()
    expect(hr.get_by_role("heading", level=1)).to_have_text("Cycles and results")
    look(hr, "walk-01-hr-cycles")
    hr.get_by_role("link", name="New cycle").click()
    hr.get_by_label("Name").fill("Autumn 360")
    look(hr, "walk-02-hr-settings")
    hr.get_by_role("button", name="Save and choose participants").click()
    hr.get_by_role("checkbox", name=re.compile("Sales")).check()
    hr.get_by_role("button", name="Add ticked teams").click()
    expect(hr.get_by_role("heading", name="Chosen: 2 people")).to_be_visible()
    look(hr, "walk-03-hr-participants")
    hr.get_by_role("link", name="Next: review").click()
    expect(hr.get_by_role("region", name="What opening does")).to_contain_text(
        "4 survey invitations emailed now"
    )
    look(hr, "walk-04-hr-review")
    hr.get_by_role("button", name="Open cycle and send 4 invitations").click()
    expect(hr.get_by_role("status")).to_contain_text(
        "Autumn 360 is open: 2 feedback requests created and 4 survey invitations"
    )
    look(hr, "walk-05-hr-opened")
    cycle = Cycle.objects.get(name="Autumn 360")
    assert cycle.status == "open"
    for address in SALES_RATERS:
        wait_for(lambda address=address: len(mailbox.bodies(address)) == 2, timeout=60)

    # 2. The manager requests feedback about Liam, adds an outsider and launches.
    manager = pages(DESKTOP)
    log_in(manager, "sofia@example.com")
    manager.get_by_role("link", name="My team").first.click()
    manager.get_by_role("link", name="Request feedback").click()
    manager.get_by_role("radio", name=re.compile("^Liam Chen")).check()
    expect(manager.get_by_label("Cycle")).to_have_value(str(cycle.pk))
    look(manager, "walk-06-manager-choose")
    manager.get_by_role("button", name="Propose raters").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Feedback about Liam Chen")
    raters = manager.get_by_role("region", name=re.compile("^Raters"))
    expect(raters).to_contain_text("Raters (8)")
    manager.get_by_label("Their email").fill("olga@partner.example")
    manager.get_by_label("Their name").fill("Olga Ortiz")
    manager.get_by_role("button", name="Add by email").click()
    expect(manager.get_by_role("status")).to_contain_text("HR or Liam must approve them")
    expect(raters).to_contain_text("Olga Ortiz olga@partner.example Waiting for approval")
    look(manager, "walk-07-manager-raters")
    manager.get_by_role("link", name="Launch").click()
    expect(manager.locator("main")).to_contain_text("8 invitations go out now")
    look(manager, "walk-08-manager-launch-confirm")
    manager.get_by_role("button", name="Yes, send 8 invitations").click()
    expect(manager.get_by_role("status")).to_contain_text(
        "Launched: 8 invitations are on the way. 1 rater waits for approval by HR or Liam"
    )
    look(manager, "walk-09-manager-launched")
    request = FeedbackRequest.objects.get(subject=company["liam"])
    assert dict(request.raters.values_list("email", "relationship")) == LIAMS_RATERS
    links = {a: mailbox.survey_link(a) for a in LIAMS_RATERS if a != "olga@partner.example"}
    assert not mailbox.bodies("olga@partner.example")

    # 3. The subject approves the outsider; her invitation goes out.
    subject = pages(PHONE)
    log_in(subject, "liam@example.com")
    subject.get_by_role("link", name="My feedback").first.click()
    asked = subject.get_by_role("region", name="Who was asked")
    expect(asked).to_contain_text("1 rater from outside the directory waits for your approval")
    look(subject, "walk-10-subject-approval")
    subject.get_by_role("button", name="Approve olga@partner.example").click()
    expect(subject.get_by_role("status")).to_contain_text("olga@partner.example approved")
    links["olga@partner.example"] = mailbox.survey_link("olga@partner.example")

    # 4. Raters answer on a phone from the links in their emails.
    rater = pages(PHONE)
    answer_survey(rater, links["liam@example.com"], "Always", look=look, name="walk-11-self")
    answer_survey(rater, links["sofia@example.com"], "Often")
    for address in ("priya@example.com", "tom@example.com", "ivy@example.com"):
        answer_survey(rater, links[address], "Always")
    answer_survey(rater, links["ava@example.com"], "Sometimes")
    answer_survey(
        rater, links["olga@partner.example"], "Rarely", look=look, name="walk-12-outsider"
    )

    manager.get_by_role("link", name="My team").first.click()
    manager.get_by_role("link", name="Liam Chen").click()
    progress = manager.get_by_role("region", name="Answers so far")
    expect(progress.get_by_role("row", name=re.compile("^Peers"))).to_contain_text("3 of 4")
    expect(progress.get_by_role("row", name=re.compile("^Direct reports"))).to_contain_text(
        "1 of 2"
    )
    expect(progress.get_by_role("row", name=re.compile("^Outside"))).to_contain_text("1 of 1")
    expect(progress).to_contain_text("7 of 9 surveys answered, as of")
    # Invited minutes ago: one email a day, so no Remind button yet, and the page says why.
    expect(progress).to_contain_text(
        "2 raters have not answered yet. Each had an email less than a day ago "
        "(at most one a day). Next reminder possible on"
    )
    look(manager, "walk-13-manager-progress")

    # 5. Two days later Noah and Ben have not answered: the manager reminds them.
    Rater.objects.filter(request=request).update(
        invited_at=F("invited_at") - datetime.timedelta(days=2)
    )
    manager.get_by_role("link", name="Back to My team").click()
    manager.get_by_role("link", name="Liam Chen").click()
    manager.get_by_role("button", name="Remind the 2 raters who have not answered").click()
    expect(manager.get_by_role("status")).to_contain_text(
        "Reminder sent to 2 raters about Liam Chen, each with a fresh link."
    )
    expect(progress).to_contain_text(
        "2 raters have not answered yet. Reminded today. Next reminder possible on"
    )
    look(manager, "walk-14-manager-reminded")
    ben_reminder = mailbox.survey_link("ben@example.com", subject_starts="Reminder: ")
    mailbox.survey_link("noah@example.com", subject_starts="Reminder: ")
    assert ben_reminder != links["ben@example.com"]
    answer_survey(rater, ben_reminder, "Sometimes")
    manager.get_by_role("link", name="Refresh").click()
    expect(progress).to_contain_text("8 of 9 surveys answered")
    expect(progress.get_by_role("row", name=re.compile("^Direct reports"))).to_contain_text(
        "2 of 2"
    )
    expect(progress).to_contain_text("1 rater has not answered yet. Reminded today.")

    # 6. HR closes (told what is unanswered) and releases.
    hr.get_by_role("link", name="Cycles").first.click()
    hr.get_by_role("link", name="Close Autumn 360…").click()
    expect(hr.locator("main")).to_contain_text("5 surveys are still unanswered, owed by 3 people")
    look(hr, "walk-15-hr-close-confirm")
    hr.get_by_role("button", name="Yes, close Autumn 360").click()
    expect(hr.get_by_role("status")).to_contain_text("Autumn 360 is now closed.")
    look(hr, "walk-16-hr-closed")
    hr.get_by_role("link", name="Release Autumn 360…").click()
    look(hr, "walk-17-hr-release-confirm")
    hr.get_by_role("button", name="Yes, release Autumn 360").click()
    expect(hr.get_by_role("status")).to_contain_text("Autumn 360 is now released.")
    cycle.refresh_from_db()
    assert cycle.status == "released"

    # 7. The subject reads the released report (the worker computes it after the close).
    subject.get_by_role("link", name="My feedback").first.click()
    look(subject, "walk-18-subject-my-feedback")

    def report_shown():
        subject.get_by_role("link", name="Read your report for Autumn 360").click()
        if subject.get_by_role("heading", name="Who answered").count():
            return True
        subject.get_by_role("link", name="My feedback").first.click()
        return False

    wait_for(report_shown, timeout=60, interval=0.5)
    expect(subject.get_by_role("heading", level=1)).to_have_text("Your feedback")
    counts = subject.get_by_role("region", name="Who answered")
    expected_rows = {
        "You": ("1", "yes"),
        "Boss": ("1", "yes"),
        "Peers": ("3", "yes (at least 3 answered)"),
        "Direct reports": ("2", "no (fewer than 3 answered)"),
        "Outside the team": ("1", "no (fewer than 3 answered)"),
        "Others": ("7", "yes (everyone but you; counted=7)"),
    }
    for group, (n, shown) in expected_rows.items():
        row = counts.get_by_role("row", name=re.compile(f"^{group} "))
        expect(row.get_by_role("cell").nth(0)).to_have_text(n)
        expect(row.get_by_role("cell").nth(1)).to_contain_text(shown)
    # Every statement: you 5, others 27/7 = 3.86 from 7 people, Olga among them.
    statements = subject.locator("table.items tbody tr")
    assert statements.count() == 30
    for index in range(30):
        cells = statements.nth(index).locator("td")
        expect(cells.nth(1)).to_have_text("5.00")
        expect(cells.nth(2)).to_have_text("3.86 (7)")
    look(subject, "walk-19-subject-report")
