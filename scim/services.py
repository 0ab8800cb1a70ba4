"""SCIM requests turned into the directory's own services.

Every rule about people and teams (email and name checks, duplicates, reporting loops,
deactivation) lives in ``accounts.services``; this module only translates SCIM's
attributes and PATCH operations into calls to it, inside one transaction per request,
so a request is applied whole or not at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation.trans_real import parse_accept_lang_header

from accounts.models import Person, Team
from accounts.services import (
    person_create,
    person_deactivate,
    person_reactivate,
    person_update,
    team_create,
    team_delete,
    team_members_set,
    team_rename,
)
from core.languages import shipped_language
from scim.protocol import ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, ScimError, filter_parse

# Attributes of the SCIM core and enterprise schemas an identity provider may send that the
# directory does not keep: accepted and left alone, so a default attribute mapping works.
USER_IGNORED = {
    "externalid",
    "nickname",
    "profileurl",
    "usertype",
    "timezone",
    "password",
    "phonenumbers",
    "ims",
    "photos",
    "addresses",
    "entitlements",
    "roles",
    "x509certificates",
}
ENTERPRISE_IGNORED = {"employeenumber", "costcenter", "organization", "division", "department"}
GROUP_IGNORED = {"externalid"}
READ_ONLY = {"id", "meta", "groups"}
USER_FILTERS = {"username": "email", "emails": "email", "emails.value": "email", "id": "pk"}
GROUP_FILTERS = {"displayname": "name", "id": "pk"}


def scim_language(value: str) -> str:
    """A shipped language for a SCIM preferredLanguage (an Accept-Language value, RFC 7643
    4.1.1: "de-CH, en;q=0.8") or locale ("de-CH"): the first one we ship, in the
    identity provider's order; "" (not set: the browser's) when none is shipped."""
    for tag, _quality in parse_accept_lang_header(value.replace("_", "-")):
        if language := shipped_language(tag):
            return language
    return ""


def _unknown(attribute: str, *, path: bool = False) -> ScimError:
    # In a PATCH path it is an invalid path; in a resource body, a body off the schema.
    return ScimError(
        f"Unknown attribute {attribute!r}.", scim_type="invalidPath" if path else "invalidSyntax"
    )


# --- reading ----------------------------------------------------------------------


def _id(resource_id) -> int | None:
    text = str(resource_id)
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else None


def people_listed() -> QuerySet[Person]:
    # Erased people are anonymous shells: never a SCIM resource.
    return Person.objects.filter(erased_at__isnull=True).select_related("team", "manager")


def person_get(resource_id) -> Person:
    pk = _id(resource_id)
    person = people_listed().filter(pk=pk).first() if pk is not None else None
    if person is None:
        raise ScimError(f"User {resource_id} not found.", code="not_found")
    return person


def people_filtered(filter_text: str | None) -> QuerySet[Person]:
    people = people_listed().order_by("id")
    if not filter_text:
        return people
    field_name, value = filter_parse(filter_text, allowed=USER_FILTERS)
    if field_name == "pk":
        pk = _id(value)
        return people.filter(pk=pk) if pk is not None else people.none()
    return people.filter(email__iexact=value.strip())


def _members() -> Prefetch:
    return Prefetch(
        "members", queryset=Person.objects.filter(erased_at__isnull=True).order_by("id")
    )


def team_get(resource_id, *, with_members: bool = True) -> Team:
    pk = _id(resource_id)
    teams = Team.objects.all()
    if with_members:
        teams = teams.prefetch_related(_members())
    team = teams.filter(pk=pk).first() if pk is not None else None
    if team is None:
        raise ScimError(f"Group {resource_id} not found.", code="not_found")
    return team


def teams_filtered(filter_text: str | None, *, with_members: bool) -> QuerySet[Team]:
    teams = Team.objects.order_by("id")
    if with_members:
        teams = teams.prefetch_related(_members())
    if not filter_text:
        return teams
    field_name, value = filter_parse(filter_text, allowed=GROUP_FILTERS)
    if field_name == "pk":
        pk = _id(value)
        return teams.filter(pk=pk) if pk is not None else teams.none()
    return teams.filter(name__iexact=value.strip())


# --- values -------------------------------------------------------------------------


def _text(value, attribute: str) -> str:
    if not isinstance(value, str):
        raise ScimError(f"{attribute} must be a string.", scim_type="invalidValue")
    return value


def _boolean(value, attribute: str) -> bool:
    # Entra ID sends "True"/"False" as strings in PATCH operations.
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ScimError(f"{attribute} must be true or false.", scim_type="invalidValue")


def _reference_id(value, attribute: str) -> int | None:
    """The id in ``{"value": "12"}``, ``"12"`` or ``12``; None for an empty value."""
    if isinstance(value, dict):
        value = value.get("value")
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ScimError(f"{attribute} must name a resource id.", scim_type="invalidValue")
    pk = _id(value)
    if pk is None:
        raise ScimError(f"{attribute}: no resource with id {value!r}.", scim_type="invalidValue")
    return pk


def _person_reference(value, attribute: str) -> Person | None:
    pk = _reference_id(value, attribute)
    if pk is None:
        return None
    person = Person.objects.filter(pk=pk, erased_at__isnull=True).first()
    if person is None:
        raise ScimError(f"{attribute}: no user with id {pk}.", scim_type="invalidValue")
    return person


def _people_references(value, attribute: str) -> list[Person]:
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise ScimError(f"{attribute} must be a list of members.", scim_type="invalidValue")
    ids = [_reference_id(item, attribute) for item in value]
    ids = [pk for pk in ids if pk is not None]
    people = {p.pk: p for p in Person.objects.filter(pk__in=ids, erased_at__isnull=True)}
    missing = [pk for pk in ids if pk not in people]
    if missing:
        raise ScimError(
            f"{attribute}: no user with id {', '.join(map(str, missing))}.",
            scim_type="invalidValue",
        )
    return list(people.values())


# --- users ---------------------------------------------------------------------------


@dataclass
class UserChanges:
    """What a SCIM request asks of a person; unset (None) means "leave it"."""

    email: str | None = None
    formatted: str | None = None
    given: str | None = None
    family: str | None = None
    display: str | None = None
    title: str | None = None
    active: bool | None = None
    manager: Person | None = None
    manager_set: bool = False
    # preferredLanguage wins over locale; either maps to a shipped language or "" (issue 18).
    preferred_language: str | None = None
    locale: str | None = None
    seen: set[str] = field(default_factory=set)

    def language(self) -> str | None:
        value = self.preferred_language if self.preferred_language is not None else self.locale
        return None if value is None else scim_language(value)

    def name(self, current: str = "") -> str | None:
        if self.formatted is not None and self.formatted.strip():
            return self.formatted
        if self.given is not None or self.family is not None:
            first, _, rest = current.partition(" ")
            given = self.given if self.given is not None else first
            family = self.family if self.family is not None else rest
            return f"{given} {family}".strip()
        return self.display


def _user_attribute(
    changes: UserChanges, attribute: str, value, *, remove: bool = False, path: bool = False
):
    """Apply one attribute (a path without its core schema prefix) to ``changes``."""
    in_path = path
    path = attribute.strip()
    lowered = path.lower()
    enterprise = ENTERPRISE_SCHEMA.lower()
    if lowered.startswith(USER_SCHEMA.lower() + ":"):
        path = path[len(USER_SCHEMA) + 1 :]
        lowered = path.lower()
    if lowered == enterprise:
        if remove:
            changes.manager, changes.manager_set = None, True
            return
        if not isinstance(value, dict):
            raise ScimError(f"{ENTERPRISE_SCHEMA} must be an object.", scim_type="invalidValue")
        for key, sub_value in value.items():
            _user_attribute(changes, f"{ENTERPRISE_SCHEMA}:{key}", sub_value)
        return
    if lowered.startswith(enterprise + ":"):
        sub = lowered[len(enterprise) + 1 :]
        if sub in ("manager", "manager.value"):
            changes.manager = None if remove else _person_reference(value, "manager")
            changes.manager_set = True
            return
        if sub.split(".")[0] in ENTERPRISE_IGNORED:
            return
        raise _unknown(path, path=in_path)
    base = re.split(r"[.\[]", lowered, maxsplit=1)[0]
    changes.seen.add(base)
    if base in READ_ONLY:
        raise ScimError(f"{path} is read-only.", scim_type="mutability")
    if base in USER_IGNORED or lowered == "schemas":
        return
    if remove:
        if base == "title":
            changes.title = ""
            return
        if base in ("preferredlanguage", "locale"):
            changes.preferred_language = ""
            return
        if base == "manager":
            changes.manager, changes.manager_set = None, True
            return
        if base in ("username", "name", "displayname", "active", "emails"):
            raise ScimError(f"{path} is required and cannot be removed.", scim_type="invalidValue")
        raise _unknown(path, path=True)
    if base == "username":
        changes.email = _text(value, "userName")
    elif lowered == "name":
        if not isinstance(value, dict):
            raise ScimError("name must be an object.", scim_type="invalidValue")
        for key, sub_value in value.items():
            if key.lower() in ("formatted", "givenname", "familyname"):
                _user_attribute(changes, f"name.{key}", sub_value)
            # middleName, honorificPrefix...: not kept, as the ignored attributes.
    elif lowered == "name.formatted":
        changes.formatted = _text(value, "name.formatted")
    elif lowered == "name.givenname":
        changes.given = _text(value, "name.givenName")
    elif lowered == "name.familyname":
        changes.family = _text(value, "name.familyName")
    elif base == "name":
        return  # another part of the name (middleName...): not kept
    elif base == "displayname":
        changes.display = _text(value, "displayName")
    elif base == "title":
        changes.title = _text(value, "title")
    elif base == "preferredlanguage":
        changes.preferred_language = _text(value, "preferredLanguage")
    elif base == "locale":
        changes.locale = _text(value, "locale")
    elif base == "active":
        changes.active = _boolean(value, "active")
    elif base == "emails":
        # The work email is the userName; an email sent alone (without userName) is used.
        if lowered != "emails" and changes.email is None:
            changes.email = _text(value, path)
        elif isinstance(value, list) and changes.email is None:
            primary = [e for e in value if isinstance(e, dict) and e.get("primary")] or value
            if primary and isinstance(primary[0], dict) and "value" in primary[0]:
                changes.email = _text(primary[0]["value"], "emails.value")
    elif base == "manager":
        changes.manager = _person_reference(value, "manager")
        changes.manager_set = True
    else:
        raise _unknown(path, path=in_path)


def _user_body(data: dict) -> UserChanges:
    if not isinstance(data, dict):
        raise ScimError("The body must be a JSON object.", scim_type="invalidSyntax")
    changes = UserChanges()
    for key, value in data.items():
        if not isinstance(key, str):
            raise _unknown(str(key))
        if key.lower() in ("id", "meta", "groups"):
            continue  # read-only in a resource body: ignored (RFC 7644 3.3, 3.5.1)
        if key.startswith("urn:") and key.lower() not in (
            ENTERPRISE_SCHEMA.lower(),
            USER_SCHEMA.lower(),
        ):
            raise _unknown(key)
        if key.lower() == USER_SCHEMA.lower():
            if not isinstance(value, dict):
                raise ScimError(f"{key} must be an object.", scim_type="invalidValue")
            for sub_key, sub_value in value.items():
                _user_attribute(changes, sub_key, sub_value)
            continue
        _user_attribute(changes, key, value)
    return changes


def _apply_active(person: Person, active: bool | None, *, via: str) -> Person:
    if active is False:
        return person_deactivate(person=person, via=via)
    if active is True:
        return person_reactivate(person=person, via=via)
    return person


def user_create(*, data: dict, via: str) -> Person:
    changes = _user_body(data)
    if not changes.email:
        raise ScimError("userName is required.", scim_type="invalidValue")
    name = changes.name()
    if not name or not name.strip():
        raise ScimError(
            "A name (name.formatted, givenName/familyName or displayName) is required.",
            scim_type="invalidValue",
        )
    with transaction.atomic():
        person = person_create(
            email=changes.email,
            name=name,
            title=changes.title or "",
            manager=changes.manager,
            language=changes.language() or "",
        )
        _apply_active(person, changes.active, via=via)
    return person_get(person.pk)


def _user_apply(person: Person, changes: UserChanges, *, via: str) -> Person:
    kwargs = {}
    if changes.manager_set:
        kwargs["manager"] = changes.manager
    with transaction.atomic():
        person_update(
            person=person,
            email=changes.email,
            name=changes.name(person.name),
            title=changes.title,
            language=changes.language(),
            **kwargs,
        )
        _apply_active(person, changes.active, via=via)
    return person_get(person.pk)


def user_replace(*, person: Person, data: dict, via: str) -> Person:
    """PUT: the attributes the body carries replace ours; those it leaves out keep their
    value (an identity provider that does not send the manager must not erase the org
    chart HR imported). userName and a name stay required, as on create."""
    changes = _user_body(data)
    if not changes.email:
        raise ScimError("userName is required.", scim_type="invalidValue")
    if not (changes.name(person.name) or "").strip():
        raise ScimError("A name is required.", scim_type="invalidValue")
    return _user_apply(person, changes, via=via)


def _operations(data) -> list[tuple[str, str | None, object]]:
    if not isinstance(data, dict):
        raise ScimError("The body must be a JSON object.", scim_type="invalidSyntax")
    operations = next((v for k, v in data.items() if k.lower() == "operations"), None)
    if not isinstance(operations, list) or not operations:
        raise ScimError("A PATCH needs a list of Operations.", scim_type="invalidSyntax")
    parsed = []
    for operation in operations:
        if not isinstance(operation, dict):
            raise ScimError("Each operation must be an object.", scim_type="invalidSyntax")
        lowered = {str(k).lower(): v for k, v in operation.items()}
        op = lowered.get("op")
        if not isinstance(op, str) or op.lower() not in ("add", "replace", "remove"):
            raise ScimError(
                f"Unknown operation {op!r}: use add, replace or remove.",
                scim_type="invalidSyntax",
            )
        path = lowered.get("path")
        if path is not None and (not isinstance(path, str) or not path.strip()):
            raise ScimError("path must be a non-empty string.", scim_type="invalidPath")
        if op.lower() == "remove" and path is None:
            raise ScimError("A remove operation needs a path.", scim_type="noTarget")
        if op.lower() != "remove" and "value" not in lowered:
            raise ScimError(f"The {op} operation needs a value.", scim_type="invalidSyntax")
        parsed.append((op.lower(), path, lowered.get("value")))
    return parsed


def user_patch(*, person: Person, data, via: str) -> Person:
    changes = UserChanges()
    for op, path, value in _operations(data):
        if path is None:
            if not isinstance(value, dict):
                raise ScimError(
                    "Without a path, the value must be an object of attributes.",
                    scim_type="invalidValue",
                )
            for key, sub_value in value.items():
                if str(key).lower() in ("id", "meta") and str(sub_value) == str(person.pk):
                    continue
                _user_attribute(changes, str(key), sub_value)
        else:
            _user_attribute(changes, path, value, remove=op == "remove", path=True)
    return _user_apply(person, changes, via=via)


def user_delete(*, person: Person, via: str) -> None:
    """DELETE deactivates: past feedback about and by them must stay (docs/decisions.md)."""
    person_deactivate(person=person, via=via)


# --- groups ---------------------------------------------------------------------------

_MEMBER_FILTER = re.compile(r'^members\[\s*value\s+eq\s+"([^"]*)"\s*\]$', re.IGNORECASE)


def _group_body(data) -> tuple[str | None, list[Person] | None]:
    if not isinstance(data, dict):
        raise ScimError("The body must be a JSON object.", scim_type="invalidSyntax")
    name, members = None, None
    for key, value in data.items():
        lowered = str(key).lower()
        if lowered == GROUP_SCHEMA.lower() + ":displayname":
            lowered = "displayname"
        if lowered in ("schemas", "id", "meta") or lowered in GROUP_IGNORED:
            continue
        if lowered == "displayname":
            name = _text(value, "displayName")
        elif lowered == "members":
            members = _people_references(value, "members")
        else:
            raise _unknown(str(key))
    return name, members


def group_create(*, data) -> Team:
    name, members = _group_body(data)
    if name is None:
        raise ScimError("displayName is required.", scim_type="invalidValue")
    with transaction.atomic():
        team = team_create(name=name)
        if members:
            team_members_set(team=team, people=members)
    return team_get(team.pk)


def group_replace(*, team: Team, data) -> Team:
    """PUT: as for users, members left out of the body stay as they are."""
    name, members = _group_body(data)
    if name is None:
        raise ScimError("displayName is required.", scim_type="invalidValue")
    with transaction.atomic():
        team_rename(team=team, name=name)
        if members is not None:
            team_members_set(team=team, people=members)
    return team_get(team.pk)


def group_patch(*, team: Team, data) -> Team:
    current = {p.pk: p for p in team.members.filter(erased_at__isnull=True)}
    members = dict(current)
    name = None
    for op, path, value in _operations(data):
        if path is None:
            if not isinstance(value, dict):
                raise ScimError(
                    "Without a path, the value must be an object of attributes.",
                    scim_type="invalidValue",
                )
            new_name, new_members = _group_body(value)
            name = new_name if new_name is not None else name
            if new_members is not None:
                if op == "replace":
                    members = {}
                members.update((p.pk, p) for p in new_members)
            continue
        lowered = path.strip().lower()
        if lowered.startswith(GROUP_SCHEMA.lower() + ":"):
            lowered = lowered[len(GROUP_SCHEMA) + 1 :]
        member_filter = _MEMBER_FILTER.match(path.strip())
        if member_filter and op == "remove":
            pk = _id(member_filter.group(1))
            members.pop(pk, None)
        elif lowered == "members":
            if op == "remove":
                if value is None:
                    members = {}
                else:
                    for person in _people_references(value, "members"):
                        members.pop(person.pk, None)
            else:
                people = _people_references(value, "members")
                if op == "replace":
                    members = {}
                members.update((p.pk, p) for p in people)
        elif lowered == "displayname":
            if op == "remove":
                raise ScimError("displayName is required.", scim_type="invalidValue")
            name = _text(value, "displayName")
        elif lowered in GROUP_IGNORED:
            continue
        elif lowered in ("id", "meta"):
            raise ScimError(f"{path} is read-only.", scim_type="mutability")
        else:
            raise ScimError(f"Unknown attribute {path!r}.", scim_type="invalidPath")
    with transaction.atomic():
        if name is not None:
            team_rename(team=team, name=name)
        if members.keys() != current.keys():
            team_members_set(team=team, people=members.values())
    return team_get(team.pk)


def group_delete(*, team: Team) -> None:
    team_delete(team=team)
