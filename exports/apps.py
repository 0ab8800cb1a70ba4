from django.apps import AppConfig


class ExportsConfig(AppConfig):
    """Files built in the background from stored results: team XLSX / CSV / PDF,
    individual PDFs, ZIP bundles, their downloads and their expiry.

    Above results (``reports``) in the layers: it reads results only through
    ``reports.services.results_for_export``.
    """

    name = "exports"
    verbose_name = "Exports"
