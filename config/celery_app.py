import os

from celery import Celery, Task

from core import background

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


class AppTask(Task):
    """Every task of the platform. Without a broker (eager mode), in a process serving
    pages, queueing hands the task to a thread of this process instead of running it
    inside the page: see core/background.py."""

    def apply_async(self, args=None, kwargs=None, **options):
        if self.app.conf.task_always_eager and background.enabled():
            background.submit(self.name, super().apply_async, args, kwargs, **options)
            return None
        return super().apply_async(args, kwargs, **options)


app = Celery("feedback360", task_cls=AppTask)
# Every CELERY_* Django setting configures Celery; the environment is read only in settings.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
