"""Server-drawn SVG charts for the PDF exports (the dashboards draw with reports.charts).

Two chart modules grew in parallel; merging them into one is planned (docs/decisions.md).

Plain SVG strings with explicit sizes, fonts and colours (no script, no CSS classes), so
they look the same inline in a web page, in WeasyPrint and in a browser's print view.
Every label is escaped: names and texts come from users.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

SCALE_MIN, SCALE_MAX = 1.0, 5.0
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
# Two poles as two hues that stay distinct in grey print and for colour-blind readers.
LEADERSHIP_COLOUR = "#1f5f8b"
MANAGEMENT_COLOUR = "#d08c2e"
INK = "#222222"
MUTED = "#6b6b6b"
GRID = "#d9d9d9"

GROUP_LABELS = {
    "self": "Self",
    "boss": "Boss",
    "peer": "Peers",
    "direct_report": "Direct reports",
    "other": "External",
    "others": "All others",
}
CHART_GROUPS = ("self", "boss", "peer", "direct_report", "other", "others")


@dataclass(frozen=True)
class PoleRow:
    """One bar pair: a group's leadership and management scores (None: not shown)."""

    label: str
    n: int
    leadership: float | None
    management: float | None
    note: str = ""


def _x(value: float, left: float, width: float) -> float:
    return left + (value - SCALE_MIN) / (SCALE_MAX - SCALE_MIN) * width


def _text(x, y, content, *, size=11, anchor="start", fill=INK, weight="normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT}" font-size="{size}" '
        f'text-anchor="{anchor}" fill="{fill}" font-weight="{weight}">{escape(str(content))}</text>'
    )


def pole_bars(rows: list[PoleRow], *, width: int = 620, title: str = "") -> str:
    """Leadership and management side by side for each rater group, on the 1-5 scale,
    with each group's n; a group with no figure says why instead of drawing a bar."""
    label_width, value_width = 170, 44
    left, plot = label_width, width - label_width - value_width
    bar, gap, row_height = 11, 2, 34
    top = 30 if title else 12
    height = top + len(rows) * row_height + 34
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title or "scores")}">'
    ]
    if title:
        parts.append(_text(0, 16, title, size=13, weight="bold"))
    bottom = top + len(rows) * row_height
    for tick in range(1, 6):
        x = _x(tick, left, plot)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{bottom}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(x, bottom + 14, tick, size=10, anchor="middle", fill=MUTED))
    for index, row in enumerate(rows):
        y = top + index * row_height
        parts.append(_text(0, y + 12, row.label, size=11, weight="bold"))
        parts.append(_text(0, y + 25, f"n = {row.n}", size=9.5, fill=MUTED))
        if row.leadership is None and row.management is None:
            parts.append(_text(left + 4, y + 17, row.note or "not shown", size=9.5, fill=MUTED))
            continue
        for offset, value, colour in (
            (2, row.leadership, LEADERSHIP_COLOUR),
            (2 + bar + gap, row.management, MANAGEMENT_COLOUR),
        ):
            if value is None:
                parts.append(_text(left + 4, y + offset + 9, "no score", size=8.5, fill=MUTED))
                continue
            end = _x(value, left, plot)
            parts.append(
                f'<rect x="{left}" y="{y + offset}" width="{max(end - left, 1.5):.1f}" '
                f'height="{bar}" fill="{colour}"/>'
            )
            parts.append(_text(end + 4, y + offset + 9, f"{value:.2f}", size=9.5))
    legend_y = bottom + 28
    for offset, colour, name in (
        (0, LEADERSHIP_COLOUR, "Leadership"),
        (110, MANAGEMENT_COLOUR, "Management"),
    ):
        parts.append(
            f'<rect x="{left + offset}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>'
        )
        parts.append(_text(left + offset + 14, legend_y, name, size=10))
    parts.append(_text(width, legend_y, "1 = never · 5 = always", size=9, anchor="end", fill=MUTED))
    parts.append("</svg>")
    return "".join(parts)


def behaviour_rows(behaviour: dict, groups: dict, *, k: int) -> list[PoleRow]:
    """The bar rows of one behaviour of a section-4 document, with the reason a group has
    no bar: nobody answered, or an anonymous group below the anonymity minimum."""
    rows = []
    for group in CHART_GROUPS:
        info = groups.get(group, {"n": 0, "shown": False})
        lead = behaviour["leadership"].get(group)
        manage = behaviour["management"].get(group)
        note = ""
        if lead is None and manage is None:
            if info["n"] == 0:
                note = "no answers"
            elif group in ("peer", "direct_report", "other") and info["n"] < k:
                note = f"hidden: fewer than {k} people answered"
            else:
                note = "hidden: too few answers to keep raters anonymous"
        rows.append(PoleRow(GROUP_LABELS[group], info["n"], lead, manage, note))
    return rows


def histogram(
    values: list[float],
    *,
    width: int = 300,
    height: int = 120,
    colour: str = LEADERSHIP_COLOUR,
    title: str = "",
) -> str:
    """How many subjects score in each half-point band of the 1-5 scale."""
    edges = [1 + 0.5 * i for i in range(9)]  # 1.0, 1.5, ... 5.0
    counts = [0] * 8
    for value in values:
        index = min(int((value - 1) / 0.5), 7) if value >= 1 else 0
        counts[index] += 1
    top, bottom_pad, left = (18 if title else 14), 16, 8
    plot_h = height - top - bottom_pad
    plot_w = width - 2 * left
    peak = max(counts) or 1
    band = plot_w / 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title or "distribution")}">'
    ]
    if title:
        parts.append(_text(0, 12, title, size=10.5, weight="bold"))
    base = top + plot_h
    for index, count in enumerate(counts):
        h = plot_h * count / peak
        x = left + index * band
        if count:
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{base - h:.1f}" width="{band - 2:.1f}" height="{h:.1f}" fill="{colour}"/>'
            )
            parts.append(_text(x + band / 2, base - h - 2, count, size=10, anchor="middle"))
    parts.append(
        f'<line x1="{left}" y1="{base}" x2="{width - left}" y2="{base}" stroke="{MUTED}"/>'
    )
    for index, edge in enumerate(edges):
        if index % 2 == 0:
            parts.append(
                _text(
                    left + index * band,
                    base + 12,
                    f"{edge:g}",
                    size=8.5,
                    anchor="middle",
                    fill=MUTED,
                )
            )
    parts.append("</svg>")
    return "".join(parts)


def heat_colour(value: float | None) -> tuple[str, str]:
    """(background, text) for a 1-5 score: a single-hue blue ramp that survives grey print."""
    if value is None:
        return "#ffffff", MUTED
    share = max(0.0, min(1.0, (value - SCALE_MIN) / (SCALE_MAX - SCALE_MIN)))
    light, dark = (240, 246, 252), (8, 69, 148)
    rgb = tuple(round(a + (b - a) * share) for a, b in zip(light, dark, strict=True))
    return "#{:02x}{:02x}{:02x}".format(*rgb), ("#ffffff" if share > 0.55 else INK)
