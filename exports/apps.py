from django.apps import AppConfig


class ExportsConfig(AppConfig):
    """Files built in the background from stored results: team XLSX / CSV / PDF,
    individual PDFs, ZIP bundles, their downloads and their expiry.

    Above results (``reports``) in the layers: it reads results only through
    ``reports.services.results_for_export``.
    """

    name = "exports"
    verbose_name = "Exports"

    def ready(self):
        # Imported here, as Django requires: the receivers import models.
        from exports import receivers
        from reports import signals

        signals.comment_redacted.connect(
            receivers.exports_drop_redacted, dispatch_uid="exports.exports_drop_redacted"
        )
