"""Development plans in the API: the permission matrix and the documented shapes."""

import pytest

from development import services
from development.models import Plan, PlanComment
from tests.development.conftest import FOCUS, in_days

pytestmark = pytest.mark.django_db

# Who reads dev's plan: the subject always; managers in the line once shared; nobody else.
# "lead" is dev's manager, "vp" above; "outsider" is outside the line; HR as HR sees counts
# only.


def _status(api_as, org, who, method, path, body=None):
    client = api_as(org[who] if who else None)
    return getattr(client, method)(path, body, format="json").status_code


@pytest.mark.parametrize(
    ("who", "private", "shared"),
    [
        ("dev", 200, 200),
        ("lead", 404, 200),
        ("vp", 404, 200),
        ("outsider", 404, 404),
        ("hr", 404, 404),
        (None, 401, 401),
    ],
)
def test_it_shows_a_plan_only_to_its_subject_and_once_shared_to_their_managers(
    api_as, org, plan, who, private, shared
):
    path = f"/api/v1/plans/{plan.pk}/"
    assert _status(api_as, org, who, "get", path) == private
    services.plan_share(plan=plan, user=org["dev"].user, shared=True)
    assert _status(api_as, org, who, "get", path) == shared
    listed = api_as(org[who]).get("/api/v1/plans/").json() if who else None
    if who and shared == 200:
        assert [p["id"] for p in listed["results"]] == [plan.pk]
    elif who:
        assert listed["results"] == []


def test_an_unknown_plan_and_an_unreachable_one_answer_the_same(api_as, org, plan):
    unreachable = api_as(org["outsider"]).get(f"/api/v1/plans/{plan.pk}/")
    unknown = api_as(org["outsider"]).get(f"/api/v1/plans/{plan.pk + 1000}/")
    assert unreachable.status_code == unknown.status_code == 404
    assert unreachable.json() == unknown.json() == {"detail": "Not found.", "errors": {}}


def test_the_subject_writes_shares_and_reads_comments(api_as, org, report):
    dev = api_as(org["dev"])
    created = dev.post(
        "/api/v1/plans/",
        {
            "request": report.id,
            "focus": FOCUS,
            "actions": [{"text": "Coach weekly", "due_date": in_days(5).isoformat()}],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    plan = created.json()
    assert plan["shared"] is False and plan["request"] == report.id
    assert [f["label"] for f in plan["focus"]] == [
        "Development: Coaches (leadership)",
        "Risk: Risk minimiser (management)",
    ]
    path = f"/api/v1/plans/{plan['id']}/"
    action = dev.post(
        path + "actions/", {"text": "Read up", "due_date": in_days(9).isoformat()}, format="json"
    )
    assert action.status_code == 201
    done = dev.patch(f"{path}actions/{action.json()['id']}/", {"done": True}, format="json")
    assert done.status_code == 200 and done.json()["done"] is True
    shared = dev.patch(path, {"shared": True}, format="json")
    assert shared.status_code == 200 and shared.json()["shared"] is True

    lead = api_as(org["lead"])
    comment = lead.post(path + "comments/", {"text": "Let's talk on Friday."}, format="json")
    assert comment.status_code == 201
    assert comment.json()["author"] == "Lena Lead" and comment.json()["by_subject"] is False
    seen = dev.get(path).json()
    assert [c["text"] for c in seen["comments"]] == ["Let's talk on Friday."]
    assert len(seen["actions"]) == 2


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("patch", "", {"shared": False}),
        ("patch", "", {"focus": FOCUS[:1]}),
        ("post", "actions/", {"text": "Sneaky", "due_date": "2099-01-01"}),
        ("delete", "", None),
    ],
)
def test_a_manager_reads_and_comments_but_cannot_change_the_plan(
    api_as, org, plan, method, suffix, body
):
    services.plan_share(plan=plan, user=org["dev"].user, shared=True)
    response = getattr(api_as(org["lead"]), method)(
        f"/api/v1/plans/{plan.pk}/{suffix}", body, format="json"
    )
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.shared_at is not None and plan.focus.count() == 2 and plan.actions.count() == 1


def test_nobody_comments_on_a_plan_they_cannot_see(api_as, org, plan):
    for who in ("lead", "outsider", "hr"):
        response = api_as(org[who]).post(
            f"/api/v1/plans/{plan.pk}/comments/", {"text": "hi"}, format="json"
        )
        assert response.status_code == 404
    assert not PlanComment.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"focus": []}, "focus"),
        ({"focus": FOCUS + [{"behaviour": "vision", "pole": "leadership"}] * 2}, "focus"),
        ({"focus": [FOCUS[0], FOCUS[0]]}, "focus"),
        ({"focus": [{"behaviour": "charm", "pole": "leadership"}]}, "focus"),
        ({"focus": FOCUS, "actions": [{"text": "Late", "due_date": "2001-01-01"}]}, "due_date"),
        (
            {"focus": FOCUS, "actions": [{"text": "a\x07", "due_date": "2099-01-01"}]},
            "actions.text",
        ),
        ({"focus": FOCUS, "request": 10**30}, "request"),
    ],
)
def test_it_refuses_bad_input_with_a_400_naming_the_field(api_as, org, body, field):
    response = api_as(org["dev"]).post("/api/v1/plans/", body, format="json")
    assert response.status_code == 400, response.json()
    assert any(key.startswith(field.split(".")[0]) for key in response.json()["errors"])
    assert not Plan.objects.exists()


def test_hr_reads_counts_and_nobody_else_does(api_as, org, plan):
    services.plan_share(plan=plan, user=org["dev"].user, shared=True)
    assert api_as(org["hr"]).get("/api/v1/plans/counts/").json() == {
        "people_with_plan": 1,
        "people_sharing_plan": 1,
    }
    assert api_as(org["lead"]).get("/api/v1/plans/counts/").status_code == 403
    assert api_as().get("/api/v1/plans/counts/").status_code == 401


def test_the_plan_list_runs_a_fixed_number_of_queries(
    api_as, org, plan, django_assert_max_num_queries
):
    for n in range(5):
        other = services.plan_create(subject=org["dev"], focus=FOCUS[:1])
        services.comment_add(plan=other, author=org["dev"], text=f"note {n}")
        services.action_add(plan=other, user=org["dev"].user, text="x", due_date=in_days(3))
    client = api_as(org["dev"])
    with django_assert_max_num_queries(10):
        assert len(client.get("/api/v1/plans/").json()["results"]) == 6
