from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from scim.tokens import scim_token_create, scim_token_revoke


class Command(BaseCommand):
    help = (
        "Create a bearer token for the identity provider's SCIM provisioning and print it "
        "(shown once; only its hash is stored), or revoke the tokens of a name."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="who uses the token, e.g. 'Entra ID'")
        parser.add_argument("--revoke", action="store_true", help="revoke that name's tokens")

    def handle(self, *args, name, revoke, **options):
        if revoke:
            count = scim_token_revoke(name=name)
            self.stdout.write(f"Revoked {count} token{'s' if count != 1 else ''} named {name!r}.")
            return
        try:
            _, token = scim_token_create(name=name)
        except DomainError as exc:
            raise CommandError(exc.detail) from None
        self.stdout.write(token)
