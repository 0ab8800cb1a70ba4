"""The vocabulary (CONTRACT.md section 2) is written once, in feedback.vocabulary."""

import re
from pathlib import Path

from feedback import vocabulary
from feedback.models import Item, Rater
from reports.models import SubjectScore

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "config", "core", "feedback", "development", "reports")


def test_it_keeps_the_contract_slugs_in_the_contract_order():
    assert vocabulary.BEHAVIOURS == ("vision", "change", "risk", "people", "development")
    assert vocabulary.POLES == ("leadership", "management")
    assert vocabulary.RELATIONSHIPS == ("self", "boss", "peer", "direct_report", "other")
    assert vocabulary.ANONYMOUS == ("peer", "direct_report", "other")
    assert vocabulary.GROUPS == ("self", "boss", "peer", "direct_report", "other", "others")


def test_it_names_each_pole_as_the_seed_does():
    assert vocabulary.pole_name("vision", "leadership") == "Visionary"
    assert vocabulary.pole_name("change", "management") == "Sticks with what works"
    assert vocabulary.pole_name("people", "management") == "Builds systems and processes"
    assert vocabulary.pole_name("development", "leadership") == "Coaches"


def test_it_gives_the_models_their_choices():
    assert Item._meta.get_field("behaviour").choices == vocabulary.Behaviour.choices
    assert Item._meta.get_field("pole").choices == vocabulary.Pole.choices
    assert Rater._meta.get_field("relationship").choices == vocabulary.Relationship.choices
    assert SubjectScore._meta.get_field("pole").choices == vocabulary.Pole.choices


# A slug or a pole's name written as a string literal: the vocabulary's words elsewhere.
WRITTEN_OUT = re.compile(
    r"""["'](direct_report|goal setter|visionary|sticks with what works|risk minimiser"""
    r"""|builds systems and processes|direct reports?|other raters?)["']""",
    re.IGNORECASE,
)


def test_it_is_the_only_module_that_writes_the_words_out():
    written = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path.name == "vocabulary.py":
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if WRITTEN_OUT.search(line):
                    written.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert written == []
