from django.conf import settings
from django.db import models


class ScimToken(models.Model):
    """A bearer token the identity provider (Entra ID, Okta) uses to provision people.

    Only the sha256 of the token is stored, as for survey links: the database alone gives
    no working token. HR creates one in the admin or with ``manage.py scim_token`` and sees
    it once; revoking keeps the row (when it was last used) and stops it working.
    """

    name = models.CharField(max_length=100, help_text="Who uses it, e.g. 'Entra ID'.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "SCIM token"

    def __str__(self):
        state = " (revoked)" if self.revoked_at else ""
        return f"{self.name}{state}"
