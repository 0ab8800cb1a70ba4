import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from core import background

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

application = get_wsgi_application()

# A process serving pages without a broker runs tasks on a thread of its own, not inside
# the page that queued them (runserver loads this module too). See core/background.py.
if settings.CELERY_TASK_ALWAYS_EAGER and settings.TASKS_IN_BACKGROUND_THREAD:
    background.enable()
