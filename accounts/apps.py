from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and teams"

    def ready(self):
        # Imported here, as Django requires: services import models, which cannot be
        # loaded before the app registry is ready.
        from accounts import (  # noqa: F401 - connect the idle clock and the language to sign-ins
            languages,
            sessions,
        )
        from accounts.services import hr_group_ensure

        # Permissions exist only after every app has migrated, so the HR group
        # is (re)synchronised then rather than in a data migration.
        post_migrate.connect(
            lambda **kwargs: hr_group_ensure(), weak=False, dispatch_uid="hr_group"
        )
