"""The SCIM 2.0 wire format (RFC 7643 schemas, RFC 7644 protocol): URNs, errors, resource
representations, the one filter form supported, paging and the discovery documents."""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.urls import reverse

from accounts.models import Person, Team
from core.errors import DomainError

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
SPC_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"

CONTENT_TYPE = "application/scim+json"
DEFAULT_COUNT = 100
MAX_COUNT = 200


class ScimError(DomainError):
    """A refusal in SCIM's own terms: ``scim_type`` is RFC 7644's scimType (table 9)."""

    def __init__(self, detail: str, *, scim_type: str | None = None, code: str = "invalid"):
        super().__init__(detail, code=code)
        self.scim_type = scim_type


def error_body(*, status: int, detail: str, scim_type: str | None = None) -> dict:
    body = {"schemas": [ERROR_SCHEMA], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return body


def _location(name: str, pk: int | None = None) -> str:
    path = reverse(name, kwargs={"resource_id": str(pk)}) if pk is not None else reverse(name)
    # From SITE_URL, never from the request's Host header (as links in emails).
    return f"{settings.SITE_URL}{path}"


def _timestamp(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def user_representation(person: Person) -> dict:
    """A person as a SCIM User. ``person`` comes with ``team`` and ``manager`` loaded."""
    body = {
        "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
        "id": str(person.pk),
        "userName": person.email,
        # The directory keeps one name: it is the formatted name, never split in guesses.
        "name": {"formatted": person.name},
        "displayName": person.name,
        "title": person.title,
        # Issue 18: the person's language, as a language tag; left out when not set.
        **(
            {"preferredLanguage": person.language, "locale": person.language}
            if person.language
            else {}
        ),
        "active": person.deactivated_at is None,
        "emails": [{"value": person.email, "type": "work", "primary": True}],
        "groups": (
            [
                {
                    "value": str(person.team_id),
                    "display": person.team.name,
                    "$ref": _location("scim_group", person.team_id),
                }
            ]
            if person.team_id
            else []
        ),
        "meta": {
            "resourceType": "User",
            "created": _timestamp(person.created_at),
            "lastModified": _timestamp(person.updated_at),
            "location": _location("scim_user", person.pk),
        },
    }
    manager = person.manager if person.manager_id else None
    body[ENTERPRISE_SCHEMA] = (
        {
            "manager": {
                "value": str(manager.pk),
                "displayName": manager.name,
                "$ref": _location("scim_user", manager.pk),
            }
        }
        if manager is not None and manager.erased_at is None
        else {}
    )
    return body


def group_representation(team: Team, *, members: list[Person] | None) -> dict:
    """A team as a SCIM Group; ``members`` None leaves them out (excludedAttributes)."""
    body = {
        "schemas": [GROUP_SCHEMA],
        "id": str(team.pk),
        "displayName": team.name,
        "meta": {"resourceType": "Group", "location": _location("scim_group", team.pk)},
    }
    if members is not None:
        body["members"] = [
            {
                "value": str(p.pk),
                "display": p.name,
                "type": "User",
                "$ref": _location("scim_user", p.pk),
            }
            for p in members
        ]
    return body


def list_response(resources: list[dict], *, total: int, start_index: int) -> dict:
    return {
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


# --- filters and paging ----------------------------------------------------------

# The one form identity providers send when they look someone up before creating them:
# `attribute eq "value"`. Anything else is refused with invalidFilter, never guessed at.
_FILTER = re.compile(r'^\s*([A-Za-z][\w.:\-]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$', re.IGNORECASE)


def filter_parse(text: str, *, allowed: dict[str, str]) -> tuple[str, str]:
    """``(field, value)`` of a filter ``attr eq "value"`` whose attribute is one of
    ``allowed`` (SCIM attribute, lower-case -> our field name)."""
    match = _FILTER.match(text or "")
    if not match:
        raise ScimError(
            'Only filters of the form attribute eq "value" are supported.',
            scim_type="invalidFilter",
        )
    attribute, raw = match.groups()
    field = allowed.get(attribute.lower())
    if field is None:
        raise ScimError(
            f"Filtering on {attribute!r} is not supported; use one of: "
            + ", ".join(sorted(allowed))
            + ".",
            scim_type="invalidFilter",
        )
    try:
        value = json.loads(f'"{raw}"')
    except ValueError:
        raise ScimError(
            "The filter's value is not a valid string.", scim_type="invalidFilter"
        ) from None
    return field, value


def _int_param(params, name: str, default: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ScimError(f"{name} must be an integer.", scim_type="invalidValue") from None


def paging(params) -> tuple[int, int]:
    """``(start_index, count)``: 1-based; below 1 means 1, a negative count means 0
    (RFC 7644 3.4.2.4), and at most MAX_COUNT per page."""
    start = max(1, _int_param(params, "startIndex", 1))
    count = min(MAX_COUNT, max(0, _int_param(params, "count", DEFAULT_COUNT)))
    return start, count


# --- discovery ----------------------------------------------------------------


def service_provider_config() -> dict:
    return {
        "schemas": [SPC_SCHEMA],
        "documentationUri": f"{settings.SITE_URL}/api/docs/",
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_COUNT},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "A token created by HR in the admin or with manage.py scim_token.",
                "primary": True,
            }
        ],
        "meta": {"resourceType": "ServiceProviderConfig", "location": _location("scim_spc")},
    }


def resource_types() -> list[dict]:
    return [
        {
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "A person in the directory",
            "schema": USER_SCHEMA,
            "schemaExtensions": [{"schema": ENTERPRISE_SCHEMA, "required": False}],
            "meta": {"resourceType": "ResourceType", "location": _location("scim_resource_types")},
        },
        {
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "A team",
            "schema": GROUP_SCHEMA,
            "schemaExtensions": [],
            "meta": {"resourceType": "ResourceType", "location": _location("scim_resource_types")},
        },
    ]


def _attribute(name, *, type_="string", required=False, mutability="readWrite", **extra):
    return {
        "name": name,
        "type": type_,
        "multiValued": extra.pop("multi", False),
        "required": required,
        "caseExact": False,
        "mutability": mutability,
        "returned": "default",
        "uniqueness": extra.pop("uniqueness", "none"),
        **extra,
    }


def schemas() -> list[dict]:
    """Only the attributes this service provider stores or returns."""
    sub_value = _attribute("value")
    return [
        {
            "schemas": [SCHEMA_SCHEMA],
            "id": USER_SCHEMA,
            "name": "User",
            "description": "A person; userName is their work email.",
            "attributes": [
                _attribute("userName", required=True, uniqueness="server"),
                _attribute(
                    "name",
                    type_="complex",
                    subAttributes=[
                        _attribute("formatted"),
                        _attribute("givenName"),
                        _attribute("familyName"),
                    ],
                ),
                _attribute("displayName"),
                _attribute("title"),
                _attribute("preferredLanguage"),
                _attribute("locale"),
                _attribute("active", type_="boolean"),
                _attribute("emails", type_="complex", multi=True, subAttributes=[sub_value]),
                _attribute(
                    "groups",
                    type_="complex",
                    multi=True,
                    mutability="readOnly",
                    subAttributes=[sub_value],
                ),
            ],
            "meta": {"resourceType": "Schema", "location": _location("scim_schemas")},
        },
        {
            "schemas": [SCHEMA_SCHEMA],
            "id": ENTERPRISE_SCHEMA,
            "name": "EnterpriseUser",
            "description": "The manager, by the manager's SCIM id.",
            "attributes": [
                _attribute("manager", type_="complex", subAttributes=[sub_value]),
            ],
            "meta": {"resourceType": "Schema", "location": _location("scim_schemas")},
        },
        {
            "schemas": [SCHEMA_SCHEMA],
            "id": GROUP_SCHEMA,
            "name": "Group",
            "description": "A team; a person belongs to one team at most.",
            "attributes": [
                _attribute("displayName", required=True, uniqueness="server"),
                _attribute("members", type_="complex", multi=True, subAttributes=[sub_value]),
            ],
            "meta": {"resourceType": "Schema", "location": _location("scim_schemas")},
        },
    ]
