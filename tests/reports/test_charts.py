"""reports.charts: plain numbers in, accessible SVG out."""

import xml.etree.ElementTree as ET

import pytest

from reports import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well-formed


def test_it_draws_pole_pairs_with_a_spoken_summary_and_a_title_per_bar():
    svg = charts.pole_pairs(
        title="Vision", rows=[("Boss (n=1)", 3.0, 4.5), ("Peers (n=2)", None, None)]
    )
    root = parse(svg)
    assert root.get("role") == "img"
    label = root.get("aria-label")
    assert "Boss (n=1): leadership 3.00, management 4.50" in label
    assert "Peers (n=2): leadership not shown, management not shown" in label
    assert root.find(f"{SVG}title").text == label
    bars = root.findall(f"{SVG}rect[{SVG}title]")
    assert [bar.find(f"{SVG}title").text for bar in bars] == [
        "Boss (n=1), leadership: 3.00",
        "Boss (n=1), management: 4.50",
    ]
    # A bar's length is its score on the 0..5 axis.
    lead, manage = (float(bar.get("width")) for bar in bars)
    assert manage / lead == pytest.approx(1.5)


def test_it_colours_gaps_past_the_threshold_and_says_what_they_mean():
    svg = charts.gap_bars(
        title="Gaps",
        rows=[("Vision", 1.5), ("Risk", -1.0), ("People", 0.2), ("Change", None)],
        threshold=1.0,
    )
    root = parse(svg)
    titles = {bar.find(f"{SVG}title").text: bar.get("fill") for bar in root.iter(f"{SVG}rect")}
    assert titles == {
        "Vision: self +1.50 above others, a blind spot": charts.OVER_COLOUR,
        "Risk: others 1.00 above self, a hidden strength": charts.UNDER_COLOUR,
        "People: gap +0.20": charts.NEUTRAL_COLOUR,
    }
    assert "Change: no gap shown" in root.get("aria-label")


def test_it_escapes_labels():
    svg = charts.pole_pairs(title="<b>&", rows=[('"Tom" <x>', 1.0, 2.0)])
    parse(svg)
    assert "<b>" not in svg and "&lt;b&gt;&amp;" in svg


def test_it_gives_each_drawing_its_own_title_id():
    first, second = (parse(charts.gap_bars(title="t", rows=[], threshold=1.0)) for _ in range(2))
    assert first.get("aria-labelledby") != second.get("aria-labelledby")


def test_heat_colours_run_from_low_to_high_and_grey_for_nothing():
    assert charts.heat_colour(None) == "#eceef2"
    assert charts.heat_colour(1) == "#f8ccc6"
    assert charts.heat_colour(3) == "#f3f3f3"
    assert charts.heat_colour(5) == "#b0c9fa"
    assert charts.heat_colour(9) == charts.heat_colour(5)
