"""The demo organisation behind `make run`. Every step is an upsert, so running it twice changes nothing."""

from __future__ import annotations

import io

from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.services import hr_group_ensure, people_import

DEMO_PASSWORD = "feedback-demo"  # noqa: S105 - printed by make run; demo only
DOMAIN = "example.com"

# email local part, name, title, team, manager's local part
PEOPLE = [
    ("amara.okafor", "Amara Okafor", "Chief Executive Officer", "", ""),
    ("daniel.kim", "Daniel Kim", "VP Product", "Product", "amara.okafor"),
    ("sofia.martinez", "Sofia Martinez", "Engineering Manager", "Product", "daniel.kim"),
    ("liam.chen", "Liam Chen", "Senior Software Engineer", "Product", "sofia.martinez"),
    ("priya.nair", "Priya Nair", "Software Engineer", "Product", "sofia.martinez"),
    ("tom.becker", "Tom Becker", "Software Engineer", "Product", "sofia.martinez"),
    ("grace.obi", "Grace Obi", "Product Designer", "Product", "daniel.kim"),
    ("noah.williams", "Noah Williams", "Product Manager", "Product", "daniel.kim"),
    ("elena.petrova", "Elena Petrova", "Chief Operating Officer", "Operations", "amara.okafor"),
    ("marcus.johnson", "Marcus Johnson", "Operations Manager", "Operations", "elena.petrova"),
    ("aisha.rahman", "Aisha Rahman", "Operations Analyst", "Operations", "marcus.johnson"),
    ("jonas.berg", "Jonas Berg", "Logistics Coordinator", "Operations", "marcus.johnson"),
    ("hannah.reyes", "Hannah Reyes", "HR Business Partner", "Operations", "elena.petrova"),
    ("olivia.brown", "Olivia Brown", "Customer Success Lead", "Operations", "elena.petrova"),
]

# (local part, role shown to the user, HR?)
LOGINS = [
    ("hannah.reyes", "HR", True),
    ("sofia.martinez", "manager", False),
    ("amara.okafor", "CEO (manager of managers)", False),
    ("liam.chen", "employee", False),
]


def email(local: str) -> str:
    return f"{local}@{DOMAIN}" if local else ""


def demo_csv() -> bytes:
    lines = ["email,name,title,team,manager_email"]
    for local, name, title, team, manager in PEOPLE:
        lines.append(f"{email(local)},{name},{title},{team},{email(manager)}")
    return ("\n".join(lines) + "\n").encode()


@transaction.atomic
def demo_seed() -> list[tuple[str, str]]:
    """Load the demo organisation and its logins. Returns (username, role) pairs."""
    people_import(file=io.BytesIO(demo_csv()))
    from accounts.models import Person

    User = get_user_model()
    hr = hr_group_ensure()
    logins = []
    for local, role, is_hr in LOGINS:
        person = Person.objects.get(email=email(local))
        user, created = User.objects.get_or_create(
            username=person.email, defaults={"email": person.email}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        if is_hr:
            user.groups.add(hr)
            if not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
        if person.user_id != user.id:
            person.user = user
            person.save(update_fields=["user", "updated_at"])
        logins.append((user.username, role))
    return logins
