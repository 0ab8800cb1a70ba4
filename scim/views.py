"""SCIM 2.0 endpoints (RFC 7644) under /scim/v2/, for the identity provider only.

Plain Django views rather than DRF: SCIM has its own media type, error schema and
authentication (a bearer token of ``scim.models.ScimToken``, never a session, so no CSRF),
and is documented in docs/api.md, not in the OpenAPI schema. Thin: each view reads the
request, calls ``scim.services`` and answers in SCIM's shapes.
"""

from __future__ import annotations

import json
from functools import wraps

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from core.errors import DomainError
from scim import protocol, services
from scim.protocol import ScimError
from scim.tokens import scim_token_check

# A DomainError from the directory's services, in SCIM's words (RFC 7644 table 9).
SCIM_TYPE_BY_CODE = {"conflict": "uniqueness", "invalid": "invalidValue"}


def _json(body: dict, *, status: int = 200, location: str | None = None) -> JsonResponse:
    response = JsonResponse(body, status=status, content_type=protocol.CONTENT_TYPE)
    if location:
        response["Location"] = location
    return response


def _error(status: int, detail: str, scim_type: str | None = None) -> JsonResponse:
    return _json(
        protocol.error_body(status=status, detail=detail, scim_type=scim_type), status=status
    )


def scim_endpoint(*methods: str):
    """Bearer token first (401 otherwise), then the method (405), then the view; every
    refusal in the SCIM error schema."""

    def decorate(view):
        @csrf_exempt
        @never_cache
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            token = scim_token_check(header=request.headers.get("Authorization", ""))
            if token is None:
                response = _error(401, "A valid bearer token is required.")
                response["WWW-Authenticate"] = 'Bearer realm="scim"'
                return response
            if request.method not in methods:
                response = _error(405, f"{request.method} is not supported here.")
                response["Allow"] = ", ".join(methods)
                return response
            request.scim_via = f"scim:{token.name}"
            try:
                return view(request, *args, **kwargs)
            except ScimError as exc:
                return _error(exc.status, exc.detail, exc.scim_type)
            except IntegrityError:
                # Two provisioning requests for one new email or team name at once: the
                # services' check passed for both, the database's unique constraint did not.
                return _error(409, "That userName or displayName is already in use.", "uniqueness")
            except DomainError as exc:
                messages = exc.messages()
                detail = (
                    exc.detail if messages == [exc.detail] else f"{exc.detail} {' '.join(messages)}"
                )
                return _error(exc.status, detail, SCIM_TYPE_BY_CODE.get(exc.code))

        return wrapper

    return decorate


def _body(request):
    try:
        data = json.loads(request.body or b"")
    except RequestDataTooBig:
        raise ScimError("The request body is too large.", scim_type="invalidSyntax") from None
    except (ValueError, UnicodeDecodeError):
        raise ScimError("The request body is not valid JSON.", scim_type="invalidSyntax") from None
    if not isinstance(data, dict):
        raise ScimError("The request body must be a JSON object.", scim_type="invalidSyntax")
    return data


def _excluded(request) -> set[str]:
    raw = request.GET.get("excludedAttributes", "")
    return {part.strip().lower() for part in raw.split(",") if part.strip()}


# --- discovery -----------------------------------------------------------------------


@scim_endpoint("GET")
def service_provider_config(request):
    return _json(protocol.service_provider_config())


@scim_endpoint("GET")
def resource_types(request):
    types = protocol.resource_types()
    return _json(protocol.list_response(types, total=len(types), start_index=1))


@scim_endpoint("GET")
def resource_type(request, resource_id):
    found = [t for t in protocol.resource_types() if t["id"] == resource_id]
    if not found:
        return _error(404, f"Resource type {resource_id} not found.")
    return _json(found[0])


@scim_endpoint("GET")
def schemas(request):
    found = protocol.schemas()
    return _json(protocol.list_response(found, total=len(found), start_index=1))


@scim_endpoint("GET")
def schema(request, resource_id):
    found = [s for s in protocol.schemas() if s["id"] == resource_id]
    if not found:
        return _error(404, f"Schema {resource_id} not found.")
    return _json(found[0])


# --- users ------------------------------------------------------------------------------


@scim_endpoint("GET", "POST")
def users(request):
    if request.method == "POST":
        person = services.user_create(data=_body(request), via=request.scim_via)
        body = protocol.user_representation(person)
        return _json(body, status=201, location=body["meta"]["location"])
    start, count = protocol.paging(request.GET)
    people = services.people_filtered(request.GET.get("filter"))
    total = people.count()
    page = list(people[start - 1 : start - 1 + count]) if count else []
    return _json(
        protocol.list_response(
            [protocol.user_representation(p) for p in page], total=total, start_index=start
        )
    )


@scim_endpoint("GET", "PUT", "PATCH", "DELETE")
def user(request, resource_id):
    person = services.person_get(resource_id)
    if request.method == "DELETE":
        services.user_delete(person=person, via=request.scim_via)
        return HttpResponse(status=204)
    if request.method == "PUT":
        person = services.user_replace(person=person, data=_body(request), via=request.scim_via)
    elif request.method == "PATCH":
        person = services.user_patch(person=person, data=_body(request), via=request.scim_via)
    return _json(protocol.user_representation(person))


# --- groups -------------------------------------------------------------------------------


@scim_endpoint("GET", "POST")
def groups(request):
    if request.method == "POST":
        team = services.group_create(data=_body(request))
        body = protocol.group_representation(team, members=list(team.members.all()))
        return _json(body, status=201, location=body["meta"]["location"])
    start, count = protocol.paging(request.GET)
    with_members = "members" not in _excluded(request)
    teams = services.teams_filtered(request.GET.get("filter"), with_members=with_members)
    total = teams.count()
    page = list(teams[start - 1 : start - 1 + count]) if count else []
    resources = [
        protocol.group_representation(t, members=list(t.members.all()) if with_members else None)
        for t in page
    ]
    return _json(protocol.list_response(resources, total=total, start_index=start))


@scim_endpoint("GET", "PUT", "PATCH", "DELETE")
def group(request, resource_id):
    with_members = "members" not in _excluded(request)
    team = services.team_get(resource_id, with_members=with_members)
    if request.method == "DELETE":
        services.group_delete(team=team)
        return HttpResponse(status=204)
    if request.method == "PUT":
        team = services.group_replace(team=team, data=_body(request))
    elif request.method == "PATCH":
        team = services.group_patch(team=team, data=_body(request))
    members = list(team.members.all()) if with_members else None
    return _json(protocol.group_representation(team, members=members))
