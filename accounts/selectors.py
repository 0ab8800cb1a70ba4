"""Reads about people, teams and roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from accounts.models import HR_GROUP_NAME, Person


def person_active_q(prefix: str = "") -> Q:
    """The one rule for who is active: neither erased nor deactivated. Used by the rater
    proposer, the rater directory search and login (``prefix`` for a related person,
    e.g. ``"person__"``)."""
    return Q(**{f"{prefix}erased_at__isnull": True, f"{prefix}deactivated_at__isnull": True})


def person_is_active(person: Person) -> bool:
    """``person_active_q`` for one row already loaded."""
    return person.erased_at is None and person.deactivated_at is None


def user_is_hr(user: AbstractBaseUser | AnonymousUser) -> bool:
    """HR is the HR group; a superuser has every HR right. Cached on the user object."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_is_hr", None)
    if cached is None:
        cached = user.groups.filter(name=HR_GROUP_NAME).exists()
        user._is_hr = cached
    return cached


def person_for_user(user: AbstractBaseUser | AnonymousUser) -> Person | None:
    if not user.is_authenticated:
        return None
    try:
        return user.person
    except Person.DoesNotExist:
        return None


# Composed once: the only word put in is the model's own table name; the manager is a
# parameter. UNION (not UNION ALL) stops the recursion even if a loop slipped into the data.
_LINE_IDS_SQL = (
    "WITH RECURSIVE line(id) AS ("  # noqa: S608 - the model's table name; values are parameters
    f" SELECT id FROM {Person._meta.db_table} WHERE manager_id = %s"
    f" UNION SELECT p.id FROM {Person._meta.db_table} p JOIN line ON p.manager_id = line.id"
    ") SELECT id FROM line"
)


def person_line(*, manager_id: int) -> QuerySet[Person]:
    """Everyone who reports to the manager, directly or through others, in one query."""
    # The only value is bound as a parameter; the table name comes from the model.
    return Person.objects.filter(id__in=RawSQL(_LINE_IDS_SQL, [manager_id]))  # noqa: S611


def person_has_reports(*, person_id: int) -> bool:
    return Person.objects.filter(manager_id=person_id).exists()


def people_visible_to(*, user) -> QuerySet[Person]:
    """HR sees everyone; a manager sees their line at any depth; anyone else, nobody."""
    people = Person.objects.select_related("team", "manager")
    if user_is_hr(user):
        return people.all()
    person = person_for_user(user)
    if person is None:
        return people.none()
    return people.filter(id__in=person_line(manager_id=person.id).values("id"))
