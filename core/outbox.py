"""Reading the development outbox written by core.mail.OutboxEmailBackend."""

from __future__ import annotations

import email
from dataclasses import dataclass
from email import policy
from pathlib import Path

from django.conf import settings


@dataclass
class OutboxMessage:
    name: str
    subject: str
    to: str
    sent: str
    text: str
    html: str | None


def _read(path: Path) -> OutboxMessage:
    msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    text_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    return OutboxMessage(
        name=path.stem,
        subject=str(msg.get("Subject", "")),
        to=str(msg.get("To", "")),
        sent=str(msg.get("Date", "")),
        text=text_part.get_content() if text_part else "",
        html=html_part.get_content() if html_part else None,
    )


def outbox_list(*, limit: int = 200) -> list[OutboxMessage]:
    folder = Path(settings.OUTBOX_DIR)
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob("*.eml"), reverse=True)[:limit]
    return [_read(p) for p in paths]


def outbox_get(*, name: str) -> OutboxMessage | None:
    # The name comes from a URL: accept only a plain file name inside the outbox.
    if "/" in name or "\\" in name or name.startswith("."):
        return None
    path = Path(settings.OUTBOX_DIR) / f"{name}.eml"
    return _read(path) if path.is_file() else None
