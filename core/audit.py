"""Recording HR's actions. Call inside the action's transaction."""

from __future__ import annotations

from django.db import models

from core.models import AuditEvent


def audit_record(
    *, actor, action: str, target: models.Model | None = None, detail: dict | None = None
) -> AuditEvent:
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user,
        actor_label=user.get_username() if user else "",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=target.pk if target is not None else None,
        target_label=str(target)[:300] if target is not None else "",
        detail=detail or {},
    )
