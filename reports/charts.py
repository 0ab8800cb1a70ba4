"""Charts drawn on the server as inline SVG, for the pages and for PDF exports.

Every function takes plain numbers and labels and returns an SVG string, so a template,
a PDF renderer or a test can use it without Django. The drawings are sized by their
``viewBox`` and stretch to the width they are given; each has a <title> and an
``aria-label`` that reads the figures out, and every bar has its own <title>, so a screen
reader (or a printed black-and-white copy, thanks to the value labels) loses nothing.

Scores are on the 1..5 scale; ``None`` means "not shown" (too few answers, or none).
Words come from the active language and figures are written as it writes them (3,86 in
German): display only, the numbers drawn are the same in every language.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from html import escape

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

LEADERSHIP_COLOUR = "#2f5bd3"
MANAGEMENT_COLOUR = "#b45309"
INK = "#1d2433"
MUTED = "#5b6478"
GRID = "#d9dee8"
OVER_COLOUR = "#b42318"  # self above others: a blind spot when past the threshold
UNDER_COLOUR = "#1f7a4d"  # others above self: a hidden strength
NEUTRAL_COLOUR = "#8a93a6"

WIDTH = 320
LABEL_WIDTH = 120
# The legend starts over the label column (free in its top line): room for longer words.
LEGEND_X = LABEL_WIDTH // 2
SCALE_MAX = 5.0

_ids = itertools.count(1)


def _number(value: float | None) -> str:
    return _("not shown") if value is None else _figure(value)


def _figure(value: float) -> str:
    return number_format(value, 2)


def _signed(value: float) -> str:
    # A plus for every non-negative gap, as "+.2f" wrote it, in the reader's notation.
    return ("+" if value >= 0 else "-") + _figure(abs(value))


def _short(value: float) -> str:
    # As "g" wrote a histogram's edge: 1, 1.5 (1,5 in German).
    return number_format(value, 0 if float(value).is_integer() else 1)


def _pole(pole: str) -> str:
    if pole == "leadership":
        return pgettext("pole, inside a sentence", "leadership")
    return pgettext("pole, inside a sentence", "management")


def _svg(*, height: float, label: str, body: list[str]) -> str:
    # A fresh id per drawing keeps several charts on one page from sharing a title id.
    title_id = f"chart-title-{next(_ids)}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height:g}" '
        f'role="img" aria-labelledby="{title_id}" aria-label="{escape(label)}" '
        f'font-family="system-ui, DejaVu Sans, sans-serif" font-size="11">'
        f'<title id="{title_id}">{escape(label)}</title>' + "".join(body) + "</svg>"
    )


def pole_pairs(*, title: str, rows: Sequence[tuple[str, float | None, float | None]]) -> str:
    """Leadership and management side by side, one pair of bars per row.

    ``rows``: (label, leadership score, management score); a label may carry its n,
    e.g. "Peers (n=4)".
    """
    bar_area = WIDTH - LABEL_WIDTH - 34
    row_height = 34
    top = 16
    bottom = top + row_height * len(rows)
    height = bottom + 16
    spoken = "; ".join(
        _("%(label)s: leadership %(lead)s, management %(manage)s")
        % {"label": label, "lead": _number(lead), "manage": _number(manage)}
        for label, lead, manage in rows
    )
    lead_words, manage_words = _("Leadership (top)"), _("Management")
    legend_lead, legend_manage = escape(lead_words), escape(manage_words)
    not_shown = escape(_("not shown"))
    # The management legend ends at the right edge, so a longer word in another language
    # ("Liderazgo (arriba)") has room instead of running into it.
    manage_x = WIDTH - 2 - _text_width(manage_words) - 14
    body = [
        # Legend, so a print-out without colour still says which bar is which (and order).
        f'<rect x="{LEGEND_X}" y="2" width="10" height="8" fill="{LEADERSHIP_COLOUR}"/>',
        f'<text x="{LEGEND_X + 14}" y="10" fill="{INK}">{legend_lead}</text>',
        f'<rect x="{manage_x:.1f}" y="2" width="10" height="8" fill="{MANAGEMENT_COLOUR}"/>',
        f'<text x="{WIDTH - 2}" y="10" fill="{INK}" text-anchor="end">{legend_manage}</text>',
    ]
    for tick in range(1, 6):
        x = LABEL_WIDTH + bar_area * tick / SCALE_MAX
        body.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="{GRID}"/>'
            f'<text x="{x:.1f}" y="{bottom + 12}" fill="{MUTED}" text-anchor="middle" '
            f'aria-hidden="true">{tick}</text>'
        )
    for index, (label, lead, manage) in enumerate(rows):
        y = top + index * row_height
        body.append(
            f'<text x="0" y="{y + 20}" fill="{INK}">{escape(_fit(label, 20))}'
            f"<title>{escape(label)}</title></text>"
        )
        for offset, pole, value, colour in (
            (4, "leadership", lead, LEADERSHIP_COLOUR),
            (17, "management", manage, MANAGEMENT_COLOUR),
        ):
            bar_y = y + offset
            if value is None:
                body.append(
                    f'<text x="{LABEL_WIDTH + 2}" y="{bar_y + 9}" fill="{MUTED}" '
                    f'font-style="italic">{not_shown}</text>'
                )
                continue
            width = bar_area * max(0.0, min(value, SCALE_MAX)) / SCALE_MAX
            body.append(
                f'<rect x="{LABEL_WIDTH}" y="{bar_y}" width="{width:.1f}" height="11" '
                f'fill="{colour}" rx="2"><title>{escape(label)}, {escape(_pole(pole))}: '
                f"{_figure(value)}</title></rect>"
                f'<text x="{LABEL_WIDTH + width + 3:.1f}" y="{bar_y + 9}" fill="{INK}">'
                f"{_figure(value)}</text>"
            )
    return _svg(height=height, label=f"{title}. {spoken}.", body=body)


def gap_bars(
    *, title: str, rows: Sequence[tuple[str, float | None]], threshold: float, limit: float = 4.0
) -> str:
    """Self minus others, one bar per row, growing right when self rates higher.

    Bars past ``threshold`` are coloured: red (self higher: a blind spot), green (others
    higher: a hidden strength); dashed lines mark the threshold on both sides.
    """
    area = WIDTH - LABEL_WIDTH - 8
    centre = LABEL_WIDTH + area / 2
    per_point = (area / 2 - 26) / limit
    row_height = 20
    top = 14
    height = top + row_height * len(rows) + 4

    def describe(gap: float | None) -> str:
        if gap is None:
            return _("no gap shown")
        if gap >= threshold:
            return _("self %(gap)s above others, a blind spot") % {"gap": _signed(gap)}
        if -gap >= threshold:
            return _("others %(gap)s above self, a hidden strength") % {"gap": _figure(-gap)}
        return _("gap %(gap)s") % {"gap": _signed(gap)}

    spoken = "; ".join(f"{label}: {describe(gap)}" for label, gap in rows)
    others_higher, self_higher = escape(_("others higher")), escape(_("self higher"))
    not_shown = escape(_("not shown"))
    body = [
        f'<text x="{centre - 4:.1f}" y="9" fill="{MUTED}" text-anchor="end">{others_higher}</text>',
        f'<text x="{centre + 4:.1f}" y="9" fill="{MUTED}">{self_higher}</text>',
        f'<line x1="{centre:.1f}" y1="{top}" x2="{centre:.1f}" y2="{height - 2}" stroke="{INK}"/>',
    ]
    for side in (-1, 1):
        x = centre + side * threshold * per_point
        body.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - 2}" stroke="{GRID}" '
            f'stroke-dasharray="3 3"/>'
        )
    for index, (label, gap) in enumerate(rows):
        y = top + index * row_height
        body.append(
            f'<text x="0" y="{y + 13}" fill="{INK}">{escape(_fit(label, 20))}'
            f"<title>{escape(label)}</title></text>"
        )
        if gap is None:
            body.append(
                f'<text x="{centre + 4:.1f}" y="{y + 13}" fill="{MUTED}" '
                f'font-style="italic">{not_shown}</text>'
            )
            continue
        clipped = max(-limit, min(gap, limit))
        width = abs(clipped) * per_point
        x = centre if clipped >= 0 else centre - width
        colour = (
            OVER_COLOUR
            if gap >= threshold
            else UNDER_COLOUR
            if -gap >= threshold
            else NEUTRAL_COLOUR
        )
        text_x, anchor = (x + width + 3, "start") if clipped >= 0 else (x - 3, "end")
        body.append(
            f'<rect x="{x:.1f}" y="{y + 4}" width="{max(width, 1):.1f}" height="11" '
            f'fill="{colour}" rx="2"><title>{escape(label)}: {describe(gap)}</title></rect>'
            f'<text x="{text_x:.1f}" y="{y + 13}" fill="{INK}" text-anchor="{anchor}">'
            f"{_signed(gap)}</text>"
        )
    return _svg(height=height, label=f"{title}. {spoken}.", body=body)


def heat_colour(score: float | None) -> str:
    """A pale background for a 1..5 score (red-ish low, neutral middle, blue high), light
    enough that dark text on it keeps AA contrast; grey when there is no score."""
    if score is None:
        return "#eceef2"
    low, middle, high = (248, 204, 198), (243, 243, 243), (176, 201, 250)
    position = max(0.0, min((score - 1) / 4, 1.0))
    start, end, t = (
        (low, middle, position * 2) if position < 0.5 else (middle, high, position * 2 - 1)
    )
    r, g, b = (round(a + (z - a) * t) for a, z in zip(start, end, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def _text_width(text: str, size: float = 11) -> float:
    """A generous estimate of a label's width at ``size`` pixels (no font metrics here)."""
    return len(text) * size * 0.6


def _fit(label: str, length: int) -> str:
    return label if len(label) <= length else label[: length - 1] + "…"


def histogram(
    values: Sequence[float],
    *,
    width: int = 300,
    height: int = 120,
    colour: str = LEADERSHIP_COLOUR,
    title: str = "",
) -> str:
    """How many subjects score in each half-point band of the 1-5 scale (team PDF).

    Unlike the page charts it has a fixed size: the team PDF lays two side by side.
    """
    edges = [1 + 0.5 * i for i in range(9)]  # 1.0, 1.5, ... 5.0
    counts = [0] * 8
    for value in values:
        counts[min(int((value - 1) / 0.5), 7) if value >= 1 else 0] += 1
    top, bottom_pad, left = (18 if title else 14), 16, 8
    plot_h, band = height - top - bottom_pad, (width - 2 * left) / 8
    peak = max(counts) or 1
    spoken = ", ".join(
        _("%(count)s from %(low)s to %(high)s")
        % {"count": count, "low": _short(edges[i]), "high": _short(edges[i + 1])}
        for i, count in enumerate(counts)
        if count
    )
    label = "{}: {}".format(title or _("Distribution"), spoken or _("no scores"))

    def text(x, y, content, *, size=10.0, anchor="middle", fill=INK, weight="normal"):
        return (
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{fill}" font-weight="{weight}">{escape(str(content))}</text>'
        )

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
        f'font-family="system-ui, DejaVu Sans, sans-serif">'
    ]
    if title:
        parts.append(text(0, 12, title, size=10.5, anchor="start", weight="bold"))
    base = top + plot_h
    for index, count in enumerate(counts):
        if count:
            h, x = plot_h * count / peak, left + index * band
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{base - h:.1f}" width="{band - 2:.1f}" '
                f'height="{h:.1f}" fill="{colour}"/>'
            )
            parts.append(text(x + band / 2, base - h - 2, count))
    parts.append(
        f'<line x1="{left}" y1="{base}" x2="{width - left}" y2="{base}" stroke="{MUTED}"/>'
    )
    for index, edge in enumerate(edges[::2]):
        parts.append(text(left + 2 * index * band, base + 12, _short(edge), size=8.5, fill=MUTED))
    parts.append("</svg>")
    return "".join(parts)
