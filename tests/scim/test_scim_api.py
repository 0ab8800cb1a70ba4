"""SCIM 2.0 requests as identity providers send them (RFC 7644's examples, Entra ID's and
Okta's forms), good, bad and partial, against /scim/v2/."""

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import Person, Team
from scim.models import ScimToken
from scim.tokens import scim_token_create

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


class Scim:
    """A client that speaks as the identity provider: bearer token, SCIM media type."""

    def __init__(self, token: str | None):
        self.client = Client(enforce_csrf_checks=True)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _send(self, method, path, body=None, raw=None):
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        return getattr(self.client, method)(
            f"/scim/v2/{path}",
            data=data,
            content_type="application/scim+json",
            headers=self.headers,
        )

    def get(self, path):
        return self.client.get(f"/scim/v2/{path}", headers=self.headers)

    def post(self, path, body=None, raw=None):
        return self._send("post", path, body, raw)

    def put(self, path, body):
        return self._send("put", path, body)

    def patch(self, path, body=None, raw=None):
        return self._send("patch", path, body, raw)

    def delete(self, path):
        return self.client.delete(f"/scim/v2/{path}", headers=self.headers)


@pytest.fixture
def scim(db):
    _, token = scim_token_create(name="Entra ID")
    return Scim(token)


def rfc_user(**overrides):
    """RFC 7644 section 3.3's "create a User" request, with a work email as userName."""
    body = {
        "schemas": [USER],
        "userName": "bjensen@example.com",
        "externalId": "bjensen",
        "name": {
            "formatted": "Ms. Barbara J Jensen III",
            "familyName": "Jensen",
            "givenName": "Barbara",
        },
    }
    body.update(overrides)
    return body


def assert_scim_error(response, status, scim_type=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/scim+json")
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert body["detail"]
    if scim_type:
        assert body["scimType"] == scim_type
    return body


# --- authentication --------------------------------------------------------------------


def test_it_refuses_a_request_without_a_token_with_401(db):
    response = Scim(None).get("Users")
    assert_scim_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_refuses_a_wrong_token_with_401(scim):
    assert_scim_error(Scim("not-the-token").post("Users", rfc_user()), 401)
    assert not Person.objects.filter(email="bjensen@example.com").exists()


def test_it_refuses_a_revoked_token(db):
    _, token = scim_token_create(name="Okta")
    call_command("scim_token", "Okta", "--revoke", stdout=io.StringIO())
    assert_scim_error(Scim(token).get("Users"), 401)


def test_it_ignores_a_signed_in_session_without_a_token(org, client):
    client.force_login(org["hr"].user)
    assert_scim_error(client.get("/scim/v2/Users"), 401)


def test_it_stores_only_the_tokens_hash_and_the_command_prints_a_working_token(db, capsys):
    call_command("scim_token", "Okta")
    token = capsys.readouterr().out.strip()
    row = ScimToken.objects.get(name="Okta")
    assert token not in row.token_hash and len(row.token_hash) == 64
    assert Scim(token).get("Users").status_code == 200


def test_it_needs_no_csrf_token_for_writes(scim):
    # Scim's Django client enforces CSRF checks: a bearer token is all the IdP has.
    assert scim.post("Users", rfc_user()).status_code == 201


# --- users ------------------------------------------------------------------------------


def test_it_creates_a_user_from_the_rfc_example(scim):
    response = scim.post("Users", rfc_user(title="Tour Guide"))
    assert response.status_code == 201
    body = response.json()
    person = Person.objects.get(email="bjensen@example.com")
    assert body["id"] == str(person.pk)
    assert body["userName"] == "bjensen@example.com"
    assert body["active"] is True
    assert body["meta"]["resourceType"] == "User"
    assert response["Location"] == body["meta"]["location"]
    assert body["meta"]["location"].endswith(f"/scim/v2/Users/{person.pk}")
    assert (person.name, person.title) == ("Ms. Barbara J Jensen III", "Tour Guide")


def test_it_builds_the_name_from_given_and_family_names_without_formatted(scim):
    scim.post("Users", rfc_user(name={"givenName": "Barbara", "familyName": "Jensen"}))
    assert Person.objects.get(email="bjensen@example.com").name == "Barbara Jensen"


def test_it_stores_the_username_lower_case_and_finds_it_with_a_filter(scim):
    scim.post("Users", rfc_user(userName="BJensen@Example.com"))
    response = scim.get('Users?filter=userName eq "bjensen@EXAMPLE.com"')
    body = response.json()
    assert body["schemas"] == [LIST]
    assert body["totalResults"] == 1
    assert body["Resources"][0]["userName"] == "bjensen@example.com"


def test_a_filter_that_matches_nobody_is_an_empty_list(scim):
    body = scim.get('Users?filter=userName eq "nobody@example.com"').json()
    assert (body["totalResults"], body["Resources"]) == (0, [])


def test_an_unsupported_filter_is_invalid_filter(scim):
    assert_scim_error(scim.get('Users?filter=title co "x"'), 400, "invalidFilter")
    assert_scim_error(scim.get('Users?filter=nickName eq "x"'), 400, "invalidFilter")
    assert_scim_error(scim.get("Users?filter=userName eq unquoted"), 400, "invalidFilter")


def test_a_duplicate_username_is_409_uniqueness(scim, org):
    body = assert_scim_error(
        scim.post("Users", rfc_user(userName="DEV@example.com")), 409, "uniqueness"
    )
    assert "already" in body["detail"]
    assert Person.objects.filter(email="dev@example.com").count() == 1


def test_bad_json_is_400_invalid_syntax(scim):
    assert_scim_error(scim.post("Users", raw='{"userName": "x@example.com",'), 400, "invalidSyntax")
    assert_scim_error(scim.post("Users", raw="[1, 2]"), 400, "invalidSyntax")
    assert_scim_error(scim.post("Users", raw="\xff\xfe"), 400, "invalidSyntax")


def test_an_unknown_attribute_is_refused_and_nothing_is_created(scim):
    assert_scim_error(scim.post("Users", rfc_user(favouriteColour="blue")), 400, "invalidSyntax")
    assert_scim_error(
        scim.post("Users", rfc_user(**{"urn:example:params:scim:schemas:extension:Custom": {}})),
        400,
        "invalidSyntax",
    )
    assert not Person.objects.filter(email="bjensen@example.com").exists()


def test_attributes_of_the_standard_schemas_we_do_not_keep_are_accepted(scim):
    response = scim.post(
        "Users",
        rfc_user(
            phoneNumbers=[{"value": "555-555-8377", "type": "work"}],
            locale="en-US",
            **{ENTERPRISE: {"department": "Tour Operations", "employeeNumber": "701984"}},
        ),
    )
    assert response.status_code == 201


def test_a_missing_or_bad_username_or_name_is_invalid_value(scim):
    assert_scim_error(
        scim.post("Users", {"schemas": [USER], "name": {"formatted": "X"}}), 400, "invalidValue"
    )
    assert_scim_error(scim.post("Users", rfc_user(userName="not an email")), 400, "invalidValue")
    assert_scim_error(scim.post("Users", rfc_user(name={"formatted": " "})), 400, "invalidValue")
    assert_scim_error(scim.post("Users", rfc_user(active="maybe")), 400, "invalidValue")
    assert Person.objects.count() == 0


def test_it_creates_a_user_with_a_manager_from_the_enterprise_extension(scim, org):
    response = scim.post(
        "Users", rfc_user(**{ENTERPRISE: {"manager": {"value": str(org["lead"].pk)}}})
    )
    assert response.status_code == 201
    assert Person.objects.get(email="bjensen@example.com").manager == org["lead"]
    assert response.json()[ENTERPRISE]["manager"]["value"] == str(org["lead"].pk)


def test_an_unknown_manager_is_invalid_value(scim):
    response = scim.post("Users", rfc_user(**{ENTERPRISE: {"manager": {"value": "999999"}}}))
    assert_scim_error(response, 400, "invalidValue")


def test_it_creates_a_user_already_inactive(scim):
    assert scim.post("Users", rfc_user(active=False)).json()["active"] is False
    assert Person.objects.get(email="bjensen@example.com").deactivated_at is not None


def test_get_answers_the_user_and_404_for_an_unknown_or_odd_id(scim, org):
    body = scim.get(f"Users/{org['dev'].pk}").json()
    assert (body["userName"], body["name"]["formatted"]) == ("dev@example.com", "Dev Eloper")
    assert body[ENTERPRISE]["manager"]["value"] == str(org["lead"].pk)
    assert body["groups"] == [
        {"value": str(org["dev"].team_id), "display": "Product", "$ref": body["groups"][0]["$ref"]}
    ]
    assert_scim_error(scim.get("Users/999999"), 404)
    assert_scim_error(scim.get("Users/abc"), 404)


def test_patch_replace_active_false_deactivates_as_in_the_rfc(scim, org):
    response = scim.patch(
        f"Users/{org['dev'].pk}",
        {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]},
    )
    assert response.status_code == 200
    assert response.json()["active"] is False
    org["dev"].refresh_from_db()
    org["dev"].user.refresh_from_db()
    assert org["dev"].deactivated_at is not None
    assert org["dev"].user.is_active is False


def test_patch_in_entra_ids_form_with_a_path_and_a_string_boolean(scim, org):
    operations = [{"op": "Replace", "path": "active", "value": "False"}]
    scim.patch(f"Users/{org['dev'].pk}", {"schemas": [PATCH], "Operations": operations})
    org["dev"].refresh_from_db()
    assert org["dev"].deactivated_at is not None
    operations = [{"op": "Replace", "path": "active", "value": "True"}]
    assert (
        scim.patch(f"Users/{org['dev'].pk}", {"schemas": [PATCH], "Operations": operations}).json()[
            "active"
        ]
        is True
    )
    org["dev"].user.refresh_from_db()
    assert org["dev"].user.is_active is True


def test_patch_sets_and_removes_the_manager(scim, org):
    path = f"{ENTERPRISE}:manager"
    scim.patch(
        f"Users/{org['dev'].pk}",
        {
            "schemas": [PATCH],
            "Operations": [{"op": "replace", "path": path, "value": {"value": str(org["vp"].pk)}}],
        },
    )
    org["dev"].refresh_from_db()
    assert org["dev"].manager == org["vp"]
    # Entra ID sends the manager's id as a bare string with "Add".
    scim.patch(
        f"Users/{org['dev'].pk}",
        {
            "schemas": [PATCH],
            "Operations": [{"op": "Add", "path": path, "value": str(org["lead"].pk)}],
        },
    )
    org["dev"].refresh_from_db()
    assert org["dev"].manager == org["lead"]
    response = scim.patch(
        f"Users/{org['dev'].pk}",
        {"schemas": [PATCH], "Operations": [{"op": "remove", "path": path}]},
    )
    assert response.json()[ENTERPRISE] == {}
    org["dev"].refresh_from_db()
    assert org["dev"].manager is None


def test_patch_refuses_a_manager_that_would_close_a_reporting_loop(scim, org):
    # The same rule as the people import: the ceo cannot report to the dev below them.
    operations = [
        {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"value": str(org["dev"].pk)}}
    ]
    body = assert_scim_error(
        scim.patch(f"Users/{org['ceo'].pk}", {"schemas": [PATCH], "Operations": operations}),
        400,
        "invalidValue",
    )
    assert "loop" in body["detail"]
    org["ceo"].refresh_from_db()
    assert org["ceo"].manager is None


def test_patch_changes_names_title_and_username(scim, org):
    operations = [
        {"op": "replace", "path": "name.givenName", "value": "Devon"},
        {"op": "replace", "path": "title", "value": "Staff Engineer"},
        {"op": "replace", "path": "userName", "value": "devon@example.com"},
    ]
    body = scim.patch(
        f"Users/{org['dev'].pk}", {"schemas": [PATCH], "Operations": operations}
    ).json()
    assert (body["name"]["formatted"], body["title"], body["userName"]) == (
        "Devon Eloper",
        "Staff Engineer",
        "devon@example.com",
    )


def test_a_patch_is_applied_whole_or_not_at_all(scim, org):
    operations = [
        {"op": "replace", "path": "title", "value": "Changed"},
        {"op": "replace", "path": "userName", "value": "lead@example.com"},  # taken
    ]
    assert_scim_error(
        scim.patch(f"Users/{org['dev'].pk}", {"schemas": [PATCH], "Operations": operations}),
        409,
        "uniqueness",
    )
    org["dev"].refresh_from_db()
    assert org["dev"].title == "Engineer"


def test_bad_patches_say_what_is_wrong(scim, org):
    url = f"Users/{org['dev'].pk}"
    assert_scim_error(
        scim.patch(
            url,
            {
                "schemas": [PATCH],
                "Operations": [{"op": "replace", "path": "shoeSize", "value": "9"}],
            },
        ),
        400,
        "invalidPath",
    )
    assert_scim_error(
        scim.patch(
            url, {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "id", "value": "7"}]}
        ),
        400,
        "mutability",
    )
    assert_scim_error(
        scim.patch(
            url, {"schemas": [PATCH], "Operations": [{"op": "move", "path": "title", "value": "x"}]}
        ),
        400,
        "invalidSyntax",
    )
    assert_scim_error(
        scim.patch(url, {"schemas": [PATCH], "Operations": [{"op": "remove"}]}), 400, "noTarget"
    )
    assert_scim_error(
        scim.patch(url, {"schemas": [PATCH], "Operations": [{"op": "remove", "path": "userName"}]}),
        400,
        "invalidValue",
    )
    assert_scim_error(scim.patch(url, {"schemas": [PATCH], "Operations": []}), 400, "invalidSyntax")
    assert_scim_error(scim.patch(url, {"schemas": [PATCH]}), 400, "invalidSyntax")
    assert_scim_error(scim.patch(url, raw="{not json"), 400, "invalidSyntax")


def test_put_replaces_what_it_carries_and_keeps_the_manager_it_leaves_out(scim, org):
    body = rfc_user(
        userName="dev@example.com",
        name={"formatted": "Dev Renamed"},
        title="Architect",
        active=True,
    )
    response = scim.put(f"Users/{org['dev'].pk}", body)
    assert response.status_code == 200
    org["dev"].refresh_from_db()
    assert (org["dev"].name, org["dev"].title, org["dev"].manager) == (
        "Dev Renamed",
        "Architect",
        org["lead"],
    )


def test_delete_deactivates_and_keeps_the_person(scim, org):
    response = scim.delete(f"Users/{org['dev'].pk}")
    assert response.status_code == 204
    org["dev"].refresh_from_db()
    assert org["dev"].deactivated_at is not None
    assert scim.get(f"Users/{org['dev'].pk}").json()["active"] is False


def test_erased_people_are_no_scim_users(scim, org):
    from privacy.services import person_erase

    person_erase(person=org["peer"], actor=org["hr"].user)
    assert_scim_error(scim.get(f"Users/{org['peer'].pk}"), 404)
    emails = [r["userName"] for r in scim.get("Users").json()["Resources"]]
    assert "peer@example.com" not in emails and len(emails) == 6


def test_list_pages_with_start_index_and_count(scim, org):
    first = scim.get("Users?startIndex=1&count=2").json()
    second = scim.get("Users?startIndex=3&count=2").json()
    assert (first["totalResults"], first["itemsPerPage"], first["startIndex"]) == (7, 2, 1)
    assert second["startIndex"] == 3
    ids = [r["id"] for r in first["Resources"] + second["Resources"]]
    assert len(set(ids)) == 4
    assert scim.get("Users?count=0").json()["Resources"] == []
    assert scim.get("Users?startIndex=-5&count=1").json()["startIndex"] == 1
    assert_scim_error(scim.get("Users?count=many"), 400, "invalidValue")


def test_the_list_runs_a_fixed_number_of_queries(scim, org, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        assert len(scim.get("Users").json()["Resources"]) == 7
    with django_assert_max_num_queries(5):
        assert len(scim.get("Groups").json()["Resources"]) == 1


def test_an_unsupported_method_is_405_in_the_error_schema(scim):
    assert_scim_error(scim.delete("Users"), 405)


# --- groups -------------------------------------------------------------------------------


def test_it_creates_a_group_with_members_as_in_the_rfc(scim, org):
    response = scim.post(
        "Groups",
        {
            "schemas": [GROUP],
            "displayName": "Tour Guides",
            "members": [
                {"value": str(org["dev"].pk), "display": "Dev"},
                {"value": str(org["peer"].pk)},
            ],
        },
    )
    assert response.status_code == 201
    team = Team.objects.get(name="Tour Guides")
    assert set(team.members.values_list("email", flat=True)) == {
        "dev@example.com",
        "peer@example.com",
    }
    assert {m["value"] for m in response.json()["members"]} == {
        str(org["dev"].pk),
        str(org["peer"].pk),
    }


def test_a_duplicate_group_name_is_409_uniqueness(scim, org):
    assert_scim_error(
        scim.post("Groups", {"schemas": [GROUP], "displayName": "product"}), 409, "uniqueness"
    )


def test_group_patch_adds_and_removes_members_in_the_rfcs_forms(scim, org):
    team = Team.objects.create(name="Guild")
    url = f"Groups/{team.pk}"
    add = {
        "op": "add",
        "path": "members",
        "value": [{"value": str(org["dev"].pk)}, {"value": str(org["vp"].pk)}],
    }
    scim.patch(url, {"schemas": [PATCH], "Operations": [add]})
    assert set(team.members.values_list("email", flat=True)) == {
        "dev@example.com",
        "vp@example.com",
    }
    remove = {"op": "remove", "path": f'members[value eq "{org["dev"].pk}"]'}
    body = scim.patch(url, {"schemas": [PATCH], "Operations": [remove]}).json()
    assert [m["value"] for m in body["members"]] == [str(org["vp"].pk)]
    # Entra ID removes with a value list; the person leaves the team, not the directory.
    remove = {"op": "Remove", "path": "members", "value": [{"value": str(org["vp"].pk)}]}
    scim.patch(url, {"schemas": [PATCH], "Operations": [remove]})
    org["vp"].refresh_from_db()
    assert org["vp"].team is None


def test_group_patch_renames_and_replaces_members(scim, org):
    team = org["dev"].team
    replace = {
        "op": "replace",
        "value": {"displayName": "Platform", "members": [{"value": str(org["lead"].pk)}]},
    }
    body = scim.patch(f"Groups/{team.pk}", {"schemas": [PATCH], "Operations": [replace]}).json()
    assert body["displayName"] == "Platform"
    assert [m["value"] for m in body["members"]] == [str(org["lead"].pk)]


def test_group_patch_refuses_an_unknown_member_and_an_unknown_path(scim, org):
    url = f"Groups/{org['dev'].team_id}"
    add = {"op": "add", "path": "members", "value": [{"value": "999999"}]}
    assert_scim_error(
        scim.patch(url, {"schemas": [PATCH], "Operations": [add]}), 400, "invalidValue"
    )
    bad = {"op": "replace", "path": "owners", "value": "x"}
    assert_scim_error(
        scim.patch(url, {"schemas": [PATCH], "Operations": [bad]}), 400, "invalidPath"
    )


def test_groups_filter_by_display_name_and_leave_members_out_when_asked(scim, org):
    body = scim.get('Groups?filter=displayName eq "product"&excludedAttributes=members').json()
    assert body["totalResults"] == 1
    assert "members" not in body["Resources"][0]


def test_group_delete_keeps_its_members_without_a_team(scim, org):
    team = org["dev"].team
    assert scim.delete(f"Groups/{team.pk}").status_code == 204
    assert not Team.objects.filter(pk=team.pk).exists()
    org["dev"].refresh_from_db()
    assert org["dev"].team is None


# --- discovery ----------------------------------------------------------------------------


def test_discovery_documents(scim):
    config = scim.get("ServiceProviderConfig").json()
    assert config["patch"]["supported"] is True and config["bulk"]["supported"] is False
    types = scim.get("ResourceTypes").json()
    assert {t["id"] for t in types["Resources"]} == {"User", "Group"}
    schemas = scim.get("Schemas").json()
    assert {s["id"] for s in schemas["Resources"]} == {USER, GROUP, ENTERPRISE}
    assert scim.get(f"Schemas/{USER}").json()["name"] == "User"
    assert scim.get("ResourceTypes/Group").json()["endpoint"] == "/Groups"
    assert_scim_error(scim.get("Schemas/urn:nothing"), 404)


def test_hr_creates_a_token_in_the_admin_and_sees_it_once(org, client):
    org["hr"].user.is_staff = True
    org["hr"].user.save()
    client.force_login(org["hr"].user)
    response = client.post("/admin/scim/scimtoken/add/", {"name": "Okta"})
    assert response.status_code == 200
    token = response.context["token"]
    assert token in response.content.decode()
    assert Scim(token).get("Users").status_code == 200
    listing = client.get("/admin/scim/scimtoken/").content.decode()
    assert "Okta" in listing and token not in listing


def test_patch_the_work_email_path_changes_the_username(scim, org):
    operations = [
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "d@example.com"}
    ]
    body = scim.patch(
        f"Users/{org['dev'].pk}", {"schemas": [PATCH], "Operations": operations}
    ).json()
    assert body["userName"] == "d@example.com"


def test_a_create_racing_another_for_the_same_username_is_409_not_500(scim, monkeypatch):
    # The other request's row lands between our duplicate check and our insert.
    from accounts import services as accounts_services

    real_create = Person.objects.create

    def create_after_a_rival(**kwargs):
        real_create(email=kwargs["email"], name="Rival")
        return real_create(**kwargs)

    monkeypatch.setattr(accounts_services.Person.objects, "create", create_after_a_rival)
    assert_scim_error(scim.post("Users", rfc_user()), 409, "uniqueness")
    assert Person.objects.filter(email="bjensen@example.com").count() == 0
