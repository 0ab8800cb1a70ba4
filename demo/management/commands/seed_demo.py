from django.conf import settings
from django.core.management.base import BaseCommand

from demo.seed import DEMO_PASSWORD, demo_seed, demo_survey_link


class Command(BaseCommand):
    help = "Load the demo organisation (idempotent) and print its logins."

    def handle(self, *args, **options):
        logins = demo_seed()
        self.stdout.write(self.style.SUCCESS("Demo organisation ready."))
        self.stdout.write(f"Open {settings.SITE_URL}/ and log in (password: {DEMO_PASSWORD}):")
        for username, role in logins:
            self.stdout.write(f"  {username:<28} {role}")
        link = demo_survey_link()
        if link:
            # A new link each run: only the hash of a token is stored (docs/decisions.md).
            self.stdout.write(f"A survey waiting for an answer (no login needed): {link}")
        if settings.DEBUG:
            self.stdout.write(f"Emails sent by the platform: {settings.SITE_URL}/dev/outbox/")
