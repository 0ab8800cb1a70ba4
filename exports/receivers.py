"""Exports react to what results announce (``reports.signals``)."""

from exports import services


def exports_drop_redacted(sender, *, cycle_id: int, **kwargs) -> None:
    """HR removed a passage from a comment: every stored file of that cycle may hold it.
    They are deleted (once the redaction commits); whoever needs one asks again."""
    services.exports_erase(cycle_ids=[cycle_id])
