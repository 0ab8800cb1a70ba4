"""The platform's vocabulary (CONTRACT.md section 2), written once.

Behaviours, poles and rater groups: their slugs (the contract's, never renamed), their order
and their names in plain words. The models' choices, the gap analysis, its SQL, the pages and
the exported files all import them from here, so a word changes in one place. It sits at
the feedback layer (the questionnaire's own words) and imports nothing of the project, so
every layer above may use it.
"""

from django.db import models


class Behaviour(models.TextChoices):
    # Declaration order is the contract's order: vision, change, risk, people, development.
    VISION = "vision", "Vision"
    CHANGE = "change", "Change"
    RISK = "risk", "Risk"
    PEOPLE = "people", "People"
    DEVELOPMENT = "development", "Development"


class Pole(models.TextChoices):
    LEADERSHIP = "leadership", "Leadership"
    MANAGEMENT = "management", "Management"


class Relationship(models.TextChoices):
    SELF = "self", "Self"
    BOSS = "boss", "Boss"
    PEER = "peer", "Peer"
    DIRECT_REPORT = "direct_report", "Direct report"
    OTHER = "other", "Other"


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

BEHAVIOUR_LABELS: dict[str, str] = dict(Behaviour.choices)
POLE_LABELS: dict[str, str] = dict(Pole.choices)

# The seed article's name for each pole of each behaviour: (leadership, management).
POLE_NAMES: dict[str, tuple[str, str]] = {
    Behaviour.VISION: ("Visionary", "Goal setter"),
    Behaviour.CHANGE: ("Innovator", "Sticks with what works"),
    Behaviour.RISK: ("Risk taker", "Risk minimiser"),
    Behaviour.PEOPLE: ("Builds relationships", "Builds systems and processes"),
    Behaviour.DEVELOPMENT: ("Coaches", "Directs"),
}

# An anonymous group in plain words: (one of them, several).
GROUP_WORDS: dict[str, tuple[str, str]] = {
    PEER: ("peer", "peers"),
    DIRECT_REPORT: ("direct report", "direct reports"),
    OTHER: ("other rater", "other raters"),
}

# The subject's own report speaks to them: (heading, inside a sentence).
SUBJECT_GROUP_NAMES: dict[str, tuple[str, str]] = {
    SELF: ("You", "you"),
    BOSS: ("Boss", "your boss"),
    **{group: (plural.capitalize(), plural) for group, (_, plural) in GROUP_WORDS.items()},
    OTHERS: ("Everyone but you", "everyone but you"),
}

# A comment's author, to the subject: the group, never a name.
COMMENT_AUTHORS: dict[str, str] = {
    SELF: "You",
    BOSS: "Your boss",
    PEER: "A peer",
    DIRECT_REPORT: "A direct report",
    OTHER: "Another rater",
}

# Files are read by HR and managers as well as the subject: groups are named from the
# outside ("Self"), where the subject's own pages say "You".
READER_GROUP_LABELS: dict[str, str] = {
    SELF: "Self",
    BOSS: "Boss",
    PEER: "Peers",
    DIRECT_REPORT: "Direct reports",
    OTHER: "Outside the team",
    OTHERS: "Others",
}


def pole_name(behaviour: str, pole: str) -> str:
    """The seed's name of one pole ("Visionary"); the pole's own label for an unknown
    behaviour."""
    names = POLE_NAMES.get(behaviour)
    if names is None:
        return POLE_LABELS.get(pole, pole.capitalize())
    return names[POLES.index(pole)]


def behaviour_label(behaviour: str) -> str:
    return BEHAVIOUR_LABELS.get(behaviour, behaviour.title())


# The report page and the PDF speak to their reader (reports.presentation.Voice): each
# entry is (the subject reading their own report, anyone else). OTHER is someone from
# outside the directory, asked by email: in words, someone from outside the team.
VOICE_GROUP_LABELS: dict[str, tuple[str, str]] = {
    # Row and column labels.
    SELF: ("You", "Self"),
    BOSS: ("Boss", "Boss"),
    PEER: ("Peers", "Peers"),
    DIRECT_REPORT: ("Direct reports", "Direct reports"),
    OTHER: ("Outside the team", "Outside the team"),
    OTHERS: ("Others", "Others"),
}
VOICE_GROUP_PLURAL: dict[str, tuple[str, str]] = {
    # In a sentence, for a group of any size.
    PEER: ("peers", "peers"),
    DIRECT_REPORT: ("direct reports", "direct reports"),
    OTHER: ("people you work with outside your team", "people they work with outside their team"),
}
VOICE_GROUP_SINGULAR: dict[str, tuple[str, str]] = {
    PEER: ("peer", "peer"),
    DIRECT_REPORT: ("direct report", "direct report"),
    OTHER: ("person you work with outside your team", "person they work with outside their team"),
}
VOICE_COMMENT_LABELS: dict[str, tuple[str, str]] = {
    SELF: ("You", "Self"),
    BOSS: ("Your boss", "Boss"),
    PEER: ("A peer", "A peer"),
    DIRECT_REPORT: ("A direct report", "A direct report"),
    OTHER: ("Someone you work with outside your team", "Someone they work with outside their team"),
}
# A chart's label column holds 20 characters with the n.
CHART_SHORT_LABELS: dict[str, str] = {OTHER: "Outside team"}


# How a rater's role reads in a sentence, the same on the survey page, in its emails and
# on the "Surveys to answer" list: "you were asked as <as_phrase>", "averages of the
# <group>' ratings". The slugs and the short labels stay what the API and the files say;
# these are only the words a person reads.
RELATIONSHIP_AS: dict[str, str] = {
    SELF: "yourself",
    BOSS: "their boss",
    PEER: "their peer",
    DIRECT_REPORT: "someone who reports to them",
    OTHER: "someone they work with outside their team",
}
# The same roles told to the subject themself (an approval email about their own feedback).
RELATIONSHIP_AS_TO_SUBJECT: dict[str, str] = {
    SELF: "yourself",
    BOSS: "your boss",
    PEER: "your peer",
    DIRECT_REPORT: "someone who reports to you",
    OTHER: "someone you work with outside your team",
}
RELATIONSHIP_GROUP: dict[str, str] = {
    PEER: "peers",
    DIRECT_REPORT: "people who report to them",
    OTHER: "people they work with outside their team",
}
