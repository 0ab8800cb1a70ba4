"""The platform's vocabulary (CONTRACT.md section 2), written once.

Behaviours, poles and rater groups: their slugs (the contract's, never renamed), their order
and their names in plain words. The models' choices, the gap analysis, its SQL, the pages and
the exported files all import them from here, so a word changes in one place. It sits at
the feedback layer (the questionnaire's own words) and imports nothing of the project, so
every layer above may use it.
"""

from collections.abc import Iterator, Mapping

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class Words(Mapping):
    """Slug -> words in the reader's language, translated when looked up.

    The entries are lazy (module-level text is read before any language is active); a
    lookup returns real ``str`` in the active language, a tuple of them for a tuple entry,
    so JSON, SQL parameters, CSV and openpyxl cells never receive a lazy proxy. Build
    derived tables per call, never at import time: that would freeze the words in English.
    """

    def __init__(self, entries):
        self._entries = dict(entries)

    def __getitem__(self, key):
        value = self._entries[key]
        if isinstance(value, tuple):
            return tuple(str(v) if isinstance(v, Promise) else v for v in value)
        return str(value) if isinstance(value, Promise) else value

    def __iter__(self) -> Iterator:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


class Behaviour(models.TextChoices):
    # Declaration order is the contract's order: vision, change, risk, people, development.
    # "Change", "People" and "Development" are also everyday words elsewhere ("Change
    # since ...", "Development plan"): the behaviour's name has its own context.
    VISION = "vision", pgettext_lazy("behaviour", "Vision")
    CHANGE = "change", pgettext_lazy("behaviour", "Change")
    RISK = "risk", pgettext_lazy("behaviour", "Risk")
    PEOPLE = "people", pgettext_lazy("behaviour", "People")
    DEVELOPMENT = "development", pgettext_lazy("behaviour", "Development")


class Pole(models.TextChoices):
    LEADERSHIP = "leadership", pgettext_lazy("pole", "Leadership")
    MANAGEMENT = "management", pgettext_lazy("pole", "Management")


class Relationship(models.TextChoices):
    SELF = "self", pgettext_lazy("relationship", "Self")
    BOSS = "boss", pgettext_lazy("relationship", "Boss")
    PEER = "peer", pgettext_lazy("relationship", "Peer")
    DIRECT_REPORT = "direct_report", pgettext_lazy("relationship", "Direct report")
    OTHER = "other", pgettext_lazy("relationship", "Other")


# Plain strings (not enum members), for SQL, JSON keys and dictionary lookups alike.
BEHAVIOURS: tuple[str, ...] = tuple(Behaviour.values)
POLES: tuple[str, ...] = tuple(Pole.values)
LEADERSHIP, MANAGEMENT = POLES
RELATIONSHIPS: tuple[str, ...] = tuple(Relationship.values)
SELF, BOSS, PEER, DIRECT_REPORT, OTHER = RELATIONSHIPS
# Identified groups are named as such next to their answers; the anonymous ones never are.
IDENTIFIED = (SELF, BOSS)
ANONYMOUS = (PEER, DIRECT_REPORT, OTHER)
# Everyone but self (CONTRACT.md section 4): a published group, never a relationship.
OTHERS = "others"
# Every published group, in the order documents, cells and charts list them, others last.
GROUPS = (*RELATIONSHIPS, OTHERS)

BEHAVIOUR_LABELS: Mapping[str, str] = Words(Behaviour.choices)
POLE_LABELS: Mapping[str, str] = Words(Pole.choices)

# The seed article's name for each pole of each behaviour: (leadership, management).
POLE_NAMES: Mapping[str, tuple[str, str]] = Words(
    {
        Behaviour.VISION: (_("Visionary"), _("Goal setter")),
        Behaviour.CHANGE: (_("Innovator"), _("Sticks with what works")),
        Behaviour.RISK: (_("Risk taker"), _("Risk minimiser")),
        Behaviour.PEOPLE: (_("Builds relationships"), _("Builds systems and processes")),
        # "Coaches" is also the plural noun (the coaches page): the pole has its own context.
        Behaviour.DEVELOPMENT: (pgettext_lazy("pole", "Coaches"), pgettext_lazy("pole", "Directs")),
    }
)

# An anonymous group in plain words: (one of them, several).
GROUP_WORDS: Mapping[str, tuple[str, str]] = Words(
    {
        PEER: (_("peer"), _("peers")),
        DIRECT_REPORT: (_("direct report"), _("direct reports")),
        OTHER: (_("other rater"), _("other raters")),
    }
)

# The subject's own report speaks to them: (heading, inside a sentence).
SUBJECT_GROUP_NAMES: Mapping[str, tuple[str, str]] = Words(
    {
        SELF: (_("You"), _("you")),
        BOSS: (pgettext_lazy("relationship", "Boss"), _("your boss")),
        PEER: (_("Peers"), _("peers")),
        DIRECT_REPORT: (_("Direct reports"), _("direct reports")),
        OTHER: (_("Other raters"), _("other raters")),
        OTHERS: (_("Everyone but you"), _("everyone but you")),
    }
)

# A comment's author, to the subject: the group, never a name.
COMMENT_AUTHORS: Mapping[str, str] = Words(
    {
        SELF: _("You"),
        BOSS: _("Your boss"),
        PEER: _("A peer"),
        DIRECT_REPORT: _("A direct report"),
        OTHER: _("Another rater"),
    }
)

# Files are read by HR and managers as well as the subject: groups are named from the
# outside ("Self"), where the subject's own pages say "You".
READER_GROUP_LABELS: Mapping[str, str] = Words(
    {
        SELF: pgettext_lazy("relationship", "Self"),
        BOSS: pgettext_lazy("relationship", "Boss"),
        PEER: _("Peers"),
        DIRECT_REPORT: _("Direct reports"),
        OTHER: _("Outside the team"),
        OTHERS: _("Others"),
    }
)


def pole_name(behaviour: str, pole: str) -> str:
    """The seed's name of one pole ("Visionary"); the pole's own label for an unknown
    behaviour."""
    names = POLE_NAMES.get(behaviour)
    if names is None:
        return POLE_LABELS.get(pole, pole.capitalize())
    return names[POLES.index(pole)]


def behaviour_label(behaviour: str) -> str:
    return BEHAVIOUR_LABELS.get(behaviour, behaviour.title())


def focus_label(behaviour: str, pole: str) -> str:
    """'Vision: Visionary (leadership)', in the reader's language."""
    return gettext("%(behaviour)s: %(name)s (%(pole)s)") % {
        "behaviour": behaviour_label(behaviour),
        "name": pole_name(behaviour, pole),
        "pole": POLE_WORDS.get(pole, pole),
    }


# The report page and the PDF speak to their reader (reports.presentation.Voice): each
# entry is (the subject reading their own report, anyone else). OTHER is someone from
# outside the directory, asked by email: in words, someone from outside the team.
VOICE_GROUP_LABELS: Mapping[str, tuple[str, str]] = Words(
    {
        # Row and column labels.
        SELF: (_("You"), pgettext_lazy("relationship", "Self")),
        BOSS: (pgettext_lazy("relationship", "Boss"), pgettext_lazy("relationship", "Boss")),
        PEER: (_("Peers"), _("Peers")),
        DIRECT_REPORT: (_("Direct reports"), _("Direct reports")),
        OTHER: (_("Outside the team"), _("Outside the team")),
        OTHERS: (_("Others"), _("Others")),
    }
)
VOICE_GROUP_PLURAL: Mapping[str, tuple[str, str]] = Words(
    {
        # In a sentence, for a group of any size.
        PEER: (_("peers"), _("peers")),
        DIRECT_REPORT: (_("direct reports"), _("direct reports")),
        OTHER: (
            _("people you work with outside your team"),
            _("people they work with outside their team"),
        ),
    }
)
VOICE_GROUP_SINGULAR: Mapping[str, tuple[str, str]] = Words(
    {
        PEER: (_("peer"), _("peer")),
        DIRECT_REPORT: (_("direct report"), _("direct report")),
        OTHER: (
            _("person you work with outside your team"),
            _("person they work with outside their team"),
        ),
    }
)
VOICE_COMMENT_LABELS: Mapping[str, tuple[str, str]] = Words(
    {
        SELF: (_("You"), pgettext_lazy("relationship", "Self")),
        BOSS: (_("Your boss"), pgettext_lazy("relationship", "Boss")),
        PEER: (_("A peer"), _("A peer")),
        DIRECT_REPORT: (_("A direct report"), _("A direct report")),
        OTHER: (
            _("Someone you work with outside your team"),
            _("Someone they work with outside their team"),
        ),
    }
)
# A chart's label column holds 20 characters with the n.
CHART_SHORT_LABELS: Mapping[str, str] = Words({OTHER: _("Outside team")})


# How a rater's role reads in a sentence, the same on the survey page, in its emails and
# on the "Surveys to answer" list: "you were asked as <as_phrase>", "averages of the
# <group>' ratings". The slugs and the short labels stay what the API and the files say;
# these are only the words a person reads.
RELATIONSHIP_AS: Mapping[str, str] = Words(
    {
        SELF: _("yourself"),
        BOSS: _("their boss"),
        PEER: _("their peer"),
        DIRECT_REPORT: _("someone who reports to them"),
        OTHER: _("someone they work with outside their team"),
    }
)
# The same roles told to the subject themself (an approval email about their own feedback).
RELATIONSHIP_AS_TO_SUBJECT: Mapping[str, str] = Words(
    {
        SELF: _("yourself"),
        BOSS: _("your boss"),
        PEER: _("your peer"),
        DIRECT_REPORT: _("someone who reports to you"),
        OTHER: _("someone you work with outside your team"),
    }
)
RELATIONSHIP_GROUP: Mapping[str, str] = Words(
    {
        PEER: _("peers"),
        DIRECT_REPORT: _("people who report to them"),
        OTHER: _("people they work with outside their team"),
    }
)

# A pole's name inside a sentence: "Innovator (leadership)". German nouns keep their capital.
POLE_WORDS: Mapping[str, str] = Words(
    {
        LEADERSHIP: pgettext_lazy("pole, inside a sentence", "leadership"),
        MANAGEMENT: pgettext_lazy("pole, inside a sentence", "management"),
    }
)
