"""Creating, checking and revoking the identity provider's bearer tokens."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.errors import DomainError
from scim.models import ScimToken

# A token is used at most this often as "last used": provisioning sends bursts of
# requests, and one row write per request would serialise them for nothing.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)
TOKEN_MAX_LENGTH = 200


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def scim_token_create(*, name: str, actor=None) -> tuple[ScimToken, str]:
    """A new token: the row (with the hash only) and the token, to be shown once."""
    name = (name or "").strip()
    if not name:
        raise DomainError("A name is required.", errors={"name": ["This field is required."]})
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        row = ScimToken.objects.create(
            name=name[: ScimToken._meta.get_field("name").max_length],
            token_hash=_hash(token),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(actor=actor, action="scim.token_create", target=row)
    return row, token


def scim_token_revoke(*, name: str, actor=None) -> int:
    """Revoke every live token of that name; returns how many."""
    with transaction.atomic():
        rows = list(ScimToken.objects.filter(name=name, revoked_at__isnull=True))
        ScimToken.objects.filter(pk__in=[r.pk for r in rows]).update(revoked_at=timezone.now())
        for row in rows:
            audit_record(actor=actor, action="scim.token_revoke", target=row)
    return len(rows)


def scim_token_check(*, header: str) -> ScimToken | None:
    """The live token an ``Authorization: Bearer ...`` header carries, or None."""
    scheme, _, token = (header or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    digest = _hash(token)
    row = ScimToken.objects.filter(token_hash=digest, revoked_at__isnull=True).first()
    # The lookup is by an index; the constant-time comparison keeps the final check timing-blind.
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_PRECISION:
        ScimToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row
