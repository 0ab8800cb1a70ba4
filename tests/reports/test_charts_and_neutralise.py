"""The shared SVG charts and the formula-injection helper."""

import pytest

from exports.files import neutralise
from reports import charts


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


def test_the_histogram_reads_its_counts_out():
    svg = charts.histogram([1.0, 4.9, 5.0], title="Vision")
    assert 'aria-label="Vision: 1 from 1 to 1.5, 2 from 4.5 to 5"' in svg
