import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("feedback360")
# Every CELERY_* Django setting configures Celery; the environment is read only in settings.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
