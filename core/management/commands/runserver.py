"""Django's development server (with static files), which can print a file once it is up.

`make run` has `seed_demo` write the demo logins and survey link to a file and this
command print it right after the "Starting development server" banner, so the logins are
the last thing on the screen rather than lost above the start-up noise. After an
autoreload the server starts again and prints them again, still last.
"""

from pathlib import Path

from django.contrib.staticfiles.management.commands.runserver import Command as StaticRunserver


class Command(StaticRunserver):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--then-print",
            metavar="FILE",
            default="",
            help="Print this file once the server is listening (make run: the demo logins).",
        )

    def handle(self, *args, **options):
        self.then_print = options["then_print"]
        super().handle(*args, **options)

    def on_bind(self, server_port):
        super().on_bind(server_port)
        path = Path(self.then_print) if self.then_print else None
        if path is not None and path.is_file():
            self.stdout.write("\n" + path.read_text(encoding="utf-8"))
