"""Exports became their own app: the rows, the table, the permissions and the queued tasks
of the reports app's exports carry over untouched."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from config.celery_app import app as celery_app
from exports.models import Export

BEFORE = [
    ("reports", "0007_recompute_mark"),
    ("feedback", "0012_recompute_mark_moved_to_reports"),
    ("exports", None),
]


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_exports_made_before_the_move_and_their_permissions():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state([node for node in BEFORE if node[1]]).apps
    cycle = old.get_model("feedback", "Cycle").objects.create(
        name="Spring", closes_at=timezone.now() + datetime.timedelta(days=3)
    )
    expires_at = timezone.now() + datetime.timedelta(days=7)
    made = old.get_model("reports", "Export").objects.create(
        kind="team_csv", cycle_id=cycle.id, status="done", progress=100, expires_at=expires_at
    )
    # Tables Django's own apps keep unchanged: their current models write them. Unapplying
    # the move gave the content type back to reports, as a database from before it has.
    reports_export = ContentType.objects.get(app_label="reports", model="export")
    assert not ContentType.objects.filter(app_label="exports").exists()
    permission, _ = Permission.objects.get_or_create(
        content_type=reports_export, codename="view_export", defaults={"name": "Can view export"}
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    export = Export.objects.get(pk=made.pk)
    assert (export.kind, export.status, export.cycle_id) == ("team_csv", "done", cycle.id)
    assert Export._meta.db_table == "reports_export"
    # Whoever held the permission on reports' exports holds it on exports' now.
    assert Permission.objects.get(pk=permission.pk).content_type.app_label == "exports"


def test_it_runs_export_tasks_queued_under_the_names_they_had_in_reports():
    celery_app.loader.import_default_modules()  # what a worker does when it starts
    for name in (
        "reports.tasks.build_export",
        "reports.tasks.build_bundle_part",
        "reports.tasks.purge_expired_exports",
    ):
        assert celery_app.tasks[name].run.__module__ == "exports.tasks"
