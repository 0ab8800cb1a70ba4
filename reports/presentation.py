"""The section-4 document in the words and charts a person reads.

Pure functions over the stored document (no queries): the page and the individual PDF
show the same sentences. Words depend on the reader (``Voice``): the subject reads "you",
anyone else reads the subject's name.
"""

from __future__ import annotations

from dataclasses import dataclass

from feedback.vocabulary import (
    ANONYMOUS,
    BEHAVIOUR_LABELS,
    BOSS,
    GROUP_WORDS,
    LEADERSHIP,
    MANAGEMENT,
    OTHER,
    OTHERS,
    POLE_NAMES,
    POLES,
    RELATIONSHIPS,
    behaviour_label,
)
from feedback.vocabulary import CHART_SHORT_LABELS as CHART_LABELS
from feedback.vocabulary import GROUPS as CHART_GROUPS
from feedback.vocabulary import VOICE_COMMENT_LABELS as COMMENT_LABELS
from feedback.vocabulary import VOICE_GROUP_LABELS as GROUP_LABELS
from feedback.vocabulary import VOICE_GROUP_PLURAL as GROUP_PLURAL
from feedback.vocabulary import VOICE_GROUP_SINGULAR as GROUP_SINGULAR
from reports import charts, comment_screening

# behaviour: (name, leadership pole, management pole), the poles as read inside a sentence.
BEHAVIOUR_NAMES = {
    slug: (BEHAVIOUR_LABELS[slug], lead.lower(), manage.lower())
    for slug, (lead, manage) in POLE_NAMES.items()
}
SINGULAR = {group: one for group, (one, _) in GROUP_WORDS.items()}


HIGHLIGHTS = 3  # at most this many statements per list of the summary


@dataclass(frozen=True)
class Voice:
    """Whom the words address.

    The subject reading their own report is "you". Anyone else (a manager, HR, whoever
    opens an exported file) reads the subject's full name, as stored: no gender is
    recorded, so never "he" or "she", and a first name cannot be told apart reliably
    from a family name. Where a second mention would repeat the name, "they" / "their".
    """

    own: bool
    name: str = ""

    @classmethod
    def of(cls, document: dict, *, own: bool) -> Voice:
        return cls(own=own, name=document["subject"]["name"])

    def pick(self, own: str, other: str) -> str:
        return own if self.own else other

    @property
    def you(self) -> str:
        return self.pick("you", self.name)

    @property
    def You(self) -> str:  # at the start of a sentence
        return self.pick("You", self.name)

    @property
    def your(self) -> str:
        return self.pick("your", f"{self.name}’s")

    @property
    def Your(self) -> str:  # at the start of a sentence
        return self.pick("Your", f"{self.name}’s")

    @property
    def everyone_but(self) -> str:
        return f"everyone but {self.you}"

    @property
    def your_boss(self) -> str:
        return f"{self.your} boss"

    def label(self, group: str) -> str:
        return self._of(GROUP_LABELS, group)

    def plural(self, group: str) -> str:
        return self._of(GROUP_PLURAL, group)

    def singular(self, group: str) -> str:
        return self._of(GROUP_SINGULAR, group)

    def comment_label(self, group: str) -> str:
        return self._of(COMMENT_LABELS, group)

    def _of(self, words: dict, group: str) -> str:
        pair = words.get(group)
        return group if pair is None else pair[0 if self.own else 1]


SUBJECT = Voice(own=True)


def behaviour_name(slug: str) -> str:
    return behaviour_label(slug)


def pole_name(slug: str, pole: str) -> str:
    """The pole's own name in lower case, as the questionnaire says it."""
    names = BEHAVIOUR_NAMES.get(slug)
    if names is None:
        return pole
    return names[1] if pole == "leadership" else names[2]


def pair_name(slug: str) -> str:
    """The behaviour as its pair of poles: "Visionary / Goal setter"."""
    names = BEHAVIOUR_NAMES.get(slug)
    if names is None:
        return slug.title()
    return f"{_capital(names[1])} / {_capital(names[2])}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


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


def boss_only_note(document: dict, *, name: str = "Others", voice: Voice = SUBJECT) -> str | None:
    """Says in words that ``others`` is the boss alone, and why; None otherwise."""
    if not others_is_boss_only(document):
        return None
    k = document["cycle"]["min_anonymous_raters"]
    groups = document["groups"]
    below = [voice.plural(g) for g in ANONYMOUS if 0 < groups[g]["n"] < k]
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
    return f"“{name}” here means {voice.your_boss} only: {why}."


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def suppressed_notes(document: dict, *, voice: Voice = SUBJECT) -> list[str]:
    """One plain sentence per group that answered but is not shown on its own."""
    k = document["cycle"]["min_anonymous_raters"]
    notes = []
    for group in ANONYMOUS:
        n = document["groups"][group]["n"]
        if 0 < n < k:
            who = voice.singular(group) if n == 1 else voice.plural(group)
            notes.append(
                f"Only {n} {who} answered, fewer than {k}, so their ratings are not shown on "
                f"their own: they are counted only inside “{voice.everyone_but}”, and only "
                f"for statements where the small groups together gave at least {k} ratings. "
                f"Their comments are not shown."
            )
    if document["groups"]["boss"]["n"] == 0:
        notes.append(f"{voice.Your} boss has not answered, so there is no boss column.")
    if others_counted(document) is None:
        notes.append(
            "This report was released before the number of people counted in "
            f"“{voice.everyone_but}” was recorded: that number is not shown."
        )
    return notes


def _group_chart_label(group: str, voice: Voice) -> str:
    return CHART_LABELS.get(group) or voice.label(group)


def behaviour_sections(document: dict, *, voice: Voice = SUBJECT) -> list[dict]:
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
                # Labelled with the people counted, not the surveys.
                label = counted_label(voice.label(OTHERS), others_counted(document))
            else:
                label = f"{_group_chart_label(group, voice)} (n={n})"
            rows.append((label, behaviour[LEADERSHIP][group], behaviour[MANAGEMENT][group]))
        sections.append(
            {
                "slug": slug,
                "name": name,
                "pair": pair_name(slug),
                "poles": f"{lead_pole} (leadership) vs {manage_pole} (management)",
                "profile": behaviour.get("profile"),
                "chart": charts.pole_pairs(
                    title=f"{pair_name(slug)}: leadership and management", rows=rows
                ),
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


def gap_chart(document: dict, *, voice: Voice = SUBJECT) -> str:
    rows = []
    for behaviour in document["behaviours"]:
        name = behaviour_name(behaviour["behaviour"])
        for pole in POLES:
            rows.append((f"{name}, {pole[:6]}.", behaviour["self_others_gap"][pole]))
    rates = voice.pick("How you rate yourself", f"How {voice.name} rates themself")
    if others_is_boss_only(document):
        title = f"{rates} compared with {voice.your_boss} (the only person counted)"
    else:
        title = counted_label(f"{rates} compared with everyone else", others_counted(document))
    return charts.gap_bars(
        title=title,
        rows=rows,
        threshold=document["cycle"]["gap_threshold"],
    )


def gap_sentences(document: dict, *, voice: Voice = SUBJECT) -> dict[str, list[str]]:
    """Blind spots and hidden strengths as sentences, each figure with its n."""
    items = {item["id"]: item for item in document["items"]}

    def sentence(item_id: int, kind: str) -> str:
        item = items[item_id]
        mine = item["scores"]["self"]["mean"]
        others = item["scores"]["others"]
        where = behaviour_name(item["behaviour"]).lower()
        # Built on the boss alone: said so, not dressed up as "everyone else".
        if item_others_is_boss_only(item):
            who, counted = f"{voice.your_boss} alone", "boss only"
            they = voice.pick("Your boss sees", "The boss sees")
        else:
            who, counted, they = "everyone else", f"counted={others['n']}", "Others see"
        start = f"“{item['text']}” ({where}, {item['pole']}): "
        if kind == "blind":
            return start + voice.pick(
                f"you rate yourself {mine:.2f}, {who} {others['mean']:.2f} ({counted}). "
                f"{they} this in you less than you think.",
                f"{voice.name} rates themself {mine:.2f}, {who} {others['mean']:.2f} "
                f"({counted}). {they} this less than {voice.name} does.",
            )
        return start + voice.pick(
            f"{who} rates you {others['mean']:.2f} ({counted}), you rate yourself "
            f"{mine:.2f}. {they} more of this in you than you give yourself credit for.",
            f"{who} rates {voice.name} {others['mean']:.2f} ({counted}), {voice.name} "
            f"rates themself {mine:.2f}. {they} more of this than {voice.name} does.",
        )

    return {
        "blind_spots": [sentence(i, "blind") for i in document["blind_spots"] if i in items],
        "hidden_strengths": [
            sentence(i, "hidden") for i in document["hidden_strengths"] if i in items
        ],
    }


def summary(document: dict, *, voice: Voice = SUBJECT) -> dict:
    """What matters first: at most three strengths, three areas to develop and the three
    largest blind spots, each list with the rule that chose it, in words.

    Read only from published figures: the rounded ``others`` means and gaps of the
    document, ties in questionnaire order, so the order says nothing the figures do not.
    Chosen from the statements rated by at least k people besides the subject (an
    ``others`` mean rests on the boss, on groups of at least k, or on a pool of at least
    k, so that is every statement whose others figure is not the boss alone). When no
    statement reaches k, everything rests on the boss: the lists then come from the
    boss's ratings and say so.
    """
    k = document["cycle"]["min_anonymous_raters"]
    threshold = document["cycle"]["gap_threshold"]
    rated = [
        (position, item)
        for position, item in enumerate(document["items"])
        if item["scores"].get("others")
    ]
    broad = [(p, i) for p, i in rated if i["scores"]["others"]["n"] >= k]
    pool = broad or rated
    boss_alone = bool(rated) and not broad

    def mean(entry):
        return entry[1]["scores"]["others"]["mean"]

    strengths = sorted(pool, key=lambda e: (-mean(e), e[0]))[:HIGHLIGHTS]
    chosen = {p for p, _ in strengths}
    to_develop = [e for e in sorted(pool, key=lambda e: (mean(e), e[0])) if e[0] not in chosen]
    to_develop = to_develop[:HIGHLIGHTS]
    blind_ids = set(document["blind_spots"])
    blind = [(p, i) for p, i in pool if i["id"] in blind_ids and i["self_others_gap"] is not None]
    largest = sorted(blind, key=lambda e: (-e[1]["self_others_gap"], e[0]))[:HIGHLIGHTS]

    if boss_alone:
        source = (
            f"No statement was rated by {k} or more people besides {voice.you}, so every "
            f"list here comes from {voice.your_boss}’s ratings alone: one person’s view."
        )
        who, rate, do = voice.your_boss, "rates", "does"
    else:
        source = (
            f"Chosen from the {len(pool)} statements rated by at least {k} people besides "
            f"{voice.you} ({k} is the anonymity minimum); ties keep the questionnaire’s order."
        )
        who, rate, do = "others", "rate", "do"
    return {
        "source": source,
        "strengths": [_highlight(i) for _, i in strengths],
        "strengths_rule": f"The statements {who} {rate} highest.",
        "to_develop": [_highlight(i) for _, i in to_develop],
        "to_develop_rule": (
            f"The statements {who} {rate} lowest, leaving out those already listed as strengths."
        ),
        "blind_spots": [_highlight(i) for _, i in largest],
        "blind_spots_total": len(document["blind_spots"]),
        "blind_spots_rule": voice.pick(
            f"Where you rate yourself at least {threshold} higher than {who} {do}, "
            "largest gap first.",
            f"Where {voice.name} rates themself at least {threshold} higher than {who} {do}, "
            "largest gap first.",
        ),
    }


def _highlight(item: dict) -> dict:
    others = item["scores"]["others"]
    return {
        "id": item["id"],
        "text": item["text"],
        # The pole's own name says which pair it belongs to: "Innovator (leadership)".
        "where": f"{_capital(pole_name(item['behaviour'], item['pole']))} ({item['pole']})",
        "others": others["mean"],
        "counted": others["n"],
        "boss_only": item_others_is_boss_only(item),
        "self": (item["scores"].get("self") or {}).get("mean"),
        "gap": item["self_others_gap"],
    }


def comment_groups(document: dict, *, voice: Voice = SUBJECT) -> list[dict]:
    """Comments under a heading, never with a name: under their question, each labelled
    by its group; or, in a cycle that shuffles comments (issue 16), under their group,
    each labelled by its question, in the document's shuffled order.

    [{"heading", "comments": [{"label", "text"}]}]; the page, the PDF and the files alike.
    """
    shuffled = document.get("cycle", {}).get("shuffle_comments", False)
    headed: dict[str, list[dict]] = {}
    for comment in document["comments"]:
        if shuffled:
            heading, label = voice.label(comment["group"]), comment["question"]
        else:
            heading, label = comment["question"], voice.comment_label(comment["group"])
        headed.setdefault(heading, []).append({"label": label, "text": comment["text"]})
    return [{"heading": h, "comments": c} for h, c in headed.items()]


def group_counts(document: dict, *, voice: Voice = SUBJECT) -> list[dict]:
    k = document["cycle"]["min_anonymous_raters"]
    rows = []
    for group in CHART_GROUPS:
        figures = document["groups"][group]
        if group == OTHERS:
            counted = others_counted(document)
            rule = voice.everyone_but
            if counted is not None:
                rule = f"{rule}; counted={counted}"
            if others_is_boss_only(document):
                rule = f"{rule} ({voice.your_boss} only)"
        else:
            # The anonymity minimum as the reason for this row's yes or no ("shown from 3
            # answers" beside a "no" read as if it had been shown).
            rule = ""
            if group in ANONYMOUS:
                rule = f"at least {k} answered" if figures["shown"] else f"fewer than {k} answered"
        rows.append(
            {
                "name": voice.label(group),
                "n": figures["n"],
                "shown": figures["shown"],
                "rule": rule,
            }
        )
    return rows


def report_context(document: dict, *, own: bool = True) -> dict:
    voice = Voice.of(document, own=own)
    return {
        "document": document,
        "voice": voice,
        "summary": summary(document, voice=voice),
        "groups": group_counts(document, voice=voice),
        "notes": suppressed_notes(document, voice=voice),
        "boss_only_note": boss_only_note(document, voice=voice),
        "sections": behaviour_sections(document, voice=voice),
        "gap_chart": gap_chart(document, voice=voice),
        **gap_sentences(document, voice=voice),
        "comment_groups": comment_groups(document, voice=voice),
        "change": change_view(document, voice=voice),
    }


# --- Change since the last cycle (issue 16) ----------------------------------------------


def _signed(value: float | None) -> str:
    if value is None:
        return "—"
    return "0.00" if value == 0 else f"{value:+.2f}".replace("-", "−")


def change_view(document: dict, *, voice: Voice = SUBJECT) -> dict | None:
    """The ``previous`` comparisons in words and rows, for the page and the PDF: every
    earlier cycle's figure beside this cycle's, and the change since the last one. None
    when there is no earlier released cycle to compare with."""
    previous = document.get("previous") or []
    if not previous:
        return None
    last = previous[0]
    # Older cycles first, then the last one, then this one: a row reads left to right in time.
    columns = [p["cycle"]["name"] for p in reversed(previous)] + [document["cycle"]["name"]]
    k = document["cycle"]["min_anonymous_raters"]

    def row(label: str, pick) -> dict | None:
        figure = pick(last)
        if figure is None:
            return None
        values = [_score((pick(p) or {}).get("before")) for p in reversed(previous)]
        change = figure["change"]
        notable = ""
        if figure["notable"]:
            notable = "notable rise" if change > 0 else "notable fall"
        return {
            "label": label,
            "values": [*values, _score(figure["now"])],
            # Each value with its cycle, for a phone, where the table becomes a list.
            "cells": list(zip(columns, [*values, _score(figure["now"])], strict=True)),
            "change": _signed(change),
            "notable": notable,
        }

    you = voice.label("self")
    behaviours = []
    for behaviour in last["behaviours"]:
        slug = behaviour["behaviour"]
        pole_labels = [(pole, _capital(pole_name(slug, pole))) for pole in POLES]

        def pole_rows(group: str, name: str, slug=slug, pole_labels=pole_labels):
            return [
                row(
                    f"{name}: {label}",
                    lambda c, pole=pole, group=group, slug=slug: _pick(c, slug)[pole].get(group),
                )
                for pole, label in pole_labels
            ]

        main = [
            *pole_rows(OTHERS, voice.label(OTHERS)),
            row(
                f"{voice.label(OTHERS)}: balance (leadership − management)",
                lambda c, b=slug: _pick(c, b)["balance"].get(OTHERS),
            ),
            *pole_rows("self", you),
            *(
                row(
                    f"Gap {you.lower() if voice.own else 'self'} − others: {label}",
                    lambda c, b=slug, pole=pole: _pick(c, b)["self_others_gap"].get(pole),
                )
                for pole, label in pole_labels
            ),
        ]
        by_group = [r for group in (BOSS, *ANONYMOUS) for r in pole_rows(group, voice.label(group))]
        behaviours.append(
            {
                "slug": slug,
                "pair": pair_name(slug),
                "rows": [r for r in main if r],
                "group_rows": [r for r in by_group if r],
            }
        )

    mix = []
    for group in RELATIONSHIPS:
        counts = last["groups"][group]
        if counts["before"] != counts["now"]:
            mix.append(f"{voice.label(group).lower()} {counts['before']} → {counts['now']}")
    statements = last["statements"]
    statement_note = None
    if statements["not_compared"] or statements["no_longer_asked"]:
        statement_note = (
            f"{statements['compared']} statements are compared. "
            f"{len(statements['not_compared'])} statements are new or changed meaning and "
            f"{statements['no_longer_asked']} from {last['cycle']['name']} are no longer "
            "asked: those are left out of every figure below, on both sides."
        )
    return {
        "since": last["cycle"]["name"],
        "columns": columns,
        "behaviours": behaviours,
        "mix_warning": (
            f"Not the same people answered: {_join(mix)}. Part of any change may come from "
            f"who answered rather than from {voice.you}."
            if mix
            else None
        ),
        "statement_note": statement_note,
        "rule": (
            "A change is marked notable only when it is larger than twice its standard "
            "error, worked out from how much the ratings spread in both cycles; smaller "
            "changes may be chance. A group is compared only where it was shown in both "
            f"cycles (anonymous groups from {k} answers); one person's view (yours, or your "
            "boss's) has no spread to judge by and is never marked."
        )
        if voice.own
        else (
            "A change is marked notable only when it is larger than twice its standard "
            "error, worked out from how much the ratings spread in both cycles; smaller "
            "changes may be chance. A group is compared only where it was shown in both "
            f"cycles (anonymous groups from {k} answers); one person's view (self, boss) "
            "has no spread to judge by and is never marked."
        ),
    }


def _pick(comparison: dict, behaviour: str) -> dict:
    for entry in comparison["behaviours"]:
        if entry["behaviour"] == behaviour:
            return entry
    return {
        LEADERSHIP: {},
        MANAGEMENT: {},
        "balance": {},
        "self_others_gap": {},
    }


def comment_passages(text: str, matches: list[dict]) -> list[dict]:
    """A flagged comment cut into plain and flagged passages, for HR's review list:
    [{"text", "kind", "kind_label", "start", "end"}], kind None for plain text."""
    pieces, position = [], 0
    for match in matches:
        start, end = match["start"], match["end"]
        if start < position or end > len(text):
            continue  # offsets from another text: never show a wrong highlight
        if start > position:
            pieces.append({"text": text[position:start], "kind": None})
        pieces.append(
            {
                "text": text[start:end],
                "kind": match["kind"],
                "kind_label": comment_screening.KINDS.get(match["kind"], match["kind"]),
                "start": start,
                "end": end,
            }
        )
        position = end
    if position < len(text):
        pieces.append({"text": text[position:], "kind": None})
    return pieces
