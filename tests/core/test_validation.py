"""The one text rule and the one number parser (core/validation.py), case by case."""

import pytest

from core.parsers import nesting_check
from core.validation import MAX_ID, int_strict, text_problem


@pytest.mark.parametrize(
    "value, multiline, problem",
    [
        ("Ann", False, None),
        ("\u200fعلي", False, None),  # a right-to-left mark is part of the name
        ("Zoë\u0301", False, None),
        ("a\x00b", True, "contains a control character (U+0000)."),
        ("a\ud800b", True, "contains a lone surrogate (U+D800), which is not text."),
        ("line\nbreak", False, "contains a control character (U+000A)."),
        ("line\r\nbreak\tand tab", True, None),
        ("a\x0bb", True, "contains a control character (U+000B)."),
        ("\x85", True, "contains a control character (U+0085)."),
        ("a\u2028b", False, "contains a line break (U+2028)."),
        ("\u202eexe.jpg", False, "contains a text-direction control (U+202E)."),
        ("\u202eright to left", True, None),
        ("\u200b\u200c", False, "has no visible character."),
        ("\u200b\u200c", True, None),
        ("", False, None),
    ],
)
def test_it_judges_text_by_one_rule(value, multiline, problem):
    assert text_problem(value, multiline=multiline) == problem


def test_it_checks_length_and_presence_when_asked():
    assert text_problem("x" * 121, max_length=120) == "is longer than 120 characters (121)."
    assert text_problem("x" * 120, max_length=120) is None
    assert text_problem("", required=True) == "is required."


@pytest.mark.parametrize(
    "value, expected", [(3, 3), ("3", 3), ("007", 7), ("-2", -2), (MAX_ID, MAX_ID)]
)
def test_it_reads_whole_numbers(value, expected):
    assert int_strict(value, minimum=-5) == expected


@pytest.mark.parametrize(
    "value", [3.5, 3.0, True, "3.0", "1e3", "²", "٣", " 3", "", "9" * 5000, MAX_ID + 1, None, [3]]
)
def test_it_refuses_anything_else(value):
    with pytest.raises(ValueError):
        int_strict(value)


def test_it_measures_json_nesting_outside_strings():
    from rest_framework.exceptions import ParseError

    nesting_check("[" * 32 + "]" * 32)
    nesting_check('{"a": "' + "[" * 1000 + '\\"{"}')
    with pytest.raises(ParseError):
        nesting_check("[" * 33)
    with pytest.raises(ParseError):
        nesting_check("[" * 100_000)
