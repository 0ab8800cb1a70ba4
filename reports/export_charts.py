"""The team PDF's own charts: the distribution histogram and the heatmap colours.

The individual report PDF draws the dashboard's charts (reports.charts), so a chart reads
the same on screen and on paper; these two have no dashboard counterpart yet.

Plain SVG strings with explicit sizes, fonts and colours (no script, no CSS classes), so
they look the same inline in a web page, in WeasyPrint and in a browser's print view.
Every label is escaped: names and texts come from users.
"""

from __future__ import annotations

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


def _text(x, y, content, *, size=11, anchor="start", fill=INK, weight="normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT}" font-size="{size}" '
        f'text-anchor="{anchor}" fill="{fill}" font-weight="{weight}">{escape(str(content))}</text>'
    )


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
