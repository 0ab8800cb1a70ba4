"""Settings for bench/bench_survey.py's gunicorn: the project's, plus a bench-only URLconf.

Everything else (database, cache, broker, middleware) is exactly what production runs, so
the survey and the bare baseline view are measured under the same server settings.
"""

from config.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "bench-only-not-a-secret"
ROOT_URLCONF = "bench.urls"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
