"""What in a comment could give its writer away (issue 16): the rule, pure and local.

Nothing here reads the database or leaves the machine: ``Directory`` is built from the
people rows the caller loaded, and ``screen`` returns the passages to show HR, as
character offsets into the comment. The rule, written out for HR in docs/gap-analysis.md:

- An email address: anything shaped ``local@domain.tld``.
- A phone number: a run of digits, spaces, dots, dashes, slashes and brackets, with an
  optional leading ``+``, holding 8 to 15 digits (a bare year range ``2025-2026`` and a
  date ``12.03.2026`` are not phones).
- A person's full name, anyone in the directory but the subject: every part of the name,
  in order, as whole words, ignoring case and accents (``amelie DUBOIS`` is Amélie Dubois).
  Kind ``manager_name`` for the subject's managers (any level above), ``team_name`` for
  their team, their peers (same manager) and their direct reports, else ``directory_name``.
- One part of a name alone (a first or a last name), only for the subject's managers and
  team as above, and only a part of at least three letters that is not also part of the
  subject's own name (a comment about Anna says "Anna"). A part that is also a common
  English word ("Will", "Grace", "Young") counts only when written with a capital letter.

A passage inside a longer one (a first name inside a full name) is reported once, as the
longer one.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from feedback.vocabulary import Words

EMAIL = "email"
PHONE = "phone"
DIRECTORY_NAME = "directory_name"
TEAM_NAME = "team_name"
MANAGER_NAME = "manager_name"
# What HR reads beside a flagged passage, in their language (the kinds stay slugs).
KINDS = Words(
    {
        MANAGER_NAME: _("a manager's name"),
        TEAM_NAME: _("a name from the subject’s team"),
        DIRECTORY_NAME: _("a name from the directory"),
        EMAIL: _("an email address"),
        PHONE: _("a phone number"),
    }
)
# When one passage is two kinds, the one that says most about who wrote it.
_PRIORITY = {MANAGER_NAME: 0, TEAM_NAME: 1, DIRECTORY_NAME: 2, EMAIL: 3, PHONE: 4}

_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().\-/]{5,}\d(?![\w])")
_NOT_PHONE = (
    re.compile(r"\d{4}\s*[-/–]\s*\d{4}"),  # a year range
    re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}"),  # a date
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
PHONE_DIGITS = (8, 15)
NAME_PART_MIN_LETTERS = 3

# Given and family names that are also everyday English words: alone, they count only
# when capitalised (a lower-case "will" or "young" is the word, not the person).
COMMON_WORDS = frozenset(
    [
        "all",
        "amber",
        "april",
        "august",
        "autumn",
        "bell",
        "bill",
        "bird",
        "black",
        "bloom",
        "blue",
        "brown",
        "bush",
        "carter",
        "cash",
        "chase",
        "clay",
        "close",
        "cook",
        "crystal",
        "dawn",
        "day",
        "dean",
        "deer",
        "dove",
        "earl",
        "ernest",
        "fair",
        "faith",
        "field",
        "fish",
        "ford",
        "fox",
        "frank",
        "free",
        "gay",
        "gene",
        "gold",
        "good",
        "grace",
        "grant",
        "gray",
        "green",
        "grey",
        "hale",
        "hall",
        "hart",
        "hill",
        "holly",
        "honey",
        "hope",
        "hunter",
        "ivy",
        "jack",
        "jay",
        "jewel",
        "joy",
        "june",
        "king",
        "lane",
        "lark",
        "law",
        "lee",
        "little",
        "long",
        "love",
        "mark",
        "marsh",
        "mason",
        "may",
        "miles",
        "mill",
        "miller",
        "moon",
        "more",
        "morning",
        "new",
        "north",
        "ray",
        "reed",
        "rich",
        "river",
        "robin",
        "rock",
        "rose",
        "ruby",
        "rush",
        "sage",
        "salt",
        "sandy",
        "scout",
        "sharp",
        "shore",
        "short",
        "sky",
        "small",
        "snow",
        "spring",
        "star",
        "stone",
        "storm",
        "summer",
        "sunny",
        "swift",
        "taylor",
        "tiger",
        "true",
        "wade",
        "walker",
        "ward",
        "waters",
        "west",
        "white",
        "will",
        "winter",
        "wolf",
        "wood",
        "woods",
        "young",
    ]
)


def fold(word: str) -> str:
    """A word compared without case or accents: "Amélie" and "AMELIE" fold the same."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _words(text: str) -> list[tuple[str, int, int, str]]:
    """(folded word, start, end, original) for each run of letters."""
    return [(fold(m.group()), m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]


def _name_parts(name: str) -> tuple[str, ...]:
    return tuple(word for word, *_ in _words(name))


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    team_id: int | None
    manager_id: int | None


@dataclass(frozen=True)
class Match:
    kind: str
    start: int
    end: int

    def as_dict(self) -> dict:
        return {"kind": self.kind, "start": self.start, "end": self.end}


class Directory:
    """Everyone's names, indexed for ``screen``; built once per screening run."""

    def __init__(self, people: Iterable[PersonRow]):
        self.people = {p.id: p for p in people}
        self.parts = {p.id: _name_parts(p.name) for p in self.people.values()}
        # first folded word -> [(all folded words, person id)], for full names only.
        self.full_names: dict[str, list[tuple[tuple[str, ...], int]]] = defaultdict(list)
        for person_id, parts in self.parts.items():
            if len(parts) >= 2:
                self.full_names[parts[0]].append((parts, person_id))
        self.reports: dict[int, list[int]] = defaultdict(list)
        self.members: dict[int, list[int]] = defaultdict(list)
        for p in self.people.values():
            if p.manager_id is not None:
                self.reports[p.manager_id].append(p.id)
            if p.team_id is not None:
                self.members[p.team_id].append(p.id)

    def circle(self, subject_id: int) -> dict[int, str]:
        """person id -> kind, for the subject's managers (any level) and their team:
        team mates, peers (same manager) and direct reports."""
        subject = self.people.get(subject_id)
        if subject is None:
            return {}
        kinds: dict[int, str] = {}
        for person_id in self.members.get(subject.team_id, []) if subject.team_id else []:
            kinds[person_id] = TEAM_NAME
        if subject.manager_id is not None:
            for person_id in self.reports[subject.manager_id]:
                kinds[person_id] = TEAM_NAME
        for person_id in self.reports.get(subject_id, []):
            kinds[person_id] = TEAM_NAME
        manager_id, seen = subject.manager_id, set()
        while manager_id is not None and manager_id not in seen and manager_id in self.people:
            seen.add(manager_id)
            kinds[manager_id] = MANAGER_NAME
            manager_id = self.people[manager_id].manager_id
        kinds.pop(subject_id, None)
        return kinds


def _contacts(text: str) -> list[Match]:
    found = [Match(EMAIL, m.start(), m.end()) for m in _EMAIL.finditer(text)]
    for m in _PHONE.finditer(text):
        run = m.group().rstrip(" ")
        digits = sum(c.isdigit() for c in run)
        if not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
            continue
        if any(pattern.fullmatch(run.strip("()")) for pattern in _NOT_PHONE):
            continue
        found.append(Match(PHONE, m.start(), m.start() + len(run)))
    return found


def _names(text: str, *, directory: Directory, subject_id: int) -> list[Match]:
    words = _words(text)
    circle = directory.circle(subject_id)
    found = []
    # Full names of anyone but the subject.
    for index, (word, start, _end, _original) in enumerate(words):
        for parts, person_id in directory.full_names.get(word, []):
            if person_id == subject_id:
                continue
            following = words[index : index + len(parts)]
            if tuple(w for w, *_ in following) == parts:
                kind = circle.get(person_id, DIRECTORY_NAME)
                found.append(Match(kind, start, following[-1][2]))
    # One part of a name alone, for the subject's circle.
    own = set(directory.parts.get(subject_id, ()))
    single: dict[str, str] = {}
    for person_id, kind in circle.items():
        parts = directory.parts.get(person_id, ())
        for part in {parts[0], parts[-1]} if parts else ():
            if len(part) < NAME_PART_MIN_LETTERS or part in own:
                continue
            if single.get(part) != MANAGER_NAME:
                single[part] = kind
    for word, start, end, original in words:
        kind = single.get(word)
        if kind is None or (word in COMMON_WORDS and not original[:1].isupper()):
            continue
        found.append(Match(kind, start, end))
    return found


def screen(text: str, *, directory: Directory, subject_id: int) -> list[Match]:
    """The passages of ``text`` that may name or reach someone, in reading order, none
    inside another (the longer, then the more telling kind, wins)."""
    candidates = _contacts(text) + _names(text, directory=directory, subject_id=subject_id)
    candidates.sort(key=lambda m: (m.start, -(m.end - m.start), _PRIORITY[m.kind]))
    kept: list[Match] = []
    for match in candidates:
        if kept and match.start < kept[-1].end:
            continue
        kept.append(match)
    return kept
