from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo organisation behind ``make run`` (``manage.py seed_demo``).

    At the top of the layers: it drives every app's services as a real cycle would, and
    no app imports it.
    """

    name = "demo"
    verbose_name = "Demo data"
