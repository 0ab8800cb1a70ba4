"""The shared SVG charts and the formula-injection helper."""

import pytest

from reports import export_charts as charts
from reports.exports import neutralise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        ("Plain name", "Plain name"),
        ("", ""),
        ("O'Neil = fine", "O'Neil = fine"),
    ],
)
def test_neutralise_quotes_text_a_spreadsheet_would_run(text, expected):
    assert neutralise(text) == expected


def test_neutralise_leaves_numbers_and_blanks_alone():
    assert neutralise(-1.5) == -1.5
    assert neutralise(None) is None


def test_histogram_counts_subjects_per_half_point():
    svg = charts.histogram([1.0, 1.2, 4.9, 5.0])
    assert svg.count("<rect") == 2
    assert ">2<" in svg


def test_heat_colour_darkens_with_the_score():
    light, _ = charts.heat_colour(1.0)
    dark, ink = charts.heat_colour(5.0)
    assert light != dark and ink == "#ffffff"
    assert charts.heat_colour(None)[0] == "#ffffff"
