"""Writes about people, teams and logins. Every rule about them lives here."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from accounts import signals, tasks
from accounts.models import HR_GROUP_NAME, Person, Team
from core.audit import audit_record
from core.errors import DomainError, not_found
from core.languages import shipped_codes, shipped_language
from core.validation import text_clean, text_problem

IMPORT_COLUMNS = ("email", "name", "title", "team", "manager_email")
# Optional: a file without the column leaves everyone's language as it is (issue 18).
OPTIONAL_COLUMNS = ("language",)
REQUIRED_VALUES = ("email", "name")
# The columns' lengths, from the models: a longer value is refused, never a database error.
MAX_LENGTHS = {
    "email": Person._meta.get_field("email").max_length,
    "name": Person._meta.get_field("name").max_length,
    "title": Person._meta.get_field("title").max_length,
    "team": Team._meta.get_field("name").max_length,
    "manager_email": Person._meta.get_field("email").max_length,
}
# Apps whose models HR manages through the admin.
HR_APPS = ("accounts", "feedback", "reports", "exports", "scim")


def hr_group_ensure() -> Group:
    """The HR group exists and holds every permission on the platform's own models."""
    group, _ = Group.objects.get_or_create(name=HR_GROUP_NAME)
    perms = Permission.objects.filter(
        Q(content_type__app_label__in=HR_APPS)
        # The audit log: HR reads it; nobody edits it.
        | Q(content_type__app_label="core", codename__startswith="view_")
    )
    group.permissions.set(perms)
    return group


# --- people -----------------------------------------------------------------


def email_clean(value: str, *, field_name: str = "email") -> str:
    """A valid email, trimmed and lower-cased, or the domain error naming the field."""
    email = (value or "").strip().lower() if isinstance(value, str) else ""
    try:
        if text_problem(email):
            raise ValidationError("control characters")
        validate_email(email)
    except ValidationError:
        raise DomainError(
            gettext("%(value)r is not a valid email address.") % {"value": value},
            errors={field_name: [gettext("Enter a valid email.")]},
        ) from None
    return email


def _team_for(name: str) -> Team | None:
    name = text_clean(name, field="team", max_length=MAX_LENGTHS["team"])
    if not name:
        return None
    team = Team.objects.filter(name__iexact=name).first()
    return team or Team.objects.create(name=name)


def _check_no_loop(*, person: Person, manager: Person | None) -> None:
    """Walk up from the new manager; meeting the person again would close a loop."""
    seen = set()
    current = manager
    while current is not None:
        if current.pk == person.pk:
            raise DomainError(
                gettext("That manager would create a reporting loop."),
                errors={
                    "manager": [
                        gettext("%(manager)s reports, directly or not, to %(person)s.")
                        % {"manager": manager.name, "person": person.name}
                    ]
                },
            )
        if current.pk in seen:  # an existing loop in the data: stop rather than spin
            break
        seen.add(current.pk)
        current = current.manager


def person_create(
    *,
    email: str,
    name: str,
    title: str = "",
    team_name: str = "",
    manager: Person | None = None,
    language: str = "",
) -> Person:
    email = email_clean(email)
    if Person.objects.filter(email__iexact=email).exists():
        raise DomainError(
            gettext("Someone with that email already exists."),
            errors={"email": [gettext("This email is already in use.")]},
            code="conflict",
        )
    if not (name or "").strip():
        raise DomainError(
            gettext("A name is required."), errors={"name": [gettext("This field is required.")]}
        )
    name = text_clean(name, field="name", max_length=MAX_LENGTHS["name"], required=True)
    title = text_clean(title, field="title", max_length=MAX_LENGTHS["title"])
    with transaction.atomic():
        return Person.objects.create(
            email=email,
            name=name,
            title=title,
            team=_team_for(team_name),
            manager=manager,
            language=shipped_language(language),
        )


_UNSET = object()


def person_update(
    *,
    person: Person,
    email: str | None = None,
    name: str | None = None,
    title: str | None = None,
    team_name: str | None = None,
    manager: Person | None | object = _UNSET,
    language: str | None = None,
) -> Person:
    with transaction.atomic():
        if email is not None:
            email = email_clean(email)
            if Person.objects.filter(email__iexact=email).exclude(pk=person.pk).exists():
                raise DomainError(
                    gettext("Someone with that email already exists."),
                    errors={"email": [gettext("This email is already in use.")]},
                    code="conflict",
                )
            person.email = email
        if name is not None:
            if not name.strip():
                raise DomainError(
                    gettext("A name is required."),
                    errors={"name": [gettext("This field is required.")]},
                )
            person.name = text_clean(
                name, field="name", max_length=MAX_LENGTHS["name"], required=True
            )
        if title is not None:
            person.title = text_clean(title, field="title", max_length=MAX_LENGTHS["title"])
        if team_name is not None:
            person.team = _team_for(team_name)
        if manager is not _UNSET:
            if manager is not None:
                _check_no_loop(person=person, manager=manager)
            person.manager = manager
        if language is not None:
            person.language = shipped_language(language)
        person.save()
    return person


# --- import -----------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0


@dataclass
class _Row:
    line: int
    email: str
    name: str
    title: str
    team: str
    manager_email: str
    # None when the file has no language column: the person's language stays as it is.
    language: str | None = None
    errors: list[str] = field(default_factory=list)


def _on_line(line: int, problem: str) -> str:
    """One import problem, with the file line a spreadsheet shows (numbers, not words,
    so a reader in any language finds the row)."""
    return gettext("line %(line)d: %(problem)s") % {"line": line, "problem": problem}


def _decode(data: bytes) -> str:
    try:
        # utf-8-sig drops the byte-order mark spreadsheet programs put first.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DomainError(
            gettext("The file is not UTF-8 text."),
            errors={
                "file": [
                    gettext("byte %(position)d: not UTF-8; save the file as CSV UTF-8.")
                    % {"position": exc.start}
                ]
            },
        ) from None


def _csv_refusal(exc: csv.Error, *, line: int) -> DomainError:
    if "field larger than field limit" in str(exc):
        problem = gettext("a value is longer than %(limit)d characters.") % {
            "limit": csv.field_size_limit()
        }
    else:
        # Strict mode: a quote never closed, or stray text after a closing quote, is an
        # error rather than a person named "Unterminated,,,".
        problem = gettext("%(error)s: a quoted value is never closed, or a quote is misplaced.") % {
            "error": exc
        }
    return DomainError(
        gettext("The file is not valid CSV: nothing was imported."),
        errors={"file": [_on_line(line, problem)]},
    )


def _parse(text: str) -> list[_Row]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise DomainError(
            gettext("The file is empty."),
            errors={"file": [_on_line(1, gettext("no header row."))]},
        ) from None
    except csv.Error as exc:
        raise _csv_refusal(exc, line=1) from None
    header = [h.strip().lower() for h in header]
    missing = [c for c in IMPORT_COLUMNS if c not in header]
    if missing:
        raise DomainError(
            gettext("The file is missing columns."),
            errors={
                "file": [
                    _on_line(
                        1,
                        ngettext(
                            "missing column %(columns)s (expected header: %(header)s).",
                            "missing columns %(columns)s (expected header: %(header)s).",
                            len(missing),
                        )
                        % {"columns": ", ".join(missing), "header": ",".join(IMPORT_COLUMNS)},
                    )
                ]
            },
        )
    index = {
        name: header.index(name) for name in (*IMPORT_COLUMNS, *OPTIONAL_COLUMNS) if name in header
    }
    rows: list[_Row] = []
    line = 1
    while True:
        start = line + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise _csv_refusal(exc, line=start) from None
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue  # blank lines are not people
        cells = {name: (values[i].strip() if i < len(values) else "") for name, i in index.items()}
        row = _Row(line=start, **cells)
        row.email = row.email.lower()
        row.manager_email = row.manager_email.lower()
        if row.language is not None:
            row.language = row.language.lower()
        rows.append(row)
    return rows


def _validate(rows: list[_Row], existing: dict[str, dict]) -> None:
    first_line: dict[str, int] = {}
    for row in rows:
        for column in REQUIRED_VALUES:
            if not getattr(row, column):
                row.errors.append(gettext("%(column)s is empty.") % {"column": column})
        for column, limit in MAX_LENGTHS.items():
            value = getattr(row, column)
            if len(value) > limit:
                row.errors.append(
                    gettext("%(column)s is longer than %(limit)d characters.")
                    % {"column": column, "limit": limit}
                )
            elif problem := text_problem(value):
                row.errors.append(f"{column}: {problem}")
        if row.email:
            try:
                validate_email(row.email)
            except ValidationError:
                row.errors.append(gettext("bad email %(email)r.") % {"email": row.email})
            if row.email in first_line:
                row.errors.append(
                    gettext("duplicate email %(email)r (also on line %(line)d).")
                    % {"email": row.email, "line": first_line[row.email]}
                )
            else:
                first_line[row.email] = row.line
        if row.language and not shipped_language(row.language):
            row.errors.append(
                gettext("language %(language)r is not one of %(codes)s (or leave it empty).")
                % {"language": row.language, "codes": ", ".join(shipped_codes())}
            )
        if row.manager_email and row.manager_email == row.email:
            row.errors.append(
                gettext("%(email)r cannot be their own manager.") % {"email": row.email}
            )
    # A manager may appear further down the file, so this check waits for every email.
    for row in rows:
        m = row.manager_email
        if m and m != row.email and m not in first_line and m not in existing:
            row.errors.append(
                gettext("unknown manager %(email)r: not in the file nor among existing people.")
                % {"email": m}
            )


def _find_loops(rows: list[_Row], existing: dict[str, dict]) -> None:
    """Mark every row whose new reporting chain would loop back on itself."""
    manager_of = {email: data["manager_email"] for email, data in existing.items()}
    line_of: dict[str, _Row] = {}
    for row in rows:
        if row.email and row.email not in line_of:
            # Someone named as their own manager is already reported; don't call it a loop too.
            manager_of[row.email] = row.manager_email if row.manager_email != row.email else None
            line_of[row.email] = row
    done: set[str] = set()
    for start in line_of:
        path: list[str] = []
        on_path: dict[str, int] = {}
        current = start
        while current and current not in done and current not in on_path:
            on_path[current] = len(path)
            path.append(current)
            current = manager_of.get(current)
        if current and current in on_path:
            cycle = path[on_path[current] :]
            chain = " -> ".join([*cycle, cycle[0]])
            reported = min((line_of[e] for e in cycle if e in line_of), key=lambda r: r.line)
            reported.errors.append(gettext("reporting loop: %(chain)s.") % {"chain": chain})
        done.update(path)


def people_import(*, file: BinaryIO, actor=None) -> ImportResult:
    """Upsert people from a CSV file: all rows or none, every error with its line number."""
    # Read one byte past the limit rather than trusting a declared size.
    data = file.read(settings.PEOPLE_IMPORT_MAX_BYTES + 1)
    if len(data) > settings.PEOPLE_IMPORT_MAX_BYTES:
        raise DomainError(
            gettext("The file is too large."),
            errors={
                "file": [
                    gettext("files up to %(limit)d KB are accepted.")
                    % {"limit": settings.PEOPLE_IMPORT_MAX_BYTES // 1024}
                ]
            },
        )
    rows = _parse(_decode(data))
    existing = {
        p["email"]: p
        for p in Person.objects.values(
            "id", "email", "name", "title", "team_id", "manager_id", "manager__email", "language"
        )
    }
    for p in existing.values():
        p["manager_email"] = (p.pop("manager__email") or "").lower() or None
    _validate(rows, existing)
    _find_loops(rows, existing)
    errors = [_on_line(row.line, msg) for row in rows for msg in row.errors]
    if errors:
        raise DomainError(
            ngettext(
                "Nothing was imported: %(count)d error in the file.",
                "Nothing was imported: %(count)d errors in the file.",
                len(errors),
            )
            % {"count": len(errors)},
            errors={"file": errors},
        )
    with transaction.atomic():
        result = _write(rows, existing)
        audit_record(
            actor=actor,
            action="people.import",
            detail={"rows": result.rows, "created": result.created, "updated": result.updated},
        )
    return result


def _teams_by_name(names: Iterable[str]) -> dict[str, int]:
    wanted = {n.strip() for n in names if n.strip()}
    teams = {t.name.lower(): t.id for t in Team.objects.all()}
    missing = {}
    for name in wanted:
        if name.lower() not in teams and name.lower() not in missing:
            missing[name.lower()] = name
    if missing:
        Team.objects.bulk_create([Team(name=n) for n in missing.values()])
        teams = {t.name.lower(): t.id for t in Team.objects.all()}
    return teams


@transaction.atomic
def _write(rows: list[_Row], existing: dict[str, dict]) -> ImportResult:
    result = ImportResult(rows=len(rows))
    team_ids = _teams_by_name(r.team for r in rows)
    id_of = {email: data["id"] for email, data in existing.items()}
    # New people go in by thousands, in file order. Someone whose manager already has an
    # id (an existing person, or one inserted in an earlier thousand) gets the manager in
    # the INSERT; only the others (managers further down the file) need the UPDATE below.
    new_rows = [r for r in rows if r.email not in existing]
    inserted_with_manager: set[str] = set()
    for start in range(0, len(new_rows), 1000):
        batch = [
            Person(
                email=r.email,
                name=r.name,
                title=r.title,
                team_id=team_ids.get(r.team.lower()) if r.team else None,
                manager_id=id_of.get(r.manager_email) if r.manager_email else None,
                language=shipped_language(r.language),
            )
            for r in new_rows[start : start + 1000]
        ]
        # PostgreSQL and SQLite (3.35+) both return the new ids from a bulk insert.
        Person.objects.bulk_create(batch, batch_size=1000)
        id_of.update((p.email, p.pk) for p in batch)
        inserted_with_manager.update(p.email for p in batch if p.manager_id is not None)

    # (id, *new values) tuples: no model instance per row.
    changed: list[tuple] = []
    manager_set: list[tuple] = []
    for r in rows:
        team_id = team_ids.get(r.team.lower()) if r.team else None
        manager_id = id_of[r.manager_email] if r.manager_email else None
        before = existing.get(r.email)
        if before is None:
            result.created += 1
            if manager_id is not None and r.email not in inserted_with_manager:
                manager_set.append((id_of[r.email], manager_id))
            continue
        # Without a language column the person keeps theirs.
        language = before["language"] if r.language is None else shipped_language(r.language)
        if (
            before["name"],
            before["title"],
            before["team_id"],
            before["manager_id"],
            before["language"],
        ) == (r.name, r.title, team_id, manager_id, language):
            result.unchanged += 1
            continue
        result.updated += 1
        changed.append((before["id"], r.name, r.title, team_id, manager_id, language))
    _people_update(["manager_id"], manager_set)
    _people_update(["name", "title", "team_id", "manager_id", "language"], changed)
    return result


_UPDATE_TYPES = {
    "name": "text",
    "title": "text",
    "team_id": "bigint",
    "manager_id": "bigint",
    "language": "text",
}


def _people_update(columns: list[str], rows: list[tuple]) -> None:
    """Set ``columns`` of people by id in one statement (issue 19): each row is the
    person's id then the new values, in the order of ``columns``.

    ``bulk_update`` builds a ``CASE WHEN id = ... THEN ...`` per row and column: for
    10,000 new people's managers it cost more than inserting them. Here the values travel
    as a table joined on the primary key: on PostgreSQL as arrays through ``unnest``, on
    SQLite as one JSON array through ``json_each``. Like ``bulk_update``, it writes only
    these columns (``updated_at`` is not touched). Other databases keep ``bulk_update``.
    """
    if not rows:
        return
    table = connection.ops.quote_name(Person._meta.db_table)
    names = ["id", *columns]
    # The only words put in are the model's table and column names; values are parameters.
    sets = ", ".join(f"{c} = v.{c}" for c in columns)
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{_UPDATE_TYPES.get(c, 'bigint')}[]" for c in names)
        sql = (
            f"UPDATE {table} AS p SET {sets} FROM unnest({arrays}) AS v({', '.join(names)})"  # noqa: S608
            " WHERE p.id = v.id"
        )
        params = [list(values) for values in zip(*rows, strict=True)]
    elif connection.vendor == "sqlite":
        picks = ", ".join(f"json_extract(j.value, '$[{i}]') AS {c}" for i, c in enumerate(names))
        sql = (
            f"UPDATE {table} SET {sets}"  # noqa: S608
            f" FROM (SELECT {picks} FROM json_each(%s) AS j) AS v WHERE {table}.id = v.id"
        )
        params = [json.dumps(rows)]
    else:
        people = [Person(**dict(zip(names, row, strict=True))) for row in rows]
        Person.objects.bulk_update(people, columns, batch_size=1000)
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- logins -----------------------------------------------------------------


def logins_invite(*, emails: list[str], hr: bool = False, actor=None) -> list[Person]:
    """Give each person a login (username = email) and email them a link to set a password.

    All or nothing: an unknown email refuses the whole request.
    """
    wanted = [e.strip().lower() for e in emails if e.strip()]
    if not wanted:
        raise DomainError(
            gettext("Name at least one person."),
            errors={"emails": [gettext("This field is required.")]},
        )
    people = {p.email: p for p in Person.objects.filter(email__in=wanted).select_related("user")}
    unknown = [e for e in wanted if e not in people]
    if unknown:
        raise DomainError(
            gettext("Some emails do not belong to anyone in the directory."),
            errors={
                "emails": [gettext("unknown person %(email)r.") % {"email": e} for e in unknown]
            },
        )
    User = get_user_model()
    hr_group = hr_group_ensure() if hr else None
    invited = []
    with transaction.atomic():
        for email in dict.fromkeys(wanted):
            person = people[email]
            user = person.user
            if user is None:
                user = User.objects.filter(username__iexact=email).first()
            if user is None:
                user = User(username=email, email=email)
                user.set_unusable_password()
                user.save()
            if hr_group is not None:
                user.groups.add(hr_group)
                if not user.is_staff:
                    user.is_staff = True  # the admin is HR's tool
                    user.save(update_fields=["is_staff"])
            if person.user_id != user.id:
                person.user = user
                person.save(update_fields=["user", "updated_at"])
            user_id = user.id
            transaction.on_commit(lambda uid=user_id: tasks.send_login_invitation.delay(uid))
            audit_record(actor=actor, action="login.invite", target=person, detail={"hr": hr})
            invited.append(person)
    return invited


# --- deactivation (SCIM provisioning, issue 17) ------------------------------


def _person_locked(person: Person) -> Person:
    return Person.objects.select_for_update(of=("self",)).select_related("user").get(pk=person.pk)


def person_deactivate(*, person: Person, actor=None, via: str = "") -> Person:
    """Someone left: no login from now on, never proposed nor found as a rater, and their
    pending invitations withdrawn (feedback's receiver of ``person_deactivated``).

    Past feedback stays: submitted answers, results and reports are untouched. Existing
    sessions end too: Django's backends refuse an inactive user when a session is read,
    and API tokens are deleted. Idempotent: deactivating twice changes nothing more.
    """
    if person.erased_at is not None:
        raise not_found()
    with transaction.atomic():
        locked = _person_locked(person)
        if locked.deactivated_at is not None:
            return locked
        locked.deactivated_at = timezone.now()
        locked.save(update_fields=["deactivated_at", "updated_at"])
        if locked.user is not None:
            if locked.user.is_active:
                locked.user.is_active = False
                locked.user.save(update_fields=["is_active"])
            Token.objects.filter(user=locked.user).delete()
        audit_record(actor=actor, action="person.deactivate", target=locked, detail={"via": via})
        signals.person_deactivated.send(sender=Person, person=locked)
    return locked


def person_reactivate(*, person: Person, actor=None, via: str = "") -> Person:
    """Back again: the login works again (password unchanged) and the person is proposed
    and found as a rater again. Withdrawn invitations stay withdrawn."""
    if person.erased_at is not None:
        raise not_found()
    with transaction.atomic():
        locked = _person_locked(person)
        if locked.deactivated_at is None:
            return locked
        locked.deactivated_at = None
        locked.save(update_fields=["deactivated_at", "updated_at"])
        if locked.user is not None and not locked.user.is_active:
            locked.user.is_active = True
            locked.user.save(update_fields=["is_active"])
        audit_record(actor=actor, action="person.reactivate", target=locked, detail={"via": via})
    return locked


# --- teams ------------------------------------------------------------------


def _team_name_clean(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise DomainError(
            gettext("A team name is required."),
            errors={"name": [gettext("This field is required.")]},
        )
    return text_clean(name, field="name", max_length=MAX_LENGTHS["team"], required=True)


def _team_name_free(name: str, *, exclude_pk: int | None = None) -> None:
    if Team.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        raise DomainError(
            gettext("A team with that name already exists."),
            errors={"name": [gettext("This name is already in use.")]},
            code="conflict",
        )


def team_create(*, name: str) -> Team:
    name = _team_name_clean(name)
    with transaction.atomic():
        _team_name_free(name)
        return Team.objects.create(name=name)


def team_rename(*, team: Team, name: str) -> Team:
    name = _team_name_clean(name)
    with transaction.atomic():
        _team_name_free(name, exclude_pk=team.pk)
        team.name = name
        team.save(update_fields=["name"])
    return team


def team_members_set(*, team: Team, people: Iterable[Person]) -> None:
    """Exactly these people in the team. A person is in one team at most, so joining
    this team moves them out of their previous one."""
    ids = {p.pk for p in people}
    with transaction.atomic():
        # Erased shells keep their team: it places their share of released team figures.
        Person.objects.filter(team=team, erased_at__isnull=True).exclude(pk__in=ids).update(
            team=None, updated_at=timezone.now()
        )
        Person.objects.filter(pk__in=ids, erased_at__isnull=True).exclude(team=team).update(
            team=team, updated_at=timezone.now()
        )


def team_delete(*, team: Team) -> None:
    """The team goes; its members stay, without a team. Refused while an erased person's
    shell is in it: the shell's team places its share of released team figures."""
    with transaction.atomic():
        if Person.objects.filter(team=team, erased_at__isnull=False).exists():
            raise DomainError(
                gettext(
                    "This team holds erased people’s records, kept for released team figures: "
                    "it cannot be deleted."
                ),
                code="conflict",
            )
        Person.objects.filter(team=team).update(team=None, updated_at=timezone.now())
        try:
            team.delete()
        except ProtectedError:
            raise DomainError(
                gettext("This team is still referred to elsewhere and cannot be deleted."),
                code="conflict",
            ) from None


# --- language (issue 18) ------------------------------------------------------


def person_language_set(*, person: Person, language: str) -> Person:
    """Set the language of a person's pages, emails and surveys; "" clears it."""
    if language and language not in shipped_codes():
        raise DomainError(
            _("Choose one of the languages offered."),
            errors={"language": [_("Choose one of the languages offered.")]},
        )
    if person.language != language:
        person.language = language
        person.save(update_fields=["language", "updated_at"])
    return person
