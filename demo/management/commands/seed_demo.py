from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from demo.seed import DEMO_PASSWORD, demo_seed, demo_survey_link


class Command(BaseCommand):
    help = "Load the demo organisation (idempotent) and print its logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--summary-file",
            metavar="FILE",
            default="",
            help=(
                "Write the logins and the survey link to this file instead of printing them "
                "(make run prints the file once the server is up: runserver --then-print)."
            ),
        )

    def handle(self, *args, **options):
        logins = demo_seed()
        lines = [f"Open {settings.SITE_URL}/ and log in (password: {DEMO_PASSWORD}):"]
        lines += [f"  {username:<28} {role}" for username, role in logins]
        link = demo_survey_link()
        if link:
            # A new link each run: only the hash of a token is stored (docs/decisions.md).
            lines.append(f"A survey waiting for an answer (no login needed): {link}")
        if settings.DEBUG:
            lines.append(f"Emails sent by the platform: {settings.SITE_URL}/dev/outbox/")
        summary = "\n".join(lines) + "\n"
        if options["summary_file"]:
            path = Path(options["summary_file"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(summary, encoding="utf-8")
            self.stdout.write(self.style.SUCCESS("Demo organisation ready."))
            return
        self.stdout.write(self.style.SUCCESS("Demo organisation ready."))
        self.stdout.write(summary, ending="")
