from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

HR_GROUP_NAME = "HR"


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="team_name_ci_unique")]

    def __str__(self):
        return self.name


class Person(models.Model):
    """Someone in the organisation. A login (``user``) is optional: raters need none."""

    # Stored lower-case (see save); the functional constraint keeps the rule in the database too.
    email = models.EmailField(max_length=254, unique=True)
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=200, blank=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set by erasure (privacy.services.person_erase): the record is an anonymous shell kept
    # for the org chart and for released team figures, never listed or read as a subject.
    erased_at = models.DateTimeField(null=True, blank=True)
    # Set by deactivation (accounts.services.person_deactivate, e.g. the identity provider
    # through SCIM): no login, never proposed nor found as a rater; past feedback stays.
    # Cleared by reactivation. ``accounts.selectors.person_active_q`` is the one rule.
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # The language of this person's pages, emails and surveys (issue 18): one of
    # settings.LANGUAGES, or blank when not set (then the browser's, or the site default).
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        default="",
        db_default="",
        choices=settings.LANGUAGES,
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(Lower("email"), name="person_email_ci_unique"),
            models.CheckConstraint(
                condition=~models.Q(manager=models.F("id")), name="person_not_own_manager"
            ),
        ]

    def __str__(self):
        return f"{self.name} <{self.email}>"

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


class PersonExportLink(models.Model):
    """A personal link, emailed to one person, to download everything held about them.

    Only the sha256 of the token is stored, as for survey links: the database alone
    gives no working link, and HR, who may ask for the export, never sees the token.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="export_links")
    token_hash = models.CharField(max_length=64, unique=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    emailed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"data export link {self.pk} of person {self.person_id}"
