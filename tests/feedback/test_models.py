"""The questionnaire data and the constraints the database keeps."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from feedback import framework_v1
from feedback.models import (
    Comment,
    Cycle,
    FeedbackRequest,
    Framework,
    Item,
    Question,
    Rater,
    Rating,
)
from feedback.selectors import framework_current
from tests.feedback.conftest import in_days

BEHAVIOURS = ["vision", "change", "risk", "people", "development"]


@pytest.mark.django_db
def test_it_loads_version_1_with_three_statements_per_pole_in_contract_order():
    framework = Framework.objects.get(version=1)
    assert framework_current() == framework
    items = list(framework.items.order_by("position"))
    assert len(items) == 30
    assert [i.position for i in items] == list(range(1, 31))
    pairs = [(i.behaviour, i.pole) for i in items]
    expected = [(b, p) for b in BEHAVIOURS for p in ("leadership", "management") for _ in range(3)]
    assert pairs == expected
    assert framework.questions.count() == 3


@pytest.mark.django_db
def test_it_words_the_article_behaviours_for_raters_and_for_self():
    framework = Framework.objects.get(version=1)
    goals = framework.items.get(position=4)
    assert (goals.behaviour, goals.pole) == ("vision", "management")
    assert goals.rater_text == "Sets clear, measurable goals for the team"
    assert goals.self_text == "I set clear, measurable goals for my team"
    assert all(i.self_text.startswith("I ") for i in framework.items.all())
    assert not any(i.rater_text.startswith("I ") for i in framework.items.all())
    keep = framework.questions.get(position=1)
    assert (keep.rater_text, keep.self_text) == (
        "What should this person keep doing?",
        "What should I keep doing?",
    )


@pytest.mark.django_db
def test_it_loaded_the_same_content_as_the_data_module():
    # The migration holds a frozen copy; today it must still match the module it came from.
    framework = Framework.objects.get(version=1)
    module_items = [
        (behaviour, pole, rater, self_)
        for behaviour, pole, pairs in framework_v1.ITEMS
        for rater, self_ in pairs
    ]
    stored = list(
        framework.items.order_by("position").values_list(
            "behaviour", "pole", "rater_text", "self_text"
        )
    )
    assert stored == module_items
    questions = list(
        framework.questions.order_by("position").values_list("rater_text", "self_text")
    )
    assert questions == framework_v1.QUESTIONS


@pytest.mark.django_db
def test_it_refuses_fewer_than_two_anonymous_raters_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Cycle.objects.create(name="x", closes_at=in_days(3), min_anonymous_raters=1)


def test_it_defaults_cycles_to_three_raters_and_a_gap_of_one():
    cycle = Cycle(name="x")
    assert (cycle.min_anonymous_raters, str(cycle.gap_threshold), cycle.status) == (
        3,
        "1.00",
        "draft",
    )
    assert cycle.max_requests_per_rater == 10


@pytest.fixture
def bare_request(org):
    cycle = Cycle.objects.create(name="x", closes_at=in_days(3))
    return FeedbackRequest.objects.create(cycle=cycle, subject=org["dev"])


@pytest.mark.django_db
def test_it_refuses_ratings_outside_one_to_five_but_accepts_null(bare_request):
    rater = Rater.objects.create(request=bare_request, relationship="peer", email="p@x.com")
    item = Item.objects.filter(framework__version=1).first()
    Rating.objects.create(rater=rater, item=item, value=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.filter(rater=rater, item=item).update(value=6)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.filter(rater=rater, item=item).update(value=0)


@pytest.mark.django_db
def test_it_keeps_answered_statements_and_questions_from_being_deleted(bare_request):
    # Rating.item and Comment.question have no database constraint (see the models): the
    # ORM's PROTECT is what keeps an answered statement or question in place.
    rater = Rater.objects.create(request=bare_request, relationship="peer", email="p@x.com")
    item = Item.objects.filter(framework__version=1).first()
    question = Question.objects.filter(framework__version=1).first()
    Rating.objects.create(rater=rater, item=item, value=3)
    Comment.objects.create(rater=rater, question=question, text="Keep going.")
    with pytest.raises(ProtectedError):
        item.delete()
    with pytest.raises(ProtectedError):
        question.delete()
    with pytest.raises(ProtectedError):
        Framework.objects.filter(version=1).delete()
    assert Item.objects.filter(pk=item.pk).exists()


@pytest.mark.django_db
def test_it_still_refuses_a_token_used_twice(bare_request):
    Rater.objects.create(request=bare_request, relationship="peer", email="a@x.com", token_hash="h")
    with pytest.raises(IntegrityError), transaction.atomic():
        Rater.objects.create(
            request=bare_request, relationship="peer", email="b@x.com", token_hash="h"
        )
    # Raters without a link yet (NULL) are any number.
    Rater.objects.create(request=bare_request, relationship="peer", email="c@x.com")
    Rater.objects.create(request=bare_request, relationship="peer", email="d@x.com")


@pytest.mark.django_db
def test_it_stores_rater_emails_lower_case_and_one_per_request(bare_request):
    rater = Rater.objects.create(
        request=bare_request, relationship="other", email="  Ext@Example.COM "
    )
    assert rater.email == "ext@example.com"
    with pytest.raises(IntegrityError), transaction.atomic():
        Rater.objects.create(request=bare_request, relationship="other", email="EXT@example.com")


@pytest.mark.django_db
def test_it_numbers_questions_uniquely_per_version():
    framework = Framework.objects.get(version=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.create(framework=framework, position=1, rater_text="a", self_text="b")
