"""Benchmark: importing a 10,000-person CSV, side by side with a bare bulk insert.

    .venv/bin/python bench/bench_import.py                  # SQLite file in bench/out/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_import .venv/bin/python bench/bench_import.py

The database named by DATABASE_URL is emptied of people first: point it at a scratch
database. The baseline parses the same file with the csv module and bulk-inserts the
rows with no validation, no upsert and no managers: the floor any import must pay.
"""

from __future__ import annotations

import csv
import io
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
OUT.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{OUT / 'bench_import.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from accounts.models import Person, Team  # noqa: E402
from accounts.services import people_import  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "10000"))


def org_csv(rows: int, *, title_suffix: str = "") -> bytes:
    """A tree eight wide: person i reports to person (i - 1) // 8; twenty teams."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["email", "name", "title", "team", "manager_email"])
    for i in range(rows):
        manager = f"person{(i - 1) // 8}@bench.example.com" if i else ""
        title = f"Title {i % 37}{title_suffix if i % 10 == 0 else ''}"
        writer.writerow(
            [f"Person{i}@Bench.example.com", f"Person {i}", title, f"Team {i % 20}", manager]
        )
    return ("\ufeff" + out.getvalue()).encode()


def clear():
    with transaction.atomic():
        Person.objects.all().delete()
        Team.objects.all().delete()


def timed(label, fn):
    started = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - started
    print(f"{label:<44} {elapsed:8.3f} s", flush=True)
    return elapsed, result


def baseline(data: bytes):
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    with transaction.atomic():
        team = Team.objects.create(name="Baseline")
        Person.objects.bulk_create(
            [
                Person(email=r["email"].lower(), name=r["name"], title=r["title"], team=team)
                for r in rows
            ],
            batch_size=1000,
        )


def main():
    call_command("migrate", verbosity=0)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"database: {connection.vendor}; rows: {ROWS}\n")
    data = org_csv(ROWS)
    changed = org_csv(ROWS, title_suffix=" (promoted)")

    clear()
    base, _ = timed("baseline: csv + bare bulk_create", lambda: baseline(data))
    clear()
    fresh, result = timed("import_people: all new", lambda: people_import(file=io.BytesIO(data)))
    assert result.created == ROWS, result
    again, result = timed(
        "import_people: same file again", lambda: people_import(file=io.BytesIO(data))
    )
    assert result.unchanged == ROWS, result
    upd, result = timed(
        "import_people: 10% of rows changed", lambda: people_import(file=io.BytesIO(changed))
    )
    assert result.updated == ROWS // 10, result
    assert Person.objects.filter(manager__isnull=False).count() == ROWS - 1
    print(
        f"\nimport (all new) / baseline: {fresh / base:.2f}x; budget 10 s: {'ok' if max(fresh, again, upd) < 10 else 'OVER'}"
    )


if __name__ == "__main__":
    main()
