from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        # Imported here, as Django requires: the receivers import models, which cannot be
        # loaded before the app registry is ready.
        from feedback import signals
        from reports import receivers

        # A reopened cycle needs nothing from results: the answers that follow mark their
        # subjects stale one by one, as in any open cycle.
        signals.answers_submitted.connect(
            receivers.results_mark_stale, dispatch_uid="reports.results_mark_stale"
        )
        signals.cycle_closed.connect(
            receivers.results_compute_cycle, dispatch_uid="reports.results_compute_cycle"
        )
        signals.cycle_closed.connect(
            receivers.comments_screen_cycle, dispatch_uid="reports.comments_screen_cycle"
        )
        signals.cycle_released.connect(
            receivers.results_freeze_cycle, dispatch_uid="reports.results_freeze_cycle"
        )
