"""The files HR downloads, rendered from stored results only (never from raw answers).

Pure functions: a section-4 document (or a team report from
``exports.services.team_report``) in, bytes out. The services decide who may ask and what
goes in; this module only lays out.
"""

from __future__ import annotations

import base64
import csv
import datetime
import io
from fractions import Fraction

from django.conf import settings
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext, pgettext

from exports import typesetting
from feedback.vocabulary import (
    ANONYMOUS,
    BEHAVIOUR_LABELS,
    BEHAVIOURS,
    GROUPS,
    LEADERSHIP,
    MANAGEMENT,
    POLE_LABELS,
    POLE_NAMES,
    POLE_WORDS,
    POLES,
    READER_GROUP_LABELS,
)
from reports import charts, presentation
from reports.analysis import round_half_away

# Exports are read by HR and managers as well as the subject: groups are named from the
# outside ("Self"), where the subject's own pages say "You" (reports.presentation).
GROUP_LABELS = READER_GROUP_LABELS

# A spreadsheet treats a cell starting with one of these as a formula (or, for tab and
# carriage return, as a way to smuggle one in): OWASP's CSV-injection list.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """User text made inert in a spreadsheet: a leading formula character gets a quote.
    Numbers and None pass through; only text can carry a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _svg_image(svg: str, *, width: str = "100%"):
    """An SVG chart as an <img> with a data URI. WeasyPrint then draws it as one image
    instead of running every <rect> and <text> through the HTML style cascade (about a
    fifth of an individual report's CPU time)."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return mark_safe(  # noqa: S308 - base64 of our own escaped SVG
        f'<img alt="" style="width: {width}" src="data:image/svg+xml;base64,{data}">'
    )


def _pdf(html: str) -> bytes:
    # Imported when a PDF is built, not at start-up: WeasyPrint takes seconds to import
    # (3.4 s measured), which every web process and management command would pay.
    from weasyprint import HTML

    # base_url lets the stylesheet link resolve from the templates folder, offline.
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def _print_css() -> str:
    return (settings.BASE_DIR / "templates" / "exports" / "pdf" / "print.css").read_text()


def bundle_entry_name(document: dict) -> str:
    """A ZIP entry name no archive tool can turn into a path outside the folder."""
    stem = slugify(document["subject"]["name"])[:80] or "subject"
    return f"{stem}-{document['request']}.pdf"


# --- Individual report --------------------------------------------------------------


def _num(value, places: int = 2) -> str:
    """A figure as the reader's language writes it ("3.50", "3,50"); "–" for no figure.
    floatformat rounds half up like the HTML layout did (number_format would truncate)."""
    return "–" if value is None else floatformat(value, places)


def _gap_sentence(pole_label: str, gap: float | None, threshold: float, voice) -> str:
    # Whole sentences per voice, never "you"/"the name" pasted into one: a translation
    # conjugates the verb for its subject ("Sie bewerten sich", "Sam bewertet sich").
    values = {"pole": pole_label, "name": voice.name, "gap": _num(abs(gap) if gap else gap)}
    if gap is None:
        text = voice.pick(
            gettext("%(pole)s: no comparison (your own or others' scores are missing)."),
            gettext("%(pole)s: no comparison (%(name)s’s own or others' scores are missing)."),
        )
    elif gap >= threshold:
        text = voice.pick(
            gettext("%(pole)s: you rate yourself %(gap)s higher than others do."),
            gettext("%(pole)s: %(name)s rates themself %(gap)s higher than others do."),
        )
    elif -gap >= threshold:
        text = voice.pick(
            gettext("%(pole)s: others rate you %(gap)s higher than you rate yourself."),
            gettext("%(pole)s: others rate %(name)s %(gap)s higher than %(name)s rates themself."),
        )
    elif gap > 0:
        text = voice.pick(
            gettext("%(pole)s: you rate yourself a little higher than others do (%(gap)s)."),
            gettext("%(pole)s: %(name)s rates themself a little higher than others do (%(gap)s)."),
        )
    elif gap < 0:
        text = voice.pick(
            gettext("%(pole)s: others rate you a little higher than you do (%(gap)s)."),
            gettext("%(pole)s: others rate %(name)s a little higher than %(name)s does (%(gap)s)."),
        )
    else:
        text = voice.pick(
            gettext("%(pole)s: you and others agree."),
            gettext("%(pole)s: %(name)s and others agree."),
        )
    return text % values


def _balance_sentence(balance: float | None, lead: str, manage: str, voice) -> str:
    if balance is None:
        return gettext("Others' balance cannot be shown: one of the poles has no score.")
    values = {"name": voice.name, "lead": lead, "manage": manage}
    if abs(balance) < 0.005:
        text = voice.pick(
            gettext("Others see you as much “%(lead)s” as “%(manage)s”."),
            gettext("Others see %(name)s as much “%(lead)s” as “%(manage)s”."),
        )
        return text % values
    values.update(side=lead if balance > 0 else manage, points=_num(abs(balance)))
    text = voice.pick(
        gettext("Others see you leaning towards “%(side)s” by %(points)s points."),
        gettext("Others see %(name)s leaning towards “%(side)s” by %(points)s points."),
    )
    return text % values


def _group_note(group: str, info: dict, *, k: int, counted, boss_only: bool, voice) -> str:
    if group == "others":
        note = voice.pick(
            gettext("everyone but you, pooled so that no small group stands out"),
            gettext("everyone but %(name)s, pooled so that no small group stands out"),
        ) % {"name": voice.name}
        if counted is not None:
            note += gettext("; counted=%(counted)s, the people behind its figures") % {
                "counted": counted
            }
        if boss_only:
            note += " " + voice.pick(
                gettext("(your boss only)"), gettext("(%(name)s’s boss only)")
            ) % {"name": voice.name}
        return note
    if info["shown"]:
        return gettext("shown")
    if info["n"] == 0:
        return gettext("nobody answered")
    if group in ANONYMOUS:
        return gettext(
            "hidden: fewer than %(k)s answered; their ratings count only inside Others, "
            "and only where the pooled ratings reach %(k)s"
        ) % {"k": k}
    return gettext("hidden")


def individual_context(document: dict, *, own: bool = False) -> dict:
    """The individual PDF, written to its reader: "you" when the subject downloads their
    own report (``own``), the subject's name in a file built for HR or a manager.
    Sentences are in the active language (``individual_pdf`` picks it)."""
    voice = presentation.Voice.of(document, own=own)
    cycle = document["cycle"]
    k = cycle["min_anonymous_raters"]
    threshold = cycle["gap_threshold"]
    groups = document["groups"]
    items = {item["id"]: item for item in document["items"]}
    # The same charts as the dashboard's report page: one drawing, on screen and on paper.
    dashboard_charts = {
        s["slug"]: s["chart"] for s in presentation.behaviour_sections(document, voice=voice)
    }
    behaviours = []
    for behaviour in document["behaviours"]:
        slug = behaviour["behaviour"]
        lead_name, manage_name = (
            str(name)
            for name in POLE_NAMES.get(slug, (POLE_LABELS[LEADERSHIP], POLE_LABELS[MANAGEMENT]))
        )
        behaviour_items = [i for i in document["items"] if i["behaviour"] == slug]
        behaviours.append(
            {
                "slug": slug,
                "title": str(BEHAVIOUR_LABELS[slug]),
                "pair": str(presentation.pair_name(slug)),
                "lead_name": lead_name,
                "manage_name": manage_name,
                "svg": dashboard_charts[slug],
                "balance_self": behaviour["balance"].get("self"),
                "balance_others": behaviour["balance"].get("others"),
                "balance_sentence": _balance_sentence(
                    behaviour["balance"].get("others"), lead_name, manage_name, voice
                ),
                "gap_sentences": [
                    _gap_sentence(
                        gettext("Leadership (%(pole)s)") % {"pole": lead_name},
                        behaviour["self_others_gap"][LEADERSHIP],
                        threshold,
                        voice,
                    ),
                    _gap_sentence(
                        gettext("Management (%(pole)s)") % {"pole": manage_name},
                        behaviour["self_others_gap"][MANAGEMENT],
                        threshold,
                        voice,
                    ),
                ],
                "profile": behaviour.get("profile"),
                "items": [
                    {
                        "text": item["text"],
                        "pole": lead_name if item["pole"] == LEADERSHIP else manage_name,
                        "self": (item["scores"].get("self") or {}).get("mean"),
                        "others": item["scores"].get("others"),
                        "boss_only": presentation.item_others_is_boss_only(item),
                        "gap": item["self_others_gap"],
                        "blind_spot": item["id"] in document["blind_spots"],
                        "hidden_strength": item["id"] in document["hidden_strengths"],
                    }
                    for item in behaviour_items
                ],
            }
        )
    counted = presentation.others_counted(document)
    boss_only = presentation.others_is_boss_only(document)
    group_rows = [
        {
            "label": str(voice.label(group)),
            "n": groups.get(group, {"n": 0})["n"],
            "shown": groups.get(group, {"shown": False})["shown"],
            "note": _group_note(
                group,
                groups.get(group, {"n": 0, "shown": False}),
                k=k,
                counted=counted,
                boss_only=boss_only,
                voice=voice,
            ),
        }
        for group in GROUPS
    ]
    hidden_groups = [str(voice.label(g)) for g in ANONYMOUS if 0 < groups.get(g, {"n": 0})["n"] < k]
    # Under their question, or under their group when the cycle shuffles them (issue 16).
    comments = presentation.comment_groups(document, voice=voice)

    def described(ids):
        return [
            {
                "text": items[i]["text"],
                "behaviour": str(BEHAVIOUR_LABELS.get(items[i]["behaviour"], "")),
                "self": (items[i]["scores"].get("self") or {}).get("mean"),
                "others": (items[i]["scores"].get("others") or {}).get("mean"),
                "boss_only": presentation.item_others_is_boss_only(items[i]),
                "gap": items[i]["self_others_gap"],
            }
            for i in ids
            if i in items
        ]

    others_label = str(voice.label("others"))
    answers_line = ", ".join(
        f"{row['label']} {row['n']}" for row in group_rows if row["label"] != others_label
    )
    return {
        "answers_line": answers_line,
        "subject": document["subject"],
        "cycle": cycle,
        "k": k,
        "threshold": threshold,
        "groups": group_rows,
        "hidden_groups": hidden_groups,
        "counted": counted,
        "boss_only_note": presentation.boss_only_note(document, voice=voice),
        "voice": voice,
        "summary": presentation.summary(document, voice=voice),
        # Phrases of the HTML template, in the reader's voice.
        "words": {
            "self": str(voice.label("self")),
            "rates_self": voice.pick("you rate yourself", f"{voice.name} rates themself"),
            "others_rate": f"others rate {voice.you}",
            "you_do": voice.pick("you do", f"{voice.name} does"),
        },
        "behaviours": behaviours,
        "blind_spots": described(document["blind_spots"]),
        "hidden_strengths": described(document["hidden_strengths"]),
        "comments": comments,
        "change": presentation.change_view(document, voice=voice),
        "computed_at": document.get("computed_at", "")[:10],
        "generated_on": timezone.now().date(),
    }


def individual_html(document: dict, *, own: bool = False) -> str:
    context = individual_context(document, own=own)
    for behaviour in context["behaviours"]:
        behaviour["chart"] = _svg_image(behaviour["svg"], width="62%")
    return render_to_string(
        "exports/pdf/individual.html",
        {
            **context,
            "generated_on": context["generated_on"].isoformat(),
            "css": mark_safe(_print_css()),  # noqa: S308 - our own stylesheet
            "legend_lead": charts.LEADERSHIP_COLOUR,
            "legend_manage": charts.MANAGEMENT_COLOUR,
        },
    )


def _typst_language() -> dict:
    """The active Django language as Typst's text language and region ("en", "gb"): it
    chooses hyphenation and quotes, and is written into the PDF for screen readers."""
    code = translation.get_language() or settings.LANGUAGE_CODE
    language, _, region = code.partition("-")
    return {"lang": language, "region": region or None}


def _page_words() -> dict:
    # Page furniture, with placeholders Typst fills in on each page ({page}, {pages}).
    return {
        "confidential": gettext("Confidential"),
        "page_of": gettext("Page %(page)s of %(pages)s") % {"page": "{page}", "pages": "{pages}"},
    }


def individual_data(document: dict, *, own: bool = False) -> dict:
    """The individual report for ``individual.typ``: every word translated and every
    figure formatted here, in the active language; user text as plain strings."""
    context = individual_context(document, own=own)
    voice = context["voice"]
    subject, cycle, k = context["subject"], context["cycle"], context["k"]
    threshold = _num(context["threshold"], 1)
    name = {"name": voice.name}
    summary = context["summary"]
    self_label = context["words"]["self"]

    def others_figure(entry) -> str:
        if entry["boss_only"]:
            return gettext("%(score)s (boss only)") % {"score": _num(entry["others"])}
        return gettext("%(score)s (counted=%(counted)s)") % {
            "score": _num(entry["others"]),
            "counted": entry["counted"],
        }

    def highlight(entry, *, with_gap: bool = False) -> dict:
        if with_gap:
            figures = gettext("%(self_label)s %(self)s, others %(others)s, gap %(gap)s") % {
                "self_label": self_label.lower(),
                "self": _num(entry["self"]),
                "others": others_figure(entry),
                "gap": _num(entry["gap"]),
            }
        else:
            figures = gettext("others %(others)s") % {"others": others_figure(entry)}
        return {"text": entry["text"], "where": str(entry["where"]), "figures": figures}

    def item_row(item) -> dict:
        others = item["others"]
        if not others:
            others_cell = "–"
        elif item["boss_only"]:
            others_cell = gettext("%(score)s (boss only)") % {"score": _num(others["mean"])}
        else:
            others_cell = f"{_num(others['mean'])} ({others['n']})"
        flags = []
        if item["blind_spot"]:
            flags.append({"kind": "blind", "text": gettext("blind spot")})
        if item["hidden_strength"]:
            flags.append({"kind": "hidden", "text": gettext("hidden strength")})
        return {
            "cells": [
                item["text"],
                item["pole"],
                _num(item["self"]),
                others_cell,
                _num(item["gap"]),
            ],
            "flags": flags,
        }

    def described_row(entry) -> list:
        others = _num(entry["others"])
        if entry["boss_only"]:
            others = gettext("%(score)s (boss only)") % {"score": others}
        return [entry["text"], entry["behaviour"], _num(entry["self"]), others, _num(entry["gap"])]

    behaviours = []
    for b in context["behaviours"]:
        balance = [gettext("Balance."), b["balance_sentence"]]
        if b["balance_self"] is not None:
            balance.append(
                voice.pick(
                    gettext("Your own balance: %(balance)s."),
                    gettext("%(name)s’s own balance: %(balance)s."),
                )
                % {**name, "balance": _num(b["balance_self"])}
            )
        if b["profile"]:
            balance.append(
                gettext("In short: %(profile)s.")
                % {"profile": presentation.profile_words(b["profile"])}
            )
        behaviours.append(
            {
                "heading": gettext("%(behaviour)s: %(lead)s or %(manage)s")
                % {"behaviour": b["title"], "lead": b["lead_name"], "manage": b["manage_name"]},
                "svg": b["svg"],
                "alt": gettext(
                    "Bar chart of the %(behaviour)s scores of each group, leadership and "
                    "management; the table below gives the same figures."
                )
                % {"behaviour": b["title"]},
                "balance": " ".join(balance[1:]),
                "gaps": " ".join(b["gap_sentences"]),
                "rows": [item_row(item) for item in b["items"]],
            }
        )

    change = context["change"]
    if change:
        change = {
            "heading": gettext("Change since %(cycle)s") % {"cycle": change["since"]},
            "intro": gettext(
                "Each figure of %(cycle)s beside this cycle’s, over the statements asked in both."
            )
            % {"cycle": change["since"]}
            + " "
            + str(change["rule"]),
            "mix_warning": change["mix_warning"],
            "statement_note": change["statement_note"],
            "columns": [str(c) for c in change["columns"]],
            "column_figure": gettext("Figure"),
            "column_change": pgettext("difference between cycles", "Change"),
            "none": gettext("No figure of this behaviour was shown in both cycles."),
            "behaviours": [
                {
                    "pair": str(b["pair"]),
                    "rows": [
                        {
                            "label": str(r["label"]),
                            "values": [str(v) for v in r["values"]],
                            "change": str(r["change"]),
                            "notable": str(r["notable"]),
                        }
                        for r in (*b["rows"], *b["group_rows"])
                    ],
                }
                for b in change["behaviours"]
            ],
        }

    if context["hidden_groups"]:
        anonymity = gettext(
            "In this report %(groups)s had fewer than %(k)s answers, so their scores are not "
            "shown on their own; their ratings are pooled into “Others” only when the pool "
            "itself reaches %(k)s."
        ) % {"groups": ", ".join(context["hidden_groups"]), "k": k}
    else:
        anonymity = gettext("No group had to be hidden in this report.")
    anonymity_notes = [
        voice.pick(
            gettext(
                "Your boss's and your own scores are shown as they are: those groups are not anonymous."
            ),
            gettext(
                "%(name)s’s boss's and %(name)s’s own scores are shown as they are: those groups are not anonymous."
            ),
        )
        % name
    ]
    if context["boss_only_note"]:
        anonymity_notes.append(str(context["boss_only_note"]))
    if context["counted"] is None:
        anonymity_notes.append(
            gettext(
                "This report was released before the number of people counted in “Others” "
                "was recorded: that number is not shown."
            )
        )

    statement_columns = [
        gettext("Statement"),
        gettext("Behaviour"),
        self_label,
        gettext("Others"),
        gettext("Gap"),
    ]

    subject_line = " · ".join(p for p in (subject.get("title"), subject.get("team")) if p)
    return {
        **_typst_language(),
        **_page_words(),
        "title": gettext("360° feedback report: %(name)s") % {"name": subject["name"]},
        "subject": subject["name"],
        "cycle": cycle["name"],
        "cover": {
            "lead": gettext("360° feedback report · leadership and management"),
            "line": subject_line,
            "facts": [
                [gettext("Cycle"), cycle["name"]],
                [gettext("Results computed"), _date(context["computed_at"])],
                [gettext("Printed"), _date(context["generated_on"])],
                [gettext("Answers"), context["answers_line"]],
            ],
            "notice_title": gettext("Confidential."),
            "notice": gettext(
                "This report is for %(name)s and the people who support their development. "
                "Peers, direct reports and people from outside the team are anonymous: a group "
                "is shown only when at least %(k)s of them answered, and no name is ever "
                "attached to a score or a comment."
            )
            % {"name": subject["name"], "k": k},
        },
        "summary": {
            "heading": gettext("Summary"),
            "intro": voice.pick(
                gettext("What stands out in your feedback; the details follow."),
                gettext("What stands out in %(name)s’s feedback; the details follow."),
            )
            % name
            + " "
            + str(summary["source"]),
            "lists": [
                {
                    "heading": gettext("Top strengths"),
                    "rule": str(summary["strengths_rule"]),
                    "entries": [highlight(e) for e in summary["strengths"]],
                    "none": gettext("None: no statement has a score from others."),
                },
                {
                    "heading": gettext("Areas to develop"),
                    "rule": str(summary["to_develop_rule"]),
                    "entries": [highlight(e) for e in summary["to_develop"]],
                    "none": gettext("None: no other statement has a score from others."),
                },
                {
                    "heading": gettext("Largest blind spots"),
                    "rule": str(summary["blind_spots_rule"])
                    + (
                        " "
                        + ngettext(
                            "%(total)s blind spot in all: every one is listed after the behaviours.",
                            "%(total)s blind spots in all: every one is listed after the behaviours.",
                            summary["blind_spots_total"],
                        )
                        % {"total": summary["blind_spots_total"]}
                        if summary["blind_spots_total"] > len(summary["blind_spots"])
                        else ""
                    ),
                    "entries": [highlight(e, with_gap=True) for e in summary["blind_spots"]],
                    "none": gettext("None among these statements."),
                },
            ],
        },
        "reading": {
            "heading": gettext("How to read this report"),
            "intro": gettext(
                "The questionnaire looks at five behaviours. Each has a leadership side and a "
                "management side; both matter, and the point is the balance between them, "
                "not a winner."
            ),
            "poles_columns": [gettext("Behaviour"), gettext("Leadership"), gettext("Management")],
            "poles": [
                [b["title"], b["lead_name"], b["manage_name"]] for b in context["behaviours"]
            ],
            "lead_colour": charts.LEADERSHIP_COLOUR,
            "manage_colour": charts.MANAGEMENT_COLOUR,
            "terms": [
                [
                    gettext("Scores."),
                    gettext(
                        "Every statement was rated from 1 (never) to 5 (always); “can't say” "
                        "answers are left out. A score is the mean of the ratings, and a pole's "
                        "score is the mean of its statements."
                    ),
                ],
                [
                    gettext("n and counted."),
                    gettext(
                        "n is the number of people who answered in a group; counted is the "
                        "number of people whose ratings are actually inside the figures of "
                        "“All others”."
                    )
                    + (
                        " "
                        + gettext("%(counted)s in this report.") % {"counted": context["counted"]}
                        if context["counted"] is not None
                        else ""
                    ),
                ],
                [
                    gettext("Balance."),
                    gettext(
                        "Leadership minus management: above zero leans to leadership, below "
                        "zero to management."
                    ),
                ],
                [
                    gettext("Gap."),
                    voice.pick(
                        gettext("Your own score minus others' score."),
                        gettext("%(name)s’s own score minus others' score."),
                    )
                    % name,
                ],
                [
                    gettext("Blind spot."),
                    voice.pick(
                        gettext(
                            "A statement where you rate yourself at least %(threshold)s point "
                            "higher than others do."
                        ),
                        gettext(
                            "A statement where %(name)s rates themself at least %(threshold)s "
                            "point higher than others do."
                        ),
                    )
                    % {**name, "threshold": threshold},
                ],
                [
                    gettext("Hidden strength."),
                    voice.pick(
                        gettext(
                            "A statement where others rate you at least %(threshold)s point "
                            "higher than you do."
                        ),
                        gettext(
                            "A statement where others rate %(name)s at least %(threshold)s "
                            "point higher than %(name)s does."
                        ),
                    )
                    % {**name, "threshold": threshold},
                ],
            ],
            "who_heading": gettext("Who answered"),
            "who_columns": [gettext("Group"), gettext("Answered (n)"), gettext("In this report")],
            "who": [[g["label"], str(g["n"]), g["note"]] for g in context["groups"]],
            "anonymity_title": gettext("Anonymity."),
            "anonymity": " ".join(
                [
                    gettext(
                        "Peers, direct reports and people from outside the team are shown as "
                        "a group only when at least %(k)s of them rated a statement."
                    )
                    % {"k": k},
                    anonymity,
                    *anonymity_notes,
                ]
            ),
        },
        "behaviour_columns": [
            gettext("Statement"),
            gettext("Side"),
            self_label,
            gettext("Others (counted)"),
            gettext("Gap"),
        ],
        "behaviour_note": voice.pick(
            gettext(
                "Others (counted): the mean of everyone but you and the number of people "
                "counted in it, one rating each; “boss only”: your boss alone. “–”: no score "
                "can be shown."
            ),
            gettext(
                "Others (counted): the mean of everyone but %(name)s and the number of people "
                "counted in it, one rating each; “boss only”: %(name)s’s boss alone. “–”: no "
                "score can be shown."
            ),
        )
        % name,
        "gaps_title": gettext("Gaps."),
        "balance_title": gettext("Balance."),
        "behaviours": behaviours,
        "change": change,
        "spots": {
            "heading": gettext("Blind spots and hidden strengths"),
            "columns": statement_columns,
            "blind_heading": voice.pick(
                gettext("Blind spots: you rate yourself higher than others do"),
                gettext("Blind spots: %(name)s rates themself higher than others do"),
            )
            % name,
            "blind": [described_row(e) for e in context["blind_spots"]],
            "blind_after": voice.pick(
                gettext(
                    "Others see these behaviours less often than your own rating says. "
                    "Asking two or three people for a recent example helps."
                ),
                gettext(
                    "Others see these behaviours less often than %(name)s’s own rating says. "
                    "Asking two or three people for a recent example helps."
                ),
            )
            % name,
            "blind_none": voice.pick(
                gettext(
                    "None: on no statement is your own rating %(threshold)s point or more "
                    "above others'."
                ),
                gettext(
                    "None: on no statement is %(name)s’s own rating %(threshold)s point or "
                    "more above others'."
                ),
            )
            % {**name, "threshold": threshold},
            "hidden_heading": voice.pick(
                gettext("Hidden strengths: others rate you higher than you do"),
                gettext("Hidden strengths: others rate %(name)s higher than %(name)s does"),
            )
            % name,
            "hidden": [described_row(e) for e in context["hidden_strengths"]],
            "hidden_after": voice.pick(
                gettext(
                    "Others value these behaviours more than your own rating says: they are "
                    "safe ground to build on."
                ),
                gettext(
                    "Others value these behaviours more than %(name)s’s own rating says: they "
                    "are safe ground to build on."
                ),
            )
            % name,
            "hidden_none": voice.pick(
                gettext(
                    "None: on no statement do others rate you %(threshold)s point or more "
                    "above your own rating."
                ),
                gettext(
                    "None: on no statement do others rate %(name)s %(threshold)s point or more "
                    "above %(name)s’s own rating."
                ),
            )
            % {**name, "threshold": threshold},
        },
        "comments": {
            "heading": gettext("Comments"),
            "intro": (
                gettext(
                    "Comments are grouped by who wrote them (self, boss, peers…) and mixed "
                    "across the questions"
                )
                if cycle.get("shuffle_comments")
                else gettext("Comments are grouped by question")
            )
            + gettext(
                " and shown in a fixed order, never in the order they arrived and never with "
                "a name. Comments from peers, direct reports and people from outside the team "
                "appear only when at least %(k)s people of that group answered."
            )
            % {"k": k},
            "groups": [
                {
                    "heading": str(g["heading"]),
                    "comments": [
                        {"label": str(c["label"]), "text": c["text"]} for c in g["comments"]
                    ],
                }
                for g in context["comments"]
            ],
            "none": gettext("No comments can be shown."),
        },
    }


def _date(value) -> str:
    """A date as the reader's language writes it; an ISO string from the document too."""
    if isinstance(value, str):
        if not value:
            return "–"
        value = datetime.date.fromisoformat(value[:10])
    return date_format(value, "DATE_FORMAT")


def individual_pdf(document: dict, *, own: bool = False, language: str | None = None) -> bytes:
    """The individual report as a PDF, in ``language`` (the subject's, chosen by the
    caller: ``exports.services.report_language``) or else the active language."""
    with translation.override(language or translation.get_language()):
        if _renderer() == "weasyprint":
            return _pdf(individual_html(document, own=own))
        return typesetting.render(
            "individual", individual_data(presentation.in_reader_language(document), own=own)
        )


def _renderer() -> str:
    """PDF_RENDERER: "typst" (the default) or "weasyprint", the HTML layout kept for the
    benchmark of issue 19 (bench/bench_pdf.py) and as a fallback. Its template words are
    English; only the Typst layout is translated."""
    return getattr(settings, "PDF_RENDERER", "typst")


# --- Team report --------------------------------------------------------------------


def _subject_score(subject: dict, behaviour: str, pole: str, group: str = "others"):
    for row in subject["behaviours"]:
        if row["behaviour"] == behaviour:
            return row[pole].get(group)
    return None


def _rate(submitted: int, invited: int):
    return round_half_away(Fraction(100 * submitted, invited), 1) if invited else None


def _n_or_counted(groups: dict, group: str) -> tuple:
    """(n, counted) cells: an ``others`` score is labelled by the people counted in it,
    never by its surveys (which include raters whose ratings were not counted)."""
    if group == "others":
        return "", _counted(groups)
    return groups[group]["n"], ""


def _counted(groups: dict):
    # None on a document frozen before counted was recorded: shown as a blank cell.
    return groups["others"].get("counted")


def _last_comparison(subject: dict) -> dict | None:
    """The subject's comparison with their last earlier released cycle (issue 16)."""
    previous = subject.get("previous") or []
    return previous[0] if previous else None


def _compared(comparison: dict | None, behaviour: str, *path: str) -> dict | None:
    if comparison is None:
        return None
    for row in comparison["behaviours"]:
        if row["behaviour"] == behaviour:
            figure = row
            for step in path:
                figure = (figure or {}).get(step)
            return figure
    return None


def _change_cells(comparison: dict | None, figure: dict | None) -> list:
    """previous_cycle, previous_score, change, change_notable: blank where the figure was
    not shown in both cycles (or there is no earlier released cycle)."""
    if figure is None:
        return ["", "", "", ""]
    return [
        neutralise(comparison["cycle"]["name"]),
        f"{figure['before']:.2f}",
        f"{figure['change']:+.2f}",
        "yes" if figure["notable"] else "no",
    ]


def team_csv(report: dict) -> bytes:
    """One row per subject, behaviour, pole and group that has a published score, with n
    (surveys of that group) or, for ``others``, counted (the people behind the score).
    A group whose figure is hidden has no row: a blank would still say it was withheld.

    ``figure`` says what a row holds: ``score`` (the rows above), ``balance`` (leadership
    - management of a group; pole blank) or ``self_others_gap`` (group blank). The last
    four columns compare with the subject's last earlier released cycle, where the figure
    was shown in both (issue 16; docs/gap-analysis.md)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            "cycle",
            "subject",
            "title",
            "team",
            "behaviour",
            "pole",
            "group",
            "score",
            "n",
            "counted",
            "figure",
            "previous_cycle",
            "previous_score",
            "change",
            "change_notable",
        ]
    )
    for subject in report["subjects"]:
        person = [
            neutralise(report["cycle"]["name"]),
            neutralise(subject["name"]),
            neutralise(subject["title"]),
            neutralise(subject["team"]),
        ]
        last = _last_comparison(subject)
        for row in subject["behaviours"]:
            behaviour = row["behaviour"]
            for pole in POLES:
                for group in GROUPS:
                    score = row[pole].get(group)
                    if score is None:
                        continue
                    writer.writerow(
                        [
                            *person,
                            behaviour,
                            pole,
                            group,
                            f"{score:.2f}",
                            *_n_or_counted(subject["groups"], group),
                            "score",
                            *_change_cells(last, _compared(last, behaviour, pole, group)),
                        ]
                    )
            for group in GROUPS:
                balance = row["balance"].get(group)
                if balance is None:
                    continue
                writer.writerow(
                    [
                        *person,
                        behaviour,
                        "",
                        group,
                        f"{balance:.2f}",
                        *_n_or_counted(subject["groups"], group),
                        "balance",
                        *_change_cells(last, _compared(last, behaviour, "balance", group)),
                    ]
                )
            for pole in POLES:
                gap = row["self_others_gap"].get(pole)
                if gap is None:
                    continue
                writer.writerow(
                    [
                        *person,
                        behaviour,
                        pole,
                        "",
                        f"{gap:.2f}",
                        "",
                        "",
                        "self_others_gap",
                        *_change_cells(last, _compared(last, behaviour, "self_others_gap", pole)),
                    ]
                )
    # A byte-order mark so Excel opens accented names correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def team_xlsx(report: dict) -> bytes:
    # Imported when a workbook is built, not at start-up (0.7 s measured), as WeasyPrint.
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.formatting.rule import ColorScaleRule
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DCE6F1")
    workbook = Workbook()

    # Summary: team means per behaviour and pole, then the response rates.
    summary = workbook.active
    summary.title = gettext("Summary")
    summary.append([neutralise(gettext("Team report: %(scope)s") % {"scope": report["scope"]})])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([gettext("Cycle"), neutralise(report["cycle"]["name"])])
    summary.append([gettext("Subjects"), report.get("subject_count", len(report["subjects"]))])
    summary.append(
        [
            gettext("Anonymity"),
            gettext("groups below %(k)s raters are never shown")
            % {"k": report["cycle"]["min_anonymous_raters"]},
        ]
    )
    summary.append([])
    header_row = summary.max_row + 1
    summary.append(
        [
            gettext("Behaviour"),
            gettext("Leadership mean"),
            gettext("n subjects"),
            gettext("Management mean"),
            gettext("n subjects"),
        ]
    )
    for cell in summary[header_row]:
        cell.font, cell.fill = bold, header_fill
    for behaviour in BEHAVIOURS:
        lead = report["means"].get((behaviour, LEADERSHIP), {})
        manage = report["means"].get((behaviour, MANAGEMENT), {})
        summary.append(
            [
                str(BEHAVIOUR_LABELS[behaviour]),
                lead.get("mean"),
                lead.get("subjects", 0),
                manage.get("mean"),
                manage.get("subjects", 0),
            ]
        )
    last_mean_row = summary.max_row
    summary.append([])
    rates_row = summary.max_row + 1
    summary.append(
        [gettext("Response rates"), gettext("Invited"), gettext("Submitted"), gettext("Rate %")]
    )
    for cell in summary[rates_row]:
        cell.font, cell.fill = bold, header_fill
    response = report["response"]
    summary.append([gettext("Team"), response["invited"], response["submitted"], response["rate"]])
    for subject in report["subjects"]:
        summary.append(
            [
                neutralise(subject["name"]),
                subject["invited"],
                subject["submitted"],
                _rate(subject["submitted"], subject["invited"]),
            ]
        )
    summary.column_dimensions["A"].width = 32
    for column in "BCDE":
        summary.column_dimensions[column].width = 17

    chart = BarChart()
    chart.type = "col"
    chart.title = gettext("Team means: leadership and management")
    chart.y_axis.title = gettext("Mean of others' scores (1-5)")
    chart.y_axis.scaling.min = 1
    chart.y_axis.scaling.max = 5
    for column in (2, 4):
        data = Reference(summary, min_col=column, min_row=header_row, max_row=last_mean_row)
        chart.add_data(data, titles_from_data=True)
    chart.set_categories(
        Reference(summary, min_col=1, min_row=header_row + 1, max_row=last_mean_row)
    )
    chart.height, chart.width = 8, 16
    summary.add_chart(chart, "G2")

    # People by behaviour: the heatmap, one row per subject, others' pole scores.
    people = workbook.create_sheet(gettext("People by behaviour"))
    columns = [(b, p) for b in BEHAVIOURS for p in POLES]
    people.append(
        [gettext("Name"), gettext("Title"), gettext("Team"), gettext("Others counted")]
        + [
            # One format string, so each language orders and joins the two words itself
            # (German "Vision: Führung", not the English lower-casing of a noun).
            pgettext("spreadsheet column", "%(behaviour)s %(pole)s")
            % {"behaviour": BEHAVIOUR_LABELS[b], "pole": POLE_WORDS[p]}
            for b, p in columns
        ]
    )
    for cell in people[1]:
        cell.font, cell.fill = bold, header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for subject in report["subjects"]:
        people.append(
            [
                neutralise(subject["name"]),
                neutralise(subject["title"]),
                neutralise(subject["team"]),
                _counted(subject["groups"]),
            ]
            + [_subject_score(subject, b, p) for b, p in columns]
        )
    if report["subjects"]:
        first = get_column_letter(5)
        last = get_column_letter(4 + len(columns))
        people.conditional_formatting.add(
            f"{first}2:{last}{people.max_row}",
            ColorScaleRule(
                start_type="num",
                start_value=1,
                start_color="F8696B",
                mid_type="num",
                mid_value=3,
                mid_color="FFEB84",
                end_type="num",
                end_value=5,
                end_color="63BE7B",
            ),
        )
    people.freeze_panes = "E2"
    people.column_dimensions["A"].width = 28
    people.column_dimensions["B"].width = 24
    people.column_dimensions["C"].width = 16
    for index in range(5, 5 + len(columns)):
        people.column_dimensions[get_column_letter(index)].width = 13
    people.row_dimensions[1].height = 32

    # Items: the team mean of each item's others mean.
    items = workbook.create_sheet(gettext("Items"))
    items.append(
        [
            gettext("Behaviour"),
            gettext("Pole"),
            gettext("Item"),
            gettext("Team mean (others)"),
            gettext("n subjects"),
        ]
    )
    for cell in items[1]:
        cell.font, cell.fill = bold, header_fill
    for item in report["items"]:
        items.append(
            [
                str(BEHAVIOUR_LABELS.get(item["behaviour"], item["behaviour"])),
                str(POLE_WORDS.get(item["pole"], item["pole"])),
                neutralise(item["text"]),
                item["mean"],
                item["subjects"],
            ]
        )
    items.column_dimensions["C"].width = 70
    items.column_dimensions["D"].width = 20

    # Change since each subject's last earlier released cycle (issue 16): a sheet only
    # when some subject has one (a closed cycle, or a first cycle, has none).
    sheets = [summary, people, items]
    if any(_last_comparison(subject) for subject in report["subjects"]):
        sheets.append(_change_sheet(workbook, report, bold=bold, header_fill=header_fill))

    for sheet in sheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, float):
                    cell.number_format = "0.00"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _change_sheet(workbook, report: dict, *, bold, header_fill):
    """Per subject and behaviour, every figure shown in both cycles: previous, now, change."""
    change = workbook.create_sheet(pgettext("difference between cycles", "Change"))
    change.append(
        [
            gettext("Name"),
            gettext("Previous cycle"),
            gettext("Behaviour"),
            gettext("Figure"),
            gettext("Group"),
            gettext("Previous"),
            gettext("Now"),
            pgettext("difference between cycles", "Change"),
            gettext("Notable"),
        ]
    )
    for cell in change[1]:
        cell.font, cell.fill = bold, header_fill
    figure_names = {pole: str(POLE_LABELS[pole]) for pole in POLES}
    for subject in report["subjects"]:
        last = _last_comparison(subject)
        if last is None:
            continue
        for row in last["behaviours"]:
            lines = [
                (figure_names[pole], str(GROUP_LABELS[group]), row[pole][group])
                for pole in POLES
                for group in GROUPS
            ]
            lines += [(gettext("Balance"), str(GROUP_LABELS[g]), row["balance"][g]) for g in GROUPS]
            lines += [
                (
                    gettext("Self-others gap, %(pole)s") % {"pole": str(POLE_LABELS[pole]).lower()},
                    "",
                    row["self_others_gap"][pole],
                )
                for pole in POLES
            ]
            for figure_name, group_label, figure in lines:
                if figure is None:
                    continue
                change.append(
                    [
                        neutralise(subject["name"]),
                        neutralise(last["cycle"]["name"]),
                        str(BEHAVIOUR_LABELS[row["behaviour"]]),
                        figure_name,
                        group_label,
                        figure["before"],
                        figure["now"],
                        figure["change"],
                        gettext("notable") if figure["notable"] else "",
                    ]
                )
    change.freeze_panes = "A2"
    change.column_dimensions["A"].width = 28
    change.column_dimensions["B"].width = 22
    change.column_dimensions["D"].width = 26
    change.column_dimensions["E"].width = 16
    return change


def team_pdf(report: dict, *, language: str | None = None) -> bytes:
    """The team report as a PDF, in ``language`` (whoever asked for it) or else the active
    language."""
    with translation.override(language or translation.get_language()):
        if _renderer() == "weasyprint":
            return team_html_pdf(report)
        return typesetting.render("team", team_data(report))


def team_data(report: dict) -> dict:
    """The team report for ``team.typ``: words translated, figures formatted, here."""
    cycle = report["cycle"]
    k = cycle["min_anonymous_raters"]
    behaviour_names = [str(BEHAVIOUR_LABELS[b]) for b in BEHAVIOURS]
    rows = []
    for subject in report["subjects"]:
        counted = _counted(subject["groups"])
        if counted is None:
            counted_cell = "–"
        elif counted == 1:
            counted_cell = gettext("%(counted)s (boss only)") % {"counted": counted}
        else:
            counted_cell = str(counted)
        cells = []
        for b in BEHAVIOURS:
            for p in POLES:
                value = _subject_score(subject, b, p)
                # The dashboard's heatmap colours: pale enough for dark text to stay readable.
                cells.append(
                    {
                        "text": "" if value is None else _num(value),
                        "fill": charts.heat_colour(value),
                    }
                )
        rows.append(
            {
                "name": subject["name"],
                "title": subject["title"] or "",
                "counted": counted_cell,
                "cells": cells,
            }
        )
    means = []
    distributions = []
    for behaviour, title in zip(BEHAVIOURS, behaviour_names, strict=True):
        row = [title]
        for pole, colour in (
            (LEADERSHIP, charts.LEADERSHIP_COLOUR),
            (MANAGEMENT, charts.MANAGEMENT_COLOUR),
        ):
            mean = report["means"].get((behaviour, pole), {})
            row += [_num(mean.get("mean")), str(mean.get("subjects", 0))]
            values = [
                v
                for s in report["subjects"]
                if (v := _subject_score(s, behaviour, pole)) is not None
            ]
            distributions.append(
                {
                    "title": f"{title} · {POLE_LABELS[pole]}",
                    "note": gettext("mean %(mean)s, n = %(n)s")
                    % {"mean": _num(mean.get("mean")), "n": mean.get("subjects", 0)},
                    "svg": charts.histogram(values, colour=colour, width=300, height=90),
                    "alt": gettext(
                        "Histogram: how many people score in each band, %(behaviour)s, %(pole)s."
                    )
                    % {"behaviour": title, "pole": POLE_LABELS[pole]},
                }
            )
        means.append(row)
    response = report["response"]
    response_line = gettext(
        "Response rate: %(submitted)s of %(invited)s invited raters answered."
    ) % {"submitted": response["submitted"], "invited": response["invited"]}
    if response["rate"] is not None:
        response_line += " " + gettext("(%(rate)s %%)") % {"rate": _num(response["rate"], 1)}
    return {
        **_typst_language(),
        **_page_words(),
        "title": gettext("Team report: %(scope)s") % {"scope": report["scope"]},
        "heading": gettext("Team report"),
        "scope": str(report["scope"]),
        "cycle": cycle["name"],
        "printed": gettext("printed %(date)s") % {"date": _date(timezone.now().date())},
        "intro": gettext(
            "Scores are what others (everyone but the person) said, on a 1 (never) to 5 "
            "(always) scale. Team means give each person the same weight. Peers, direct "
            "reports and people from outside the team are anonymous: a group with fewer than "
            "%(k)s answers is never shown, and a blank cell means no score could be shown."
        )
        % {"k": k}
        + " "
        + response_line,
        "means_heading": gettext("Team means"),
        "means_columns": [
            gettext("Behaviour"),
            gettext("Leadership"),
            gettext("n subjects"),
            gettext("Management"),
            gettext("n subjects"),
        ],
        "means": means,
        "distributions_heading": gettext("Distributions: how many people score in each band"),
        "distributions": distributions,
        "people_heading": gettext("People by behaviour"),
        "people_columns": [gettext("Name"), gettext("Title"), gettext("Counted")],
        "behaviour_names": behaviour_names,
        "pole_letters": [gettext("L"), gettext("M")],
        "rows": rows,
        "people_note": gettext(
            "L = leadership, M = management; Counted = the people whose ratings are inside "
            "that person's scores (everyone but themself whose group, or the pool of small "
            "groups, reached %(k)s); “boss only”: the boss alone. Pale red is low, blue is "
            "high, grey means not shown (the same colours as the HR and manager pages)."
        )
        % {"k": k},
    }


def team_html_pdf(report: dict) -> bytes:
    """The team report through WeasyPrint (PDF_RENDERER=weasyprint): English words."""
    columns = [(b, p) for b in BEHAVIOURS for p in POLES]
    rows = []
    for subject in report["subjects"]:
        cells = []
        for b, p in columns:
            value = _subject_score(subject, b, p)
            # The dashboard's heatmap colours: pale enough for dark text to stay readable.
            background, ink = charts.heat_colour(value), charts.INK
            cells.append({"value": value, "background": background, "ink": ink})
        rows.append(
            {
                "name": subject["name"],
                "title": subject["title"],
                "counted": _counted(subject["groups"]),
                "boss_only": _counted(subject["groups"]) == 1,
                "cells": cells,
            }
        )
    distributions = []
    for behaviour in BEHAVIOURS:
        pair = []
        for pole, colour in (
            (LEADERSHIP, charts.LEADERSHIP_COLOUR),
            (MANAGEMENT, charts.MANAGEMENT_COLOUR),
        ):
            values = [
                v
                for s in report["subjects"]
                if (v := _subject_score(s, behaviour, pole)) is not None
            ]
            mean = report["means"].get((behaviour, pole), {})
            pair.append(
                {
                    "pole": pole.capitalize(),
                    "mean": mean.get("mean"),
                    "subjects": mean.get("subjects", 0),
                    "chart": _svg_image(
                        charts.histogram(values, colour=colour, width=300, height=90)
                    ),
                }
            )
        distributions.append({"title": BEHAVIOUR_LABELS[behaviour], "poles": pair})
    html = render_to_string(
        "exports/pdf/team.html",
        {
            "report": report,
            "columns": [
                {"behaviour": BEHAVIOUR_LABELS[b], "pole": "L" if p == LEADERSHIP else "M"}
                for b, p in columns
            ],
            "behaviour_names": [BEHAVIOUR_LABELS[b] for b in BEHAVIOURS],
            "rows": rows,
            "distributions": distributions,
            "means": [
                {
                    "behaviour": BEHAVIOUR_LABELS[b],
                    LEADERSHIP: report["means"].get((b, LEADERSHIP), {}),
                    MANAGEMENT: report["means"].get((b, MANAGEMENT), {}),
                }
                for b in BEHAVIOURS
            ],
            "generated_on": timezone.now().date().isoformat(),
            "css": mark_safe(_print_css()),  # noqa: S308 - our own stylesheet
        },
    )
    return _pdf(html)
