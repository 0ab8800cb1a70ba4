"""What results announce to the apps above them (exports), as ``feedback.signals`` does."""

from django.dispatch import Signal

# HR removed a passage from a comment (sender: CommentFlag). Arguments: ``cycle_id``,
# ``request_id``. Sent inside the redaction's transaction: a file built before it may
# hold the passage, so the exports app deletes the cycle's stored files.
comment_redacted = Signal()
