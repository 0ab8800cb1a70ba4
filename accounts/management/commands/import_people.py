from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.services import people_import
from core.errors import DomainError


class Command(BaseCommand):
    help = "Upsert people from a CSV file (email,name,title,team,manager_email). All or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        try:
            with file.open("rb") as handle:
                result = people_import(file=handle)
        except DomainError as exc:
            for line in exc.messages():
                self.stderr.write(line)
            raise CommandError(exc.detail) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.rows} rows: {result.created} created, "
                f"{result.updated} updated, {result.unchanged} unchanged."
            )
        )
