from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """A person's data export and erasure, and answer retention.

    At the top of the layers (docs/decisions.md): it reaches into every app's data, and
    no app imports it.
    """

    name = "privacy"
    verbose_name = "Privacy"
