"""The screening rule (reports.comment_screening), on hand-made directories: pure, no
database. What it flags is what docs/gap-analysis.md promises HR."""

from reports.comment_screening import (
    DIRECTORY_NAME,
    EMAIL,
    MANAGER_NAME,
    PHONE,
    TEAM_NAME,
    Directory,
    PersonRow,
    screen,
)

# Two teams: Léa Müller manages Anna Berg (the subject), Jörg Ångström and Will Young;
# Björn Olsen is in another team, under nobody the subject knows.
LEA, ANNA, JORG, WILL, BJORN, ELSE = 1, 2, 3, 4, 5, 6
PEOPLE = [
    PersonRow(LEA, "Léa Müller", 1, None),
    PersonRow(ANNA, "Anna Berg", 1, LEA),
    PersonRow(JORG, "Jörg Ångström", 1, LEA),
    PersonRow(WILL, "Will Young", 1, LEA),
    PersonRow(BJORN, "Björn Olsen", 2, None),
    PersonRow(ELSE, "Anna Lind", 2, BJORN),
]
DIRECTORY = Directory(PEOPLE)


def found(text: str, subject: int = ANNA) -> list[tuple[str, str]]:
    return [
        (m.kind, text[m.start : m.end])
        for m in screen(text, directory=DIRECTORY, subject_id=subject)
    ]


def test_it_finds_a_full_name_without_accents_or_case():
    assert found("I told jorg angstrom about it") == [(TEAM_NAME, "jorg angstrom")]
    assert found("As LEA MULLER said in the review") == [(MANAGER_NAME, "LEA MULLER")]


def test_it_finds_a_full_name_written_with_accents_the_directory_lacks():
    assert found("Unlike Björn Olsen, she listens.") == [(DIRECTORY_NAME, "Björn Olsen")]
    directory = Directory([PersonRow(7, "Zoe Weiss", None, None), PersonRow(8, "Sam Roe", None, 7)])
    text = "Zoë Weiß? Zoé Weiss. Zoe Weissmann."
    kinds = [
        (m.kind, text[m.start : m.end]) for m in screen(text, directory=directory, subject_id=8)
    ]
    # ß folds to ss as Weiss; Weissmann is another word.
    assert kinds == [(MANAGER_NAME, "Zoë Weiß"), (MANAGER_NAME, "Zoé Weiss"), (MANAGER_NAME, "Zoe")]


def test_it_finds_a_first_name_alone_only_for_the_subjects_team_and_managers():
    assert found("Jörg and I fixed the build together") == [(TEAM_NAME, "Jörg")]
    assert found("She asked Léa for help") == [(MANAGER_NAME, "Léa")]
    # Björn is in another team: his first name alone is not flagged, his full name is.
    assert found("Björn would agree") == []


def test_it_finds_a_family_name_alone_for_the_team():
    assert found("Ångström and Anna pair a lot") == [(TEAM_NAME, "Ångström")]


def test_the_subjects_own_name_is_never_flagged():
    assert found("Anna Berg is a great colleague; Anna listens.") == []
    # Anna Lind shares the subject's first name: her full name is flagged, "Anna" is not.
    assert found("Anna Lind said so") == [(DIRECTORY_NAME, "Anna Lind")]


def test_common_words_are_not_names_unless_capitalised():
    assert found("I will make sure young people feel welcome, with grace.") == []
    assert found("Will told me so") == [(TEAM_NAME, "Will")]
    assert found("will young join?") == [(TEAM_NAME, "will young")]


def test_parts_of_words_are_not_names():
    assert found("Jörgensen and the Léa-ish approach") == [(MANAGER_NAME, "Léa")]
    assert found("Anglerfish, Bergamo, Mullers") == []


def test_it_finds_email_addresses():
    assert found("Write to j.angstrom+360@example.co.uk if unsure") == [
        (EMAIL, "j.angstrom+360@example.co.uk")
    ]


def test_it_finds_phone_numbers_in_several_formats():
    for phone in (
        "+44 20 7946 0958",
        "(555) 123-4567",
        "020 7946 0958",
        "06.12.34.56.78",
        "+49-30-1234567",
        "555/123 4567",
    ):
        assert found(f"Call me on {phone}, any time.") == [(PHONE, phone)], phone


def test_numbers_that_are_not_phones_are_left_alone():
    for text in (
        "She ran the 2025-2026 budget round",
        "Since 12.03.2026 things improved",
        "We shipped 3 releases in 12 weeks, 1 500 users",
        "Score 4/5",
    ):
        assert found(text) == [], text


def test_a_name_inside_an_email_is_reported_once_as_the_email():
    assert found("jorg.angstrom@example.com") == [(EMAIL, "jorg.angstrom@example.com")]


def test_passages_come_in_reading_order_with_their_offsets():
    text = "Léa Müller and Jörg, call 020 7946 0958"
    matches = screen(text, directory=DIRECTORY, subject_id=ANNA)
    assert [(m.kind, m.start, m.end) for m in matches] == [
        (MANAGER_NAME, 0, 10),
        (TEAM_NAME, 15, 19),
        (PHONE, 26, 39),
    ]


def test_a_reporting_loop_does_not_hang_the_manager_chain():
    directory = Directory([PersonRow(1, "Ada Gray", None, 2), PersonRow(2, "Bo Kent", None, 1)])
    matches = screen("Ask Kent", directory=directory, subject_id=1)
    assert [(m.kind, m.start, m.end) for m in matches] == [(MANAGER_NAME, 4, 8)]
