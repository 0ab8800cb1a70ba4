from django.core.management.base import BaseCommand, CommandError

from accounts.services import logins_invite
from core.errors import DomainError


class Command(BaseCommand):
    help = "Give people a login (username = email) and email each a link to set a password."

    def add_arguments(self, parser):
        parser.add_argument("emails", nargs="+")
        parser.add_argument("--hr", action="store_true", help="also put them in the HR group")

    def handle(self, *args, emails, hr, **options):
        try:
            people = logins_invite(emails=emails, hr=hr)
        except DomainError as exc:
            for line in exc.messages():
                self.stderr.write(line)
            raise CommandError(exc.detail) from None
        role = " with HR rights" if hr else ""
        for person in people:
            self.stdout.write(f"Invited {person.email}{role}.")
