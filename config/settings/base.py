"""Settings shared by every environment.

The environment is read here, once, through one django-environ ``env``; the
local, test and production modules only change defaults and add hardening.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# None here: each environment module decides whether a default is acceptable.
SECRET_KEY = env("SECRET_KEY", default=None)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
# The base of every link in emails. Unset, it follows PORT (`make run PORT=8001` passes
# it), so the links printed and emailed by a development server on another port work.
SITE_URL = env("SITE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}").rstrip("/")

# Unset DATABASE_URL means the embedded default: a SQLite file in the checkout.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# A new connection per request by default; BENCHMARKS.md and docs/decisions.md weigh this
# against persistent connections (CONN_MAX_AGE=60).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django keeps the connection in UTC (USE_TZ). Asking for it at connect time saves the
    # SET TIME ZONE it sends on every new connection when the server spells its default
    # differently (Etc/UTC): one round trip per request.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c timezone=UTC"
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default has two writers in one process: the request being served and
    # the in-process task thread (TASKS_IN_BACKGROUND_THREAD). Taking the write lock when
    # a transaction starts, and waiting for it, avoids "database is locked" when both
    # write at once; WAL lets pages read while a task writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;",
        }
    )


def database_pool(max_size: int) -> None:
    """Give each process a pool of at most ``max_size`` PostgreSQL connections (Django's
    psycopg pool), or none with 0.

    A pool removes the connect cost from every request while bounding connections per process, which persistent connections
    (CONN_MAX_AGE) do not: a busy gunicorn thread would hold one each. Sizing against
    PostgreSQL's max_connections is in docs/decisions.md. Django refuses a pool with
    persistent connections, so the pool turns CONN_MAX_AGE off.
    """
    default = DATABASES["default"]
    if max_size <= 0 or default["ENGINE"] != "django.db.backends.postgresql":
        default.get("OPTIONS", {}).pop("pool", None)
        return
    default["CONN_MAX_AGE"] = 0
    default.setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": max_size,
        # A request that waits longer than this for a connection fails rather than
        # queueing for ever behind stuck ones.
        "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
        # Connections idle this long are closed, down to min_size.
        "max_idle": 300,
    }


# 0 (no pool) unless set; production defaults to a pool (config/settings/production.py).
database_pool(env.int("DB_POOL_MAX_SIZE", default=0))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    # First of all apps with commands: its runserver (staticfiles' own, plus printing the
    # demo logins once the server is up) must win over staticfiles' runserver.
    "core",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "csp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_ratelimit",
    # A second factor (TOTP apps, printed recovery codes) for HR and staff (issue 17).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "feedback",
    "development",
    "reports",
    "exports",
    "privacy",
    "demo",
    "scim",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before common (Django's order): picks the page's language from the
    # language cookie, then Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    # Then a signed-in person's own language (Person.language, kept in the session from
    # sign-in or the language page) wins, and is mirrored into the cookie (docs/i18n.md).
    "accounts.languages.PersonLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # request.user.otp_device: the factor this session was verified with, if any.
    "django_otp.middleware.OTPMiddleware",
    # After it (and messages, to say why): signs out a session whose factor changed or
    # whose HR user sat idle, and sends an HR session without a verified factor to the
    # second-factor page.
    "accounts.sessions.SessionRulesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a sign-in it refused into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
# A refused form gets the site's own page with what to do (core.views.csrf_failure).
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
                "accounts.oidc.sign_in_options",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Password-set links in invitation emails stay valid for a week.
PASSWORD_RESET_TIMEOUT = 7 * 24 * 3600

LANGUAGE_CODE = "en-gb"
# The shipped languages (docs/i18n.md). English is the source; the others must be complete:
# CI fails on a missing or fuzzy entry (.ci/check_translations.py).
LANGUAGES = [
    ("en-gb", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our own date formats where Django's do not read as the pages always have (config/formats/).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")

# Uploads: an import file of 10,000 people is about 1 MB; refuse anything far larger.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
PEOPLE_IMPORT_MAX_BYTES = env.int("PEOPLE_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)

# Response quality (issue 16): a statement that at least this percentage of a cycle's
# answers left as "can't say" is flagged for review in the next questionnaire version.
QUESTIONNAIRE_REVIEW_CANT_SAY_PERCENT = env.int("QUESTIONNAIRE_REVIEW_CANT_SAY_PERCENT", default=30)

# Mail: EMAIL_HOST set means real SMTP; unset keeps every message in a local
# outbox folder that the DEBUG-only page /dev/outbox/ lists.
EMAIL_HOST = env("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Feedback 360 <feedback@localhost>")
# A failed send is retried after about this many seconds, doubling each time (to 15 min).
EMAIL_RETRY_BACKOFF_SECONDS = env.int("EMAIL_RETRY_BACKOFF_SECONDS", default=30)
OUTBOX_DIR = env.path("OUTBOX_DIR", default=BASE_DIR / "var" / "outbox")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "core.mail.OutboxEmailBackend"

# Celery: with no broker configured, tasks run in-process (eagerly) so the
# platform works with nothing but Python installed.
_broker_from_env = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not _broker_from_env
# ... and, unless switched off, on one thread of the process rather than inside the page
# that queued them, so no page waits for the length of a task (core/background.py).
TASKS_IN_BACKGROUND_THREAD = env.bool("TASKS_IN_BACKGROUND_THREAD", default=True)
CELERY_BROKER_URL = _broker_from_env or "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 3,
    "socket_timeout": 5,
    # A task taken by a worker that died is handed to another after this many seconds
    # (acks_late). Must exceed the longest countdown a task is queued with.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
}
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TIMEZONE = TIME_ZONE

# Cache: shared Redis when one is configured (CACHE_URL, else the broker's Redis), so every
# gunicorn worker and host sees the same counters; per-process memory otherwise.
_cache_url = env("CACHE_URL", default="")
if not _cache_url and _broker_from_env.startswith(("redis://", "rediss://")):
    _cache_url = _broker_from_env
if _cache_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
            "KEY_PREFIX": "feedback360",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Survey links: past this many unknown tokens from one client within the window, every
# survey request from that client answers 429 until the window ends.
SURVEY_GUESS_LIMIT = env.int("SURVEY_GUESS_LIMIT", default=20)
SURVEY_GUESS_WINDOW_SECONDS = env.int("SURVEY_GUESS_WINDOW_SECONDS", default=600)
# Behind N reverse proxies the client is the Nth address from the right of X-Forwarded-For;
# 0 trusts no header and counts REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes a missing login a 401, not a 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON that nests too deep, repeats a key or holds NaN, NUL or a lone surrogate is a
    # 400 before any view sees it (core/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Feedback 360 API",
    "DESCRIPTION": "Leadership-versus-management 360-degree feedback: people, cycles, "
    "surveys and gap analyses. See CONTRACT.md for the public contract.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Served from the sidecar package: the docs page works with no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Survey tokens are masked in every log record and error report (core/logs.py): on the
# loggers that write request paths, so every handler sees the masked record, and on every
# handler, for records from anywhere else. The "django" and "django.server" loggers are
# configured here in full, so none of Django's default handlers writes unmasked.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "survey_tokens": {"()": "core.logs.SurveyTokenFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["survey_tokens"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["survey_tokens"],
        },
        "mail_admins": {
            "level": "ERROR",
            "class": "django.utils.log.AdminEmailHandler",
            "filters": ["require_debug_false", "survey_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.request": {"filters": ["survey_tokens"]},
        "django.security": {"filters": ["survey_tokens"]},
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["survey_tokens"],
        },
        # WeasyPrint and fontTools log every layout step at INFO: noise for each PDF exported.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # django-axes: INFO narrates every sign-in; failures and lockouts are WARNING.
        "axes": {"level": "WARNING"},
    },
}
# Error emails (ADMINS, when set) and DEBUG's error page: the report masks survey tokens
# in the URL, the request's headers and the frames' variables.
DEFAULT_EXCEPTION_REPORTER = "core.error_reports.SurveyTokenMaskingReporter"
ADMINS = [(email, email) for email in env.list("ADMINS", default=[])]
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# Sign-ins: django-axes refuses an account, and a client, after AXES_FAILURE_LIMIT failed
# sign-ins within AXES_COOLOFF_TIME (accounts/throttle.py; docs/decisions.md, "Logins").
# Its backend comes first so a locked sign-in is refused before any password is checked,
# the right one included.
#
# Single sign-on (OpenID Connect, accounts/oidc.py; README "Single sign-on"): on when
# OIDC_RP_CLIENT_ID is set. Passwords can be switched off (PASSWORD_LOGIN=false): the
# password backend is then not installed, so the login page, the admin and the token API
# all refuse passwords.
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID", default="")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
PASSWORD_LOGIN = env.bool("PASSWORD_LOGIN", default=True)
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend"]
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("accounts.oidc.DirectoryOIDCBackend")
if PASSWORD_LOGIN:
    AUTHENTICATION_BACKENDS.append("accounts.backends.EmailCaseInsensitiveBackend")
OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET", default="")
# Tokens must come from this issuer (the "iss" claim); the endpoints are the provider's.
OIDC_OP_ISSUER = env("OIDC_OP_ISSUER", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env("OIDC_RP_SCOPES", default="openid email profile")
OIDC_USE_PKCE = env.bool("OIDC_USE_PKCE", default=True)
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=10)
# The button's words on the login page ("Sign in with Okta").
OIDC_PROVIDER_NAME = env("OIDC_PROVIDER_NAME", default="single sign-on")
# The claim holding the email matched to the directory (Entra ID: preferred_username or
# email, see README).
OIDC_EMAIL_CLAIM = env("OIDC_EMAIL_CLAIM", default="email")
# An email not in the people directory is refused ("refuse"), or becomes a new person
# with a login ("create").
OIDC_UNKNOWN_EMAIL = env("OIDC_UNKNOWN_EMAIL", default="refuse")
# HR from the provider: when OIDC_HR_CLAIM is set (e.g. "groups" or "roles"), a sign-in
# whose claim holds OIDC_HR_CLAIM_VALUE joins the HR group and one without it leaves it.
OIDC_HR_CLAIM = env("OIDC_HR_CLAIM", default="")
OIDC_HR_CLAIM_VALUE = env("OIDC_HR_CLAIM_VALUE", default="HR")
# A provider that says it asked for a second factor ("mfa" in the "amr" claim) counts as
# the HR second factor; off, HR signing in through it also enters a code here.
OIDC_TRUST_PROVIDER_MFA = env.bool("OIDC_TRUST_PROVIDER_MFA", default=True)
# mozilla-django-oidc's callback (a refused sign-in gets a page saying why, not its redirect).
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"

# Second factor (django-otp): HR sessions must be verified with one (a TOTP app or a
# recovery code) before any page when this is on (on in production).
HR_REQUIRE_2FA = env.bool("HR_REQUIRE_2FA", default=False)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Feedback 360")
# HR sessions end after this many minutes without a request (0: never).
HR_IDLE_TIMEOUT_MINUTES = env.int("HR_IDLE_TIMEOUT_MINUTES", default=30)
# Failures are rows in the database: shared by every worker and host, and `make run`
# (SQLite, no Redis) works unchanged.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
# Either one at the limit locks: an account guessed from many clients, a client
# guessing many accounts.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Usernames are emails compared case-insensitively, like the login backend; the client is
# the address the survey-link throttle counts (TRUSTED_PROXY_COUNT).
AXES_USERNAME_CALLABLE = "accounts.throttle.login_username"
AXES_CLIENT_IP_CALLABLE = "accounts.throttle.login_client"
AXES_LOCKOUT_CALLABLE = "accounts.throttle.lockout_response"
# The wait shown is the wait: trying again during a lockout does not restart it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success does not wipe the client's failures: one valid login would otherwise let a
# client guess other accounts' passwords without end.
AXES_RESET_ON_SUCCESS = False
# Successful sign-ins are not logged (personal data nobody reads); failures expire.
AXES_DISABLE_ACCESS_LOG = True

# Password resets: at most this many emails per address and per client (django-ratelimit,
# in the cache above); past that the page answers as if one was sent.
PASSWORD_RESET_RATE_PER_ADDRESS = env("PASSWORD_RESET_RATE_PER_ADDRESS", default="3/h")
PASSWORD_RESET_RATE_PER_CLIENT = env("PASSWORD_RESET_RATE_PER_CLIENT", default="20/h")
# A subject's own report as a PDF is rendered on request (about a second of CPU): at most
# this many per person, so a loop of clicks cannot tie up the web workers.
REPORT_PDF_RATE_PER_PERSON = env("REPORT_PDF_RATE_PER_PERSON", default="20/h")
# django-ratelimit lists Django's own Redis cache as "not officially supported" (W001);
# its INCR is atomic, which is what counting needs. Per-process memory is refused (E003)
# because gunicorn workers would each count apart; the embedded default (`make run`) is
# one process, and production has Redis (docker-compose.yml).
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if not _cache_url:
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")

# Gap analyses: a submission queues a recompute this many seconds later, so a burst of
# submissions for one subject becomes one run. The sweep catches anything missed
# (for instance while the broker was down).
GAP_ANALYSIS_COALESCE_SECONDS = env.int("GAP_ANALYSIS_COALESCE_SECONDS", default=5)
# A closing cycle's recompute is split into chunks of this many subjects, one task each,
# so every worker process takes a share (issue 19); each chunk is one transaction.
CYCLE_RECOMPUTE_CHUNK = env.int("CYCLE_RECOMPUTE_CHUNK", default=1000)
# Reminders: raters who have neither submitted nor declined get one email on each of these
# days before their cycle closes. Beat looks hourly; each rater gets at most one a day.
# Nomination approval: a rater outside the people directory needs approval by someone other
# than the requester before any link is sent, unless their address is at one of these
# domains (exact match, case-insensitive). Empty: only directory people skip approval.
ALLOWED_RATER_DOMAINS = [
    domain.strip().lower().lstrip("@")
    for domain in env.list("ALLOWED_RATER_DOMAINS", default=[])
    if domain.strip()
]
REMINDER_DAYS_BEFORE_CLOSE = env.list("REMINDER_DAYS_BEFORE_CLOSE", cast=int, default=[7, 2, 1])
# Development plans: an action not done gets one check-in email when it is due within this
# many days (or overdue), once per due date; beat looks hourly.
PLAN_CHECKIN_DAYS_BEFORE = env.int("PLAN_CHECKIN_DAYS_BEFORE", default=3)
CELERY_BEAT_SCHEDULE = {
    "sweep-stale-results": {
        "task": "reports.tasks.sweep_stale_results",
        "schedule": env.int("GAP_ANALYSIS_SWEEP_SECONDS", default=300),
    },
    "send-reminders": {
        "task": "feedback.tasks.send_reminders",
        "schedule": env.int("REMINDER_SWEEP_SECONDS", default=3600),
    },
    "send-plan-checkins": {
        "task": "development.tasks.send_checkins",
        "schedule": env.int("PLAN_CHECKIN_SWEEP_SECONDS", default=3600),
    },
    "purge-expired-exports": {
        "task": "reports.tasks.purge_expired_exports",
        "schedule": env.int("EXPORT_PURGE_SECONDS", default=3600),
    },
}

# Content security policy: everything from this origin, no inline script anywhere.
# Inline style *attributes* stay allowed: heatmap cells and meters carry their colour
# and width that way, and an attribute cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Privacy: raw answers of a released cycle may be purged (figures kept) this many days
# after its release.
ANSWER_RETENTION_DAYS = env.int("ANSWER_RETENTION_DAYS", default=365)
# A person's own data export: the emailed download link works this many days.
PERSON_EXPORT_LINK_DAYS = env.int("PERSON_EXPORT_LINK_DAYS", default=3)

# Exported files (reports HR downloads) are kept this many days, then deleted.
EXPORT_RETENTION_DAYS = env.int("EXPORT_RETENTION_DAYS", default=7)
# A bundle of individual PDFs is rendered in parts of at most this many PDFs, one task
# each, so that more worker processes build it faster.
EXPORT_BUNDLE_PART_SIZE = env.int("EXPORT_BUNDLE_PART_SIZE", default=25)
# What typesets the PDFs (issue 19): "typst" (tens of milliseconds a report, translated) or
# "weasyprint" (the earlier HTML layout, about 0.75 s a report, English words), kept for
# the benchmark that compares them (bench/bench_pdf.py).
PDF_RENDERER = env.str("PDF_RENDERER", default="typst")
if PDF_RENDERER not in ("typst", "weasyprint"):
    raise ImproperlyConfigured("PDF_RENDERER must be typst or weasyprint.")
