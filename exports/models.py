import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from feedback.models import Cycle, FeedbackRequest


def export_file_name(instance, filename: str) -> str:
    # The stored name never carries user text: a random name under exports/, keeping
    # only the extension the builder chose. The friendly name is sent at download time.
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"exports/{uuid.uuid4().hex}.{extension}"


class Export(models.Model):
    """A file built in the background for HR or a manager (issue 6)."""

    class Kind(models.TextChoices):
        TEAM_XLSX = "team_xlsx", gettext_lazy("Team report (Excel)")
        TEAM_CSV = "team_csv", gettext_lazy("Team report (CSV)")
        TEAM_PDF = "team_pdf", gettext_lazy("Team report (PDF)")
        INDIVIDUAL_PDF = "individual_pdf", gettext_lazy("Individual report (PDF)")
        BUNDLE_ZIP = "bundle_zip", gettext_lazy("Every individual report (ZIP)")

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="exports")
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    request = models.ForeignKey(
        FeedbackRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="exports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The reach captured when it was asked for: null means the whole organisation (HR);
    # otherwise only this manager's line goes into the file, even if roles change later.
    line_of = models.ForeignKey(
        "accounts.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The language of whoever asked (their page's language when they asked): team files
    # are written in it. Individual reports are in their subject's language instead.
    language = models.CharField(max_length=10, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to=export_file_name, blank=True, max_length=200)
    download_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    # Bundles are rendered in parts by several tasks; these count the PDFs.
    items_total = models.PositiveIntegerField(default=0)
    items_done = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        # The table it had in reports, before exports became their own app: no data moved.
        db_table = "reports_export"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="export_progress_lte_100"
            )
        ]

    def __str__(self):
        return f"{self.kind} export {self.pk} ({self.status})"
