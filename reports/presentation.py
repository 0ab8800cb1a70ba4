"""The section-4 document in the words and charts a subject reads.

Pure functions over the stored document (no queries): the page, and later the PDF
export, show the same sentences.
"""

from __future__ import annotations

from feedback.vocabulary import (
    ANONYMOUS,
    BEHAVIOUR_LABELS,
    GROUP_WORDS,
    LEADERSHIP,
    MANAGEMENT,
    OTHER,
    OTHERS,
    POLE_NAMES,
    POLES,
    behaviour_label,
)
from feedback.vocabulary import COMMENT_AUTHORS as COMMENT_GROUPS
from feedback.vocabulary import GROUPS as CHART_GROUPS
from feedback.vocabulary import SUBJECT_GROUP_NAMES as GROUP_NAMES
from reports import charts

# behaviour: (name, leadership pole, management pole), the poles as read inside a sentence.
BEHAVIOUR_NAMES = {
    slug: (BEHAVIOUR_LABELS[slug], lead.lower(), manage.lower())
    for slug, (lead, manage) in POLE_NAMES.items()
}
SINGULAR = {group: one for group, (one, _) in GROUP_WORDS.items()}


def behaviour_name(slug: str) -> str:
    return behaviour_label(slug)


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def others_counted(document: dict) -> int | None:
    """``groups.others.counted``: the people behind the others figures. None for a
    document frozen before it was recorded (its figures are never recomputed)."""
    return document["groups"]["others"].get("counted")


def counted_label(name: str, counted: int | None) -> str:
    """An others figure is labelled with the people counted in it, never with n (the
    surveys, which include raters whose ratings could not be counted)."""
    return name if counted is None else f"{name} (counted={counted})"


def item_others_is_boss_only(item: dict) -> bool:
    """The item's others mean rests on the boss's rating alone."""
    others, boss = item["scores"].get("others"), item["scores"].get("boss")
    return bool(others and boss and others["n"] == boss["n"])


def others_is_boss_only(document: dict) -> bool:
    """Every others figure of the document is the boss alone.

    With k >= 2 a counted anonymous rater comes with at least one more, so one person
    counted is the boss. A document frozen before ``counted`` existed is read from its
    items: every others mean has exactly the boss's rating count.
    """
    counted = others_counted(document)
    if counted is not None:
        return counted == 1 and document["groups"]["boss"]["n"] > 0
    with_others = [i for i in document["items"] if i["scores"].get("others")]
    return bool(with_others) and all(item_others_is_boss_only(i) for i in with_others)


def boss_only_note(document: dict, *, name: str = "Others") -> str | None:
    """Says in words that ``others`` is the boss alone, and why; None otherwise."""
    if not others_is_boss_only(document):
        return None
    k = document["cycle"]["min_anonymous_raters"]
    groups = document["groups"]
    below = [GROUP_NAMES[g][1] for g in ANONYMOUS if 0 < groups[g]["n"] < k]
    answered = [g for g in ANONYMOUS if groups[g]["n"] > 0]
    if not answered:
        why = "nobody else answered"
    elif len(below) == len(answered):
        why = (
            f"{_join(below)} are below the anonymity minimum of {k}, "
            "so none of their ratings is counted"
        )
    else:
        why = f"no other rating reached the anonymity minimum of {k}"
    return f"“{name}” here means your boss only: {why}."


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def suppressed_notes(document: dict) -> list[str]:
    """One plain sentence per group that answered but is not shown on its own."""
    k = document["cycle"]["min_anonymous_raters"]
    notes = []
    for group in ANONYMOUS:
        n = document["groups"][group]["n"]
        if 0 < n < k:
            who = SINGULAR[group] if n == 1 else GROUP_NAMES[group][1]
            notes.append(
                f"Only {n} {who} answered, fewer than {k}, so their ratings are not shown on "
                f"their own: they are counted only inside “everyone but you”, and only for "
                f"statements where the small groups together gave at least {k} ratings. "
                f"Their comments are not shown."
            )
    if document["groups"]["boss"]["n"] == 0:
        notes.append("Your boss has not answered, so there is no boss column.")
    if others_counted(document) is None:
        notes.append(
            "This report was released before the number of people counted in “everyone "
            "but you” was recorded: that number is not shown."
        )
    return notes


def behaviour_sections(document: dict) -> list[dict]:
    """Per behaviour: a leadership-versus-management chart for every group with its n,
    the plain-words profile and the statements with their figures."""
    groups = document["groups"]
    items_by_behaviour: dict[str, list[dict]] = {}
    for item in document["items"]:
        items_by_behaviour.setdefault(item["behaviour"], []).append(item)
    sections = []
    for behaviour in document["behaviours"]:
        slug = behaviour["behaviour"]
        name, lead_pole, manage_pole = BEHAVIOUR_NAMES.get(slug, (slug.title(), "", ""))
        rows = []
        for group in CHART_GROUPS:
            n = groups[group]["n"]
            if group == OTHER and n == 0:
                continue  # external raters are optional; an empty row says nothing
            if group == OTHERS:
                # The chart's label column is narrow: "Others" there, spelled out in the
                # table. Labelled with the people counted, not the surveys.
                label = counted_label("Others", others_counted(document))
            else:
                label = f"{GROUP_NAMES[group][0]} (n={n})"
            rows.append((label, behaviour[LEADERSHIP][group], behaviour[MANAGEMENT][group]))
        sections.append(
            {
                "slug": slug,
                "name": name,
                "poles": f"{lead_pole} (leadership) vs {manage_pole} (management)",
                "profile": behaviour.get("profile"),
                "chart": charts.pole_pairs(title=f"{name}: leadership and management", rows=rows),
                "items": [
                    {
                        "text": item["text"],
                        "pole": item["pole"],
                        "self": _score((item["scores"]["self"] or {}).get("mean")),
                        "others": _score((item["scores"]["others"] or {}).get("mean")),
                        # People behind this item's others mean: one rating each.
                        "others_counted": (item["scores"]["others"] or {}).get("n", 0),
                        "boss_only": item_others_is_boss_only(item),
                    }
                    for item in items_by_behaviour.get(slug, [])
                ],
            }
        )
    return sections


def gap_chart(document: dict) -> str:
    rows = []
    for behaviour in document["behaviours"]:
        name = behaviour_name(behaviour["behaviour"])
        for pole in POLES:
            rows.append((f"{name}, {pole[:6]}.", behaviour["self_others_gap"][pole]))
    if others_is_boss_only(document):
        title = "How you rate yourself compared with your boss (the only person counted)"
    else:
        title = counted_label(
            "How you rate yourself compared with everyone else", others_counted(document)
        )
    return charts.gap_bars(
        title=title,
        rows=rows,
        threshold=document["cycle"]["gap_threshold"],
    )


def gap_sentences(document: dict) -> dict[str, list[str]]:
    """Blind spots and hidden strengths as sentences, each figure with its n."""
    items = {item["id"]: item for item in document["items"]}

    def sentence(item_id: int, kind: str) -> str:
        item = items[item_id]
        mine = item["scores"]["self"]["mean"]
        others = item["scores"]["others"]
        where = behaviour_name(item["behaviour"]).lower()
        # Built on the boss alone: said so, not dressed up as "everyone else".
        if item_others_is_boss_only(item):
            who, counted, they = "your boss alone", "boss only", "Your boss sees"
        else:
            who, counted, they = "everyone else", f"counted={others['n']}", "Others see"
        if kind == "blind":
            return (
                f"“{item['text']}” ({where}, {item['pole']}): you rate yourself {mine:.2f}, "
                f"{who} {others['mean']:.2f} ({counted}). {they} this in "
                f"you less than you think."
            )
        return (
            f"“{item['text']}” ({where}, {item['pole']}): {who} rates you "
            f"{others['mean']:.2f} ({counted}), you rate yourself {mine:.2f}. {they} "
            f"more of this in you than you give yourself credit for."
        )

    return {
        "blind_spots": [sentence(i, "blind") for i in document["blind_spots"] if i in items],
        "hidden_strengths": [
            sentence(i, "hidden") for i in document["hidden_strengths"] if i in items
        ],
    }


def comment_groups(document: dict) -> list[dict]:
    """Comments under their question, labelled by group and never by name."""
    questions: dict[str, list[dict]] = {}
    for comment in document["comments"]:
        questions.setdefault(comment["question"], []).append(
            {
                "group": COMMENT_GROUPS.get(comment["group"], comment["group"]),
                "text": comment["text"],
            }
        )
    return [{"question": q, "comments": c} for q, c in questions.items()]


def group_counts(document: dict) -> list[dict]:
    k = document["cycle"]["min_anonymous_raters"]
    rows = []
    for group in CHART_GROUPS:
        figures = document["groups"][group]
        if group == OTHERS:
            counted = others_counted(document)
            rule = "" if counted is None else f"counted={counted}"
            if others_is_boss_only(document):
                rule = f"{rule} (your boss only)".strip()
        else:
            rule = f"shown from {k} answers" if group in ANONYMOUS else ""
        rows.append(
            {
                "name": GROUP_NAMES[group][0],
                "n": figures["n"],
                "shown": figures["shown"],
                "rule": rule,
            }
        )
    return rows


def report_context(document: dict) -> dict:
    return {
        "document": document,
        "groups": group_counts(document),
        "notes": suppressed_notes(document),
        "boss_only_note": boss_only_note(document),
        "sections": behaviour_sections(document),
        "gap_chart": gap_chart(document),
        **gap_sentences(document),
        "comment_groups": comment_groups(document),
    }
