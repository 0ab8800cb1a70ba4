import factory
from django.contrib.auth import get_user_model

from accounts.models import Person, Team
from accounts.services import hr_group_ensure


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}@example.com")
    email = factory.SelfAttribute("username")
    password = factory.django.Password("correct horse battery")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Faker("name")
    title = "Engineer"
    team = factory.SubFactory(TeamFactory, name="Product")
    manager = None


def person_with_login(*, hr: bool = False, **kwargs) -> Person:
    person = PersonFactory(**kwargs)
    user = UserFactory(username=person.email)
    if hr:
        user.groups.add(hr_group_ensure())
    person.user = user
    person.save()
    return person
