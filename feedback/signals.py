"""What feedback collection announces to the apps above it.

Feedback sits below results (``reports``) and never imports them. When something happens
that another app may act on, the service sends one of these signals inside its own
transaction, after its writes, and the listening app reacts in its ``AppConfig.ready()``
receivers (as Django's ``post_save`` works). Receivers run in the sender's transaction:
what they write commits or rolls back with the change itself, and work that must see the
change committed (a task on another connection) is deferred with
``transaction.on_commit``. A receiver that raises aborts the service, as any other fault
inside it would.
"""

from django.dispatch import Signal

# A rater submitted their survey (sender: Rater). Arguments: ``rater``, ``request_id``,
# ``submitted_at``. Sent once per submission, on the survey's hot path: receivers keep to
# a statement or two.
answers_submitted = Signal()

# A cycle changed state (sender: Cycle). Argument: ``cycle``, the row as saved.
cycle_closed = Signal()  # open -> closed: no more answers
cycle_released = Signal()  # closed -> released: results shown, final
cycle_reopened = Signal()  # closed -> open: answers accepted again
