"""The section-4 document in the words and charts a person reads.

Pure functions over the stored document (no queries): the page and the individual PDF
show the same sentences. Words depend on the reader (``Voice``): the subject reads "you",
anyone else reads the subject's name.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy, ngettext, pgettext
from django.utils.translation import gettext as _

from feedback.vocabulary import (
    ANONYMOUS,
    BOSS,
    LEADERSHIP,
    MANAGEMENT,
    OTHER,
    OTHERS,
    POLE_NAMES,
    POLE_WORDS,
    POLES,
    RELATIONSHIPS,
    Words,
    behaviour_label,
)
from feedback.vocabulary import CHART_SHORT_LABELS as CHART_LABELS
from feedback.vocabulary import GROUPS as CHART_GROUPS
from feedback.vocabulary import VOICE_COMMENT_LABELS as COMMENT_LABELS
from feedback.vocabulary import VOICE_GROUP_LABELS as GROUP_LABELS
from feedback.vocabulary import VOICE_GROUP_PLURAL as GROUP_PLURAL
from feedback.vocabulary import VOICE_GROUP_SINGULAR as GROUP_SINGULAR
from reports import charts, comment_screening


def _in_sentence(name: str) -> str:
    """A pole's name inside a sentence: lower case, except in German, where the names
    are nouns and keep their capital."""
    if (get_language() or "").startswith("de"):
        return name
    return name[:1].lower() + name[1:]


def behaviour_names(slug: str) -> tuple[str, str, str] | None:
    """(name, leadership pole, management pole), the poles as read inside a sentence, in
    the active language (looked up per call: a table built at import would stay English)."""
    names = POLE_NAMES.get(slug)
    if names is None:
        return None
    lead, manage = names
    return behaviour_label(slug), _in_sentence(lead), _in_sentence(manage)


def pole_word(pole: str) -> str:
    """The pole inside a sentence: "leadership"."""
    return POLE_WORDS.get(pole, pole)


def where(slug: str, pole: str) -> str:
    """The pole's own name and the pole: "Innovator (leadership)"."""
    return _("%(name)s (%(pole)s)") % {
        "name": _capital(pole_name(slug, pole)),
        "pole": pole_word(pole),
    }


# ``behaviours[].profile`` is a contract value (the API and the stored documents keep the
# English phrase, like a slug); only the page and the files show it in the reader's words.
PROFILE_WORDS = Words(
    {
        "leads more than manages": gettext_lazy("leads more than manages"),
        "manages more than leads": gettext_lazy("manages more than leads"),
        "leads and manages": gettext_lazy("leads and manages"),
        "both to develop": gettext_lazy("both to develop"),
    }
)


def profile_words(profile: str | None) -> str | None:
    return None if profile is None else PROFILE_WORDS.get(profile, profile)


def number(value: float | None) -> str:
    """A figure as the reader's language writes it (3.86, 3,86): display only."""
    return "—" if value is None else number_format(value, 2)


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

    # Whole sentences are written twice (the subject's and anyone else's) so each language
    # can build them its own way; only these noun phrases are put into sentences.
    @property
    def you(self) -> str:
        return self.pick(_("you"), self.name)

    @property
    def You(self) -> str:  # at the start of a sentence
        return self.pick(_("You"), self.name)

    @property
    def your(self) -> str:  # kept for the exported files, which still build on it
        return self.pick(_("your"), _("%(name)s’s") % {"name": self.name})

    @property
    def Your(self) -> str:  # at the start of a sentence
        return self.pick(_("Your"), _("%(name)s’s") % {"name": self.name})

    @property
    def everyone_but(self) -> str:
        return self.pick(_("everyone but you"), _("everyone but %(name)s") % {"name": self.name})

    @property
    def your_boss(self) -> str:
        return self.pick(_("your boss"), _("%(name)s’s boss") % {"name": self.name})

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
    """The pole's own name as read inside a sentence, as the questionnaire says it."""
    names = behaviour_names(slug)
    if names is None:
        return pole
    return names[1] if pole == LEADERSHIP else names[2]


def pair_name(slug: str) -> str:
    """The behaviour as its pair of poles: "Visionary / Goal setter"."""
    names = behaviour_names(slug)
    if names is None:
        return slug.title()
    return f"{_capital(names[1])} / {_capital(names[2])}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


_score = number


def others_counted(document: dict) -> int | None:
    """``groups.others.counted``: the people behind the others figures. None for a
    document frozen before it was recorded (its figures are never recomputed)."""
    return document["groups"]["others"].get("counted")


def counted_label(name: str, counted: int | None) -> str:
    """An others figure is labelled with the people counted in it, never with n (the
    surveys, which include raters whose ratings could not be counted)."""
    if counted is None:
        return name
    return _("%(name)s (counted=%(counted)s)") % {"name": name, "counted": counted}


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


def boss_only_note(
    document: dict, *, name: str | None = None, voice: Voice = SUBJECT
) -> str | None:
    """Says in words that ``others`` is the boss alone, and why; None otherwise."""
    if not others_is_boss_only(document):
        return None
    if name is None:
        name = _("Others")
    k = document["cycle"]["min_anonymous_raters"]
    groups = document["groups"]
    below = [voice.plural(g) for g in ANONYMOUS if 0 < groups[g]["n"] < k]
    answered = [g for g in ANONYMOUS if groups[g]["n"] > 0]
    if not answered:
        why = _("nobody else answered")
    elif len(below) == len(answered):
        why = _(
            "%(groups)s are below the anonymity minimum of %(k)s, "
            "so none of their ratings is counted"
        ) % {"groups": _join(below), "k": k}
    else:
        why = _("no other rating reached the anonymity minimum of %(k)s") % {"k": k}
    return _("“%(name)s” here means %(boss)s only: %(why)s.") % {
        "name": name,
        "boss": voice.your_boss,
        "why": why,
    }


def _join(words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return _("%(list)s and %(last)s") % {"list": ", ".join(words[:-1]), "last": words[-1]}


def suppressed_notes(document: dict, *, voice: Voice = SUBJECT) -> list[str]:
    """One plain sentence per group that answered but is not shown on its own."""
    k = document["cycle"]["min_anonymous_raters"]
    notes = []
    for group in ANONYMOUS:
        n = document["groups"][group]["n"]
        if 0 < n < k:
            who = voice.singular(group) if n == 1 else voice.plural(group)
            notes.append(
                ngettext(
                    "Only %(n)s %(who)s answered, fewer than %(k)s, so their ratings are not "
                    "shown on their own: they are counted only inside “%(everyone)s”, and only "
                    "for statements where the small groups together gave at least %(k)s "
                    "ratings. Their comments are not shown.",
                    "Only %(n)s %(who)s answered, fewer than %(k)s, so their ratings are not "
                    "shown on their own: they are counted only inside “%(everyone)s”, and only "
                    "for statements where the small groups together gave at least %(k)s "
                    "ratings. Their comments are not shown.",
                    n,
                )
                % {"n": n, "who": who, "k": k, "everyone": voice.everyone_but}
            )
    if document["groups"]["boss"]["n"] == 0:
        notes.append(
            voice.pick(
                _("Your boss has not answered, so there is no boss column."),
                _("%(name)s’s boss has not answered, so there is no boss column.")
                % {"name": voice.name},
            )
        )
    if others_counted(document) is None:
        notes.append(
            _(
                "This report was released before the number of people counted in "
                "“%(everyone)s” was recorded: that number is not shown."
            )
            % {"everyone": voice.everyone_but}
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
        name, lead_pole, manage_pole = behaviour_names(slug) or (slug.title(), "", "")
        rows = []
        for group in CHART_GROUPS:
            n = groups[group]["n"]
            if group == OTHER and n == 0:
                continue  # external raters are optional; an empty row says nothing
            if group == OTHERS:
                # Labelled with the people counted, not the surveys.
                label = counted_label(voice.label(OTHERS), others_counted(document))
            else:
                label = _("%(group)s (n=%(n)s)") % {
                    "group": _group_chart_label(group, voice),
                    "n": n,
                }
            rows.append((label, behaviour[LEADERSHIP][group], behaviour[MANAGEMENT][group]))
        sections.append(
            {
                "slug": slug,
                "name": name,
                "pair": pair_name(slug),
                "poles": _("%(lead)s (leadership) vs %(manage)s (management)")
                % {"lead": lead_pole, "manage": manage_pole},
                "profile": profile_words(behaviour.get("profile")),
                "chart": charts.pole_pairs(
                    title=_("%(pair)s: leadership and management") % {"pair": pair_name(slug)},
                    rows=rows,
                ),
                "items": [
                    {
                        "text": item["text"],
                        "pole": item["pole"],
                        "pole_word": pole_word(item["pole"]),
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
            if pole == LEADERSHIP:
                short = pgettext("pole, abbreviated", "leader.")
            else:
                short = pgettext("pole, abbreviated", "manage.")
            rows.append((f"{name}, {short}", behaviour["self_others_gap"][pole]))
    if others_is_boss_only(document):
        title = voice.pick(
            _("How you rate yourself compared with your boss (the only person counted)"),
            _("How %(name)s rates themself compared with %(boss)s (the only person counted)")
            % {"name": voice.name, "boss": voice.your_boss},
        )
    else:
        title = counted_label(
            voice.pick(
                _("How you rate yourself compared with everyone else"),
                _("How %(name)s rates themself compared with everyone else") % {"name": voice.name},
            ),
            others_counted(document),
        )
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
        others = item["scores"]["others"]
        behaviour = behaviour_name(item["behaviour"])
        if not (get_language() or "").startswith("de"):
            behaviour = behaviour.lower()
        # Built on the boss alone: said so, not dressed up as "everyone else".
        boss_only = item_others_is_boss_only(item)
        words = {
            "name": voice.name,
            "mine": number(item["scores"]["self"]["mean"]),
            "others": number(others["mean"]),
            "boss": voice.your_boss,
            "counted": others["n"],
        }
        start = _("“%(text)s” (%(behaviour)s, %(pole)s): ") % {
            "text": item["text"],
            "behaviour": behaviour,
            "pole": pole_word(item["pole"]),
        }
        if kind == "blind" and boss_only:
            text = voice.pick(
                _(
                    "you rate yourself %(mine)s, %(boss)s alone %(others)s (boss only). "
                    "Your boss sees this in you less than you think."
                ),
                _(
                    "%(name)s rates themself %(mine)s, %(boss)s alone %(others)s (boss only). "
                    "The boss sees this less than %(name)s does."
                ),
            )
        elif kind == "blind":
            text = voice.pick(
                _(
                    "you rate yourself %(mine)s, everyone else %(others)s "
                    "(counted=%(counted)s). Others see this in you less than you think."
                ),
                _(
                    "%(name)s rates themself %(mine)s, everyone else %(others)s "
                    "(counted=%(counted)s). Others see this less than %(name)s does."
                ),
            )
        elif boss_only:
            text = voice.pick(
                _(
                    "%(boss)s alone rates you %(others)s (boss only), you rate yourself "
                    "%(mine)s. Your boss sees more of this in you than you give yourself "
                    "credit for."
                ),
                _(
                    "%(boss)s alone rates %(name)s %(others)s (boss only), %(name)s rates "
                    "themself %(mine)s. The boss sees more of this than %(name)s does."
                ),
            )
        else:
            text = voice.pick(
                _(
                    "everyone else rates you %(others)s (counted=%(counted)s), you rate "
                    "yourself %(mine)s. Others see more of this in you than you give "
                    "yourself credit for."
                ),
                _(
                    "everyone else rates %(name)s %(others)s (counted=%(counted)s), %(name)s "
                    "rates themself %(mine)s. Others see more of this than %(name)s does."
                ),
            )
        return start + text % words

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

    words = {
        "k": k,
        "you": voice.you,
        "boss": voice.your_boss,
        "name": voice.name,
        "pool": len(pool),
        "threshold": number_format(threshold),
    }
    if boss_alone:
        source = _(
            "No statement was rated by %(k)s or more people besides %(you)s, so every "
            "list here comes from %(boss)s’s ratings alone: one person’s view."
        )
        strengths_rule = _("The statements %(boss)s rates highest.")
        to_develop_rule = _(
            "The statements %(boss)s rates lowest, leaving out those already listed as strengths."
        )
        blind_spots_rule = voice.pick(
            _(
                "Where you rate yourself at least %(threshold)s higher than %(boss)s does, "
                "largest gap first."
            ),
            _(
                "Where %(name)s rates themself at least %(threshold)s higher than %(boss)s "
                "does, largest gap first."
            ),
        )
    else:
        source = ngettext(
            "Chosen from the %(pool)s statement rated by at least %(k)s people besides "
            "%(you)s (%(k)s is the anonymity minimum); ties keep the questionnaire’s order.",
            "Chosen from the %(pool)s statements rated by at least %(k)s people besides "
            "%(you)s (%(k)s is the anonymity minimum); ties keep the questionnaire’s order.",
            len(pool),
        )
        strengths_rule = _("The statements others rate highest.")
        to_develop_rule = _(
            "The statements others rate lowest, leaving out those already listed as strengths."
        )
        blind_spots_rule = voice.pick(
            _(
                "Where you rate yourself at least %(threshold)s higher than others do, "
                "largest gap first."
            ),
            _(
                "Where %(name)s rates themself at least %(threshold)s higher than others do, "
                "largest gap first."
            ),
        )
    return {
        "source": source % words,
        "strengths": [_highlight(i) for _, i in strengths],
        "strengths_rule": strengths_rule % words,
        "to_develop": [_highlight(i) for _, i in to_develop],
        "to_develop_rule": to_develop_rule % words,
        "blind_spots": [_highlight(i) for _, i in largest],
        "blind_spots_total": len(document["blind_spots"]),
        "blind_spots_rule": blind_spots_rule % words,
    }


def _highlight(item: dict) -> dict:
    others = item["scores"]["others"]
    return {
        "id": item["id"],
        "text": item["text"],
        # The pole's own name says which pair it belongs to: "Innovator (leadership)".
        "where": where(item["behaviour"], item["pole"]),
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
                rule = _("%(rule)s; counted=%(counted)s") % {"rule": rule, "counted": counted}
            if others_is_boss_only(document):
                rule = _("%(rule)s (%(boss)s only)") % {"rule": rule, "boss": voice.your_boss}
        else:
            # The anonymity minimum as the reason for this row's yes or no ("shown from 3
            # answers" beside a "no" read as if it had been shown).
            rule = ""
            if group in ANONYMOUS:
                if figures["shown"]:
                    rule = _("at least %(k)s answered") % {"k": k}
                else:
                    rule = _("fewer than %(k)s answered") % {"k": k}
        rows.append(
            {
                "name": voice.label(group),
                "n": figures["n"],
                "shown": figures["shown"],
                "rule": rule,
            }
        )
    return rows


def _walk(value):
    """Every dict inside a document (lists and nested dicts included)."""
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _walk(child)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child)


def in_reader_language(document: dict) -> dict:
    """A copy of a results document with the statements and open questions in the active
    language (the questionnaire's translation of its version, issue 18). The document
    itself, its figures and the API keep the English texts; only the words shown change.
    A statement is a dict with an item ``id``, ``behaviour`` and ``text``; a comment is a
    dict with ``question``, ``group`` and ``text``."""
    import copy

    from feedback.selectors import questionnaire_texts_in

    document = copy.deepcopy(document)
    statements, comments = [], []
    for entry in _walk(document):
        if isinstance(entry.get("id"), int) and "behaviour" in entry and "text" in entry:
            statements.append(entry)
        elif "question" in entry and "group" in entry and isinstance(entry["question"], str):
            comments.append(entry)
    items, questions = questionnaire_texts_in(
        get_language(),
        item_ids={entry["id"] for entry in statements},
        question_texts={entry["question"] for entry in comments},
    )
    for entry in statements:
        entry["text"] = items.get(entry["id"], entry["text"])
    for entry in comments:
        entry["question"] = questions.get(entry["question"], entry["question"])
    return document


def report_context(document: dict, *, own: bool = True) -> dict:
    document = in_reader_language(document)
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
    if value == 0:
        return number(0)
    return ("+" if value > 0 else "−") + number(abs(value))


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
            notable = _("notable rise") if change > 0 else _("notable fall")
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
                    _("%(group)s: %(pole)s") % {"group": name, "pole": label},
                    lambda c, pole=pole, group=group, slug=slug: _pick(c, slug)[pole].get(group),
                )
                for pole, label in pole_labels
            ]

        main = [
            *pole_rows(OTHERS, voice.label(OTHERS)),
            row(
                _("%(group)s: balance (leadership − management)") % {"group": voice.label(OTHERS)},
                lambda c, b=slug: _pick(c, b)["balance"].get(OTHERS),
            ),
            *pole_rows("self", you),
            *(
                row(
                    voice.pick(_("Gap you − others: %(pole)s"), _("Gap self − others: %(pole)s"))
                    % {"pole": label},
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
            label = voice.label(group)
            if not (get_language() or "").startswith("de"):
                label = label.lower()
            mix.append(f"{label} {counts['before']} → {counts['now']}")
    statements = last["statements"]
    statement_note = None
    if statements["not_compared"] or statements["no_longer_asked"]:
        statement_note = _(
            "%(compared)s statements are compared. %(new)s statements are new or changed "
            "meaning and %(gone)s from %(cycle)s are no longer asked: those are left out of "
            "every figure below, on both sides."
        ) % {
            "compared": statements["compared"],
            "new": len(statements["not_compared"]),
            "gone": statements["no_longer_asked"],
            "cycle": last["cycle"]["name"],
        }
    return {
        "since": last["cycle"]["name"],
        "columns": columns,
        "behaviours": behaviours,
        "mix_warning": (
            _(
                "Not the same people answered: %(mix)s. Part of any change may come from "
                "who answered rather than from %(you)s."
            )
            % {"mix": _join(mix), "you": voice.you}
            if mix
            else None
        ),
        "statement_note": statement_note,
        "rule": voice.pick(
            _(
                "A change is marked notable only when it is larger than twice its standard "
                "error, worked out from how much the ratings spread in both cycles; smaller "
                "changes may be chance. A group is compared only where it was shown in both "
                "cycles (anonymous groups from %(k)s answers); one person's view (yours, or "
                "your boss's) has no spread to judge by and is never marked."
            ),
            _(
                "A change is marked notable only when it is larger than twice its standard "
                "error, worked out from how much the ratings spread in both cycles; smaller "
                "changes may be chance. A group is compared only where it was shown in both "
                "cycles (anonymous groups from %(k)s answers); one person's view (self, "
                "boss) has no spread to judge by and is never marked."
            ),
        )
        % {"k": k},
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


def bucket_words(low: int, high: int | None) -> str:
    """A time-to-answer band in the reader's words ("under 5 minutes"); the API keeps the
    contract's English ``label``."""

    def words(minutes: int) -> str:
        if minutes >= 60 and minutes % 60 == 0:
            hours = minutes // 60
            return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}
        return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}

    if not low:
        return _("under %(time)s") % {"time": words(high)}
    if high is None:
        return _("%(time)s or more") % {"time": words(low)}
    return _("%(low)s to %(high)s") % {"low": words(low), "high": words(high)}


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
