"""What the people directory announces to the apps above it.

``accounts`` sits below ``feedback`` and never imports it: deactivating someone sends
``person_deactivated`` inside the service's transaction, after its writes, and feedback
withdraws that person's pending invitations in its receiver (``FeedbackConfig.ready``),
so every way to deactivate (SCIM, a command, the admin) has the same effects.
"""

from django.dispatch import Signal

# Someone was deactivated (sender: Person). Argument: ``person``, the row as saved.
person_deactivated = Signal()
