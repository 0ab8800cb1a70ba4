"""The files HR downloads, rendered from stored results only (never from raw answers).

Pure functions: a section-4 document (or a team report from
``exports.services.team_report``) in, bytes out. The services decide who may ask and what
goes in; this module only lays out.
"""

from __future__ import annotations

import base64
import csv
import io
from fractions import Fraction

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from feedback.vocabulary import (
    ANONYMOUS,
    BEHAVIOUR_LABELS,
    BEHAVIOURS,
    GROUPS,
    LEADERSHIP,
    MANAGEMENT,
    POLE_NAMES,
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


def _gap_sentence(pole_label: str, gap: float | None, threshold: float, voice) -> str:
    you, your = voice.you, voice.your
    rate = voice.pick("rate yourself", "rates themself")
    if gap is None:
        return f"{pole_label}: no comparison ({your} own or others' scores are missing)."
    if gap >= threshold:
        return f"{pole_label}: {you} {rate} {gap:.2f} higher than others do."
    if -gap >= threshold:
        return f"{pole_label}: others rate {you} {-gap:.2f} higher than {you} {rate}."
    if gap > 0:
        return f"{pole_label}: {you} {rate} a little higher than others do ({gap:.2f})."
    if gap < 0:
        does = voice.pick("you do", f"{voice.name} does")
        return f"{pole_label}: others rate {you} a little higher than {does} ({-gap:.2f})."
    return f"{pole_label}: {you} and others agree."


def _balance_sentence(balance: float | None, lead: str, manage: str, voice) -> str:
    if balance is None:
        return "Others' balance cannot be shown: one of the poles has no score."
    if abs(balance) < 0.005:
        return f"Others see {voice.you} as much a {lead.lower()} as a {manage.lower()}."
    side = lead if balance > 0 else manage
    return f"Others see {voice.you} leaning towards “{side}” by {abs(balance):.2f} points."


def individual_context(document: dict, *, own: bool = False) -> dict:
    """The individual PDF, written to its reader: "you" when the subject downloads their
    own report (``own``), the subject's name in a file built for HR or a manager."""
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
        lead_name, manage_name = POLE_NAMES.get(slug, ("Leadership", "Management"))
        behaviour_items = [i for i in document["items"] if i["behaviour"] == slug]
        behaviours.append(
            {
                "slug": slug,
                "title": BEHAVIOUR_LABELS[slug],
                "pair": presentation.pair_name(slug),
                "lead_name": lead_name,
                "manage_name": manage_name,
                "chart": _svg_image(dashboard_charts[slug], width="62%"),
                "balance_self": behaviour["balance"].get("self"),
                "balance_others": behaviour["balance"].get("others"),
                "balance_sentence": _balance_sentence(
                    behaviour["balance"].get("others"), lead_name, manage_name, voice
                ),
                "gap_sentences": [
                    _gap_sentence(
                        f"Leadership ({lead_name})",
                        behaviour["self_others_gap"][LEADERSHIP],
                        threshold,
                        voice,
                    ),
                    _gap_sentence(
                        f"Management ({manage_name})",
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
    group_rows = []
    for group in GROUPS:
        info = groups.get(group, {"n": 0, "shown": False})
        if group == "others":
            note = f"{voice.everyone_but}, pooled so that no small group stands out"
            if counted is not None:
                note = f"{note}; counted={counted}, the people behind its figures"
            if boss_only:
                note = f"{note} ({voice.your_boss} only)"
        elif info["shown"]:
            note = "shown"
        elif info["n"] == 0:
            note = "nobody answered"
        elif group in ANONYMOUS:
            note = (
                f"hidden: fewer than {k} answered; their ratings count only inside "
                f"Others, and only where the pooled ratings reach {k}"
            )
        else:
            note = "hidden"
        group_rows.append(
            {
                "label": voice.label(group),
                "n": info["n"],
                "shown": info["shown"],
                "note": note,
            }
        )
    hidden_groups = [voice.label(g) for g in ANONYMOUS if 0 < groups.get(g, {"n": 0})["n"] < k]
    # Under their question, or under their group when the cycle shuffles them (issue 16).
    comments = presentation.comment_groups(document, voice=voice)

    def described(ids):
        return [
            {
                "text": items[i]["text"],
                "behaviour": items[i]["behaviour"].capitalize(),
                "self": (items[i]["scores"].get("self") or {}).get("mean"),
                "others": (items[i]["scores"].get("others") or {}).get("mean"),
                "boss_only": presentation.item_others_is_boss_only(items[i]),
                "gap": items[i]["self_others_gap"],
            }
            for i in ids
            if i in items
        ]

    answers_line = ", ".join(
        f"{row['label']} {row['n']}" for row in group_rows if row["label"] != voice.label("others")
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
        # Phrases of the template, in the reader's voice.
        "words": {
            "self": voice.label("self"),
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
        "generated_on": timezone.now().date().isoformat(),
        "css": mark_safe(_print_css()),  # noqa: S308 - our own stylesheet
        "legend_lead": charts.LEADERSHIP_COLOUR,
        "legend_manage": charts.MANAGEMENT_COLOUR,
    }


def individual_html(document: dict, *, own: bool = False) -> str:
    return render_to_string("exports/pdf/individual.html", individual_context(document, own=own))


def individual_pdf(document: dict, *, own: bool = False) -> bytes:
    return _pdf(individual_html(document, own=own))


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
    summary.title = "Summary"
    summary.append([neutralise(f"Team report: {report['scope']}")])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append(["Cycle", neutralise(report["cycle"]["name"])])
    summary.append(["Subjects", report.get("subject_count", len(report["subjects"]))])
    summary.append(
        [
            "Anonymity",
            f"groups below {report['cycle']['min_anonymous_raters']} raters are never shown",
        ]
    )
    summary.append([])
    header_row = summary.max_row + 1
    summary.append(["Behaviour", "Leadership mean", "n subjects", "Management mean", "n subjects"])
    for cell in summary[header_row]:
        cell.font, cell.fill = bold, header_fill
    for behaviour in BEHAVIOURS:
        lead = report["means"].get((behaviour, LEADERSHIP), {})
        manage = report["means"].get((behaviour, MANAGEMENT), {})
        summary.append(
            [
                BEHAVIOUR_LABELS[behaviour],
                lead.get("mean"),
                lead.get("subjects", 0),
                manage.get("mean"),
                manage.get("subjects", 0),
            ]
        )
    last_mean_row = summary.max_row
    summary.append([])
    rates_row = summary.max_row + 1
    summary.append(["Response rates", "Invited", "Submitted", "Rate %"])
    for cell in summary[rates_row]:
        cell.font, cell.fill = bold, header_fill
    response = report["response"]
    summary.append(["Team", response["invited"], response["submitted"], response["rate"]])
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
    chart.title = "Team means: leadership and management"
    chart.y_axis.title = "Mean of others' scores (1-5)"
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
    people = workbook.create_sheet("People by behaviour")
    columns = [(b, p) for b in BEHAVIOURS for p in POLES]
    people.append(
        ["Name", "Title", "Team", "Others counted"]
        + [f"{BEHAVIOUR_LABELS[b]} {p}" for b, p in columns]
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
    items = workbook.create_sheet("Items")
    items.append(["Behaviour", "Pole", "Item", "Team mean (others)", "n subjects"])
    for cell in items[1]:
        cell.font, cell.fill = bold, header_fill
    for item in report["items"]:
        items.append(
            [
                item["behaviour"].capitalize(),
                item["pole"],
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
    change = workbook.create_sheet("Change")
    change.append(
        [
            "Name",
            "Previous cycle",
            "Behaviour",
            "Figure",
            "Group",
            "Previous",
            "Now",
            "Change",
            "Notable",
        ]
    )
    for cell in change[1]:
        cell.font, cell.fill = bold, header_fill
    figure_names = {LEADERSHIP: "Leadership", MANAGEMENT: "Management"}
    for subject in report["subjects"]:
        last = _last_comparison(subject)
        if last is None:
            continue
        for row in last["behaviours"]:
            lines = [
                (figure_names[pole], GROUP_LABELS[group], row[pole][group])
                for pole in POLES
                for group in GROUPS
            ]
            lines += [("Balance", GROUP_LABELS[g], row["balance"][g]) for g in GROUPS]
            lines += [
                (f"Self-others gap, {pole}", "", row["self_others_gap"][pole]) for pole in POLES
            ]
            for figure_name, group_label, figure in lines:
                if figure is None:
                    continue
                change.append(
                    [
                        neutralise(subject["name"]),
                        neutralise(last["cycle"]["name"]),
                        BEHAVIOUR_LABELS[row["behaviour"]],
                        figure_name,
                        group_label,
                        figure["before"],
                        figure["now"],
                        figure["change"],
                        "notable" if figure["notable"] else "",
                    ]
                )
    change.freeze_panes = "A2"
    change.column_dimensions["A"].width = 28
    change.column_dimensions["B"].width = 22
    change.column_dimensions["D"].width = 26
    change.column_dimensions["E"].width = 16
    return change


def team_pdf(report: dict) -> bytes:
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
