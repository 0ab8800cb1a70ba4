"""The people import: upsert by email, all or nothing, every error by line number."""

import io

import pytest

from accounts.models import Person, Team
from accounts.services import people_import
from core.errors import DomainError

HEADER = "email,name,title,team,manager_email\n"


def run(text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    return people_import(file=io.BytesIO(data))


def errors_of(text: str) -> list[str]:
    with pytest.raises(DomainError) as caught:
        run(text)
    return caught.value.errors["file"]


@pytest.mark.django_db
def test_it_creates_people_with_managers_declared_later_in_the_file():
    result = run(
        HEADER + "dev@x.com,Dev,Engineer,Product,boss@x.com\nboss@x.com,Boss,CTO,Product,\n"
    )
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    dev = Person.objects.get(email="dev@x.com")
    assert dev.manager.email == "boss@x.com"
    assert dev.team.name == "Product"
    assert Person.objects.get(email="boss@x.com").manager is None


@pytest.mark.django_db
def test_it_updates_changed_rows_and_counts_unchanged_ones():
    run(HEADER + "a@x.com,Ann,Engineer,Product,\nb@x.com,Bob,Engineer,Product,a@x.com\n")
    result = run(
        HEADER
        + "a@x.com,Ann,Engineer,Product,\n"  # same
        + "b@x.com,Bob,Senior Engineer,Operations,a@x.com\n"  # new title and team
        + "c@x.com,Cat,Analyst,Operations,b@x.com\n"  # new
    )
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    bob = Person.objects.get(email="b@x.com")
    assert (bob.title, bob.team.name) == ("Senior Engineer", "Operations")


@pytest.mark.django_db
def test_an_update_can_clear_team_and_manager_and_keeps_text_as_written():
    # The set-based UPDATE (issue 19) carries NULLs, digits-only text and non-ASCII
    # names through unchanged, and touches only the rows that changed.
    run(
        HEADER
        + "a@x.com,Ann,Engineer,Product,\n"
        + "b@x.com,Bob,Engineer,Product,a@x.com\n"
        + "c@x.com,Cat,Analyst,Product,a@x.com\n"
    )
    result = run(HEADER + "b@x.com,Zoë Ğ \u200fשרה,007,,\nc@x.com,Cat,Analyst,Product,b@x.com\n")
    assert (result.created, result.updated, result.unchanged) == (0, 2, 0)
    bob = Person.objects.get(email="b@x.com")
    assert (bob.name, bob.title, bob.team, bob.manager) == ("Zoë Ğ \u200fשרה", "007", None, None)
    assert Person.objects.get(email="c@x.com").manager == bob
    ann = Person.objects.get(email="a@x.com")
    assert (ann.name, ann.title, ann.team.name, ann.manager) == ("Ann", "Engineer", "Product", None)


@pytest.mark.django_db
def test_managers_are_right_across_insert_batches_in_either_file_order():
    # New people go in by thousands (issue 19): a manager inserted in an earlier thousand
    # is set in the INSERT, one in the same or a later thousand by the UPDATE after it.
    top_down = [f"p{i}@x.com,P {i},,,{f'p{i - 1}@x.com' if i else ''}" for i in range(2100)]
    bottom_up = [f"q{i}@x.com,Q {i},,,{f'q{i + 1}@x.com' if i < 2099 else ''}" for i in range(2100)]
    result = run(HEADER + "\n".join(top_down + bottom_up) + "\n")
    assert result.created == 4200
    managers = dict(Person.objects.values_list("email", "manager__email"))
    assert managers == {
        **{f"p{i}@x.com": f"p{i - 1}@x.com" if i else None for i in range(2100)},
        **{f"q{i}@x.com": f"q{i + 1}@x.com" if i < 2099 else None for i in range(2100)},
    }


@pytest.mark.django_db
def test_it_leaves_people_missing_from_the_file_alone():
    run(HEADER + "a@x.com,Ann,Engineer,Product,\n")
    run(HEADER + "b@x.com,Bob,Engineer,Product,\n")
    assert set(Person.objects.values_list("email", flat=True)) == {"a@x.com", "b@x.com"}


@pytest.mark.django_db
def test_it_accepts_bom_windows_line_endings_stray_spaces_and_mixed_case():
    text = (
        "\ufeff Email , NAME ,title,Team , manager_email\r\n"
        "  Ann@X.com , Ann Smith ,  Engineer , Product ,  \r\n"
        "BOB@x.COM,Bob,Engineer,product, ANN@x.com \r\n"
    )
    result = run(text.encode("utf-8"))
    assert result.created == 2
    bob = Person.objects.get(email="bob@x.com")
    assert bob.manager.email == "ann@x.com"
    assert Person.objects.get(email="ann@x.com").name == "Ann Smith"
    # "product" and "Product" are one team.
    assert Team.objects.count() == 1


@pytest.mark.django_db
def test_it_matches_existing_people_case_insensitively():
    run(HEADER + "ann@x.com,Ann,Engineer,Product,\n")
    result = run(HEADER + "ANN@X.COM,Ann,Engineer,Product,\n")
    assert (result.created, result.unchanged) == (0, 1)
    assert Person.objects.count() == 1


@pytest.mark.django_db
def test_it_lists_every_bad_row_by_line_number_and_writes_nothing():
    run(HEADER + "keep@x.com,Keep,Engineer,Product,\n")
    errors = errors_of(
        HEADER
        + "ok@x.com,Fine,Engineer,Product,\n"  # line 2
        + "not-an-email,Bad,Engineer,Product,\n"  # line 3
        + "ok@x.com,Again,Engineer,Product,\n"  # line 4: duplicate
        + "c@x.com,Cat,Engineer,Product,ghost@x.com\n"  # line 5: unknown manager
        + "d@x.com,,Engineer,Product,\n"  # line 6: no name
    )
    assert errors == [
        "line 3: bad email 'not-an-email'.",
        "line 4: duplicate email 'ok@x.com' (also on line 2).",
        "line 5: unknown manager 'ghost@x.com': not in the file nor among existing people.",
        "line 6: name is empty.",
    ]
    assert list(Person.objects.values_list("email", flat=True)) == ["keep@x.com"]


@pytest.mark.django_db
def test_it_refuses_a_reporting_loop_inside_the_file():
    errors = errors_of(
        HEADER
        + "a@x.com,A,,,c@x.com\n"  # line 2
        + "b@x.com,B,,,a@x.com\n"  # line 3
        + "c@x.com,C,,,b@x.com\n"  # line 4
    )
    assert errors == ["line 2: reporting loop: a@x.com -> c@x.com -> b@x.com -> a@x.com."]
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_it_refuses_a_loop_closed_through_people_already_in_the_directory():
    run(HEADER + "boss@x.com,Boss,,,\nmid@x.com,Mid,,,boss@x.com\n")
    # Making the boss report to mid closes boss -> mid -> boss.
    errors = errors_of(HEADER + "boss@x.com,Boss,,,mid@x.com\n")
    assert errors == ["line 2: reporting loop: boss@x.com -> mid@x.com -> boss@x.com."]
    assert Person.objects.get(email="boss@x.com").manager is None


@pytest.mark.django_db
def test_it_refuses_someone_as_their_own_manager():
    assert errors_of(HEADER + "a@x.com,A,,,A@x.com\n") == [
        "line 2: 'a@x.com' cannot be their own manager."
    ]


@pytest.mark.django_db
def test_it_names_missing_columns_on_line_one():
    errors = errors_of("email,name,team\na@x.com,A,Product\n")
    assert errors == [
        "line 1: missing columns title, manager_email "
        "(expected header: email,name,title,team,manager_email)."
    ]


@pytest.mark.django_db
def test_it_counts_physical_lines_past_blank_lines_and_quoted_newlines():
    errors = errors_of(
        HEADER
        + "a@x.com,A,Engineer,Product,\n"  # line 2
        + "\n"  # line 3, blank
        + 'b@x.com,"B, with a comma",Engineer,Product,\n'  # line 4
        + "bad,C,Engineer,Product,\n"  # line 5
    )
    assert errors == ["line 5: bad email 'bad'."]


@pytest.mark.django_db
def test_it_refuses_a_file_that_is_not_utf8():
    with pytest.raises(DomainError) as caught:
        run((HEADER + "a@x.com,Zoë,,,\n").encode("latin-1"))
    assert "not UTF-8" in caught.value.errors["file"][0]


@pytest.mark.django_db
def test_it_refuses_a_file_over_the_size_limit(settings):
    settings.PEOPLE_IMPORT_MAX_BYTES = 100
    with pytest.raises(DomainError) as caught:
        run(HEADER + "a@x.com,A,,,\n" * 10)
    assert caught.value.detail == "The file is too large."
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_it_refuses_an_empty_file():
    assert errors_of("") == ["line 1: no header row."]


@pytest.mark.django_db
def test_it_refuses_values_longer_than_the_columns_hold():
    errors = errors_of(HEADER + f"a@x.com,{'N' * 201},,,\n")
    assert errors == ["line 2: name is longer than 200 characters."]
