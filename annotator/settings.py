"""Settings for the annotator, read from the environment.

Every value a deployment may change comes from an environment variable read by one
of the strict helpers below: a value that cannot be understood stops the start with
ImproperlyConfigured naming the variable, rather than quietly falling back.
"""

import os
import re
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off.")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    items = [item.strip() for item in raw.split(",")]
    if any(not item for item in items) and raw.strip():
        raise ImproperlyConfigured(f"{name}={raw!r} has an empty entry; separate values with single commas.")
    return [item for item in items if item]


def env_int(name: str, default: int, *, low: int = 1, high: int | None = None, what: str = "") -> int:
    """A whole number (digits, optionally grouped with _) from low to high; `what` names it in
    the refusal (e.g. "a port number"). An unset or empty variable gives the default."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    digits = raw.strip()
    if not (digits.isascii() and re.fullmatch(r"-?[0-9][0-9_]*", digits)):
        value = None
    else:
        value = int(digits)
    if value is not None and value >= low and (high is None or value <= high):
        return value
    if what:
        raise ImproperlyConfigured(f"{name}={raw!r} is not {what} from {low} to {high}.")
    if value is None:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.")
    if value < low:
        raise ImproperlyConfigured(f"{name}={raw!r} is less than {low}.")
    raise ImproperlyConfigured(f"{name}={raw!r} is more than {high}.")


# "ada@example.org", or "Ada Lovelace <ada@example.org>" (the name without <, > or a comma).
_ADDRESS = re.compile(r"(?:(?P<name>[^<>]*?)\s*<(?P<bracketed>[^<>]*)>|(?P<bare>[^<>\s]+))")


def _address(entry: str) -> tuple[str, str] | None:
    """(name, address) of one address as people write it in a mail header, or None."""
    match = _ADDRESS.fullmatch(entry.strip())
    if not match:
        return None
    address = match["bracketed"] if match["bare"] is None else match["bare"]
    try:
        validate_email(address)
    except ValidationError:
        return None
    return (match["name"].strip('"') if match["name"] else address, address)


def env_addresses(name: str) -> list[tuple[str, str]]:
    addresses = []
    for entry in env_list(name, []):
        address = _address(entry)
        if address is None:
            raise ImproperlyConfigured(
                f"{name} entry {entry!r} is not an address like ada@example.org or "
                "Ada Lovelace <ada@example.org>; separate addresses with commas."
            )
        addresses.append(address)
    return addresses


def env_origins(name: str) -> list[str]:
    origins = env_list(name, [])
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path not in {"", "/"}:
            raise ImproperlyConfigured(f"{name} entry {origin!r} is not an origin like https://annotator.example.org.")
    return origins


def env_database(name: str, default: str) -> dict:
    url = os.environ.get(name) or default
    scheme = urlsplit(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"{name}={url!r}: only sqlite:///PATH and postgres://USER@HOST:PORT/NAME are supported."
        )
    try:
        config: dict = dict(dj_database_url.parse(url, conn_max_age=0))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={url!r} cannot be read: {exc}") from exc
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name}={url!r} names no database.")
    if config["ENGINE"] == "django.db.backends.postgresql":
        # The suite's PostgreSQL run creates its own test database next to this one.
        config.setdefault("TEST", {})["NAME"] = f"test_{config['NAME']}"
    else:
        # Every transaction takes SQLite's write lock when it begins (BEGIN IMMEDIATE), and
        # waits up to 20 s for it: two saves at once then run one after the other instead of
        # one failing with "database is locked" after both have read (services.check_version).
        config.setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
        # Write-ahead logging: readers never wait for a writer. A background import holds the
        # write lock for its whole transaction (seconds at 100,000 rows), and without WAL its
        # pages spilling to the file would lock every reader out: the page polling its
        # progress, and every login's session with it. (WAL stays set in the file.)
        config["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL"
        # The test database is a file, not Django's shared in-memory one, whose table locks
        # would fail the tests of concurrent saves where a real database file waits.
        config.setdefault("TEST", {}).setdefault(
            "NAME", os.path.join(tempfile.gettempdir(), f"annotator-test-{os.getpid()}.sqlite3")
        )
    return config


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. It signs sessions and CSRF tokens, so the app will not start "
            "without it while DEBUG is off. Set SECRET_KEY in the environment (make run and "
            "make test create one in .secret_key), or set DEBUG=1 for a throwaway development key."
        )
    from django.core.management.utils import get_random_secret_key

    SECRET_KEY = get_random_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_origins("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # django.contrib.admin, with the project's admin site (its password-change page counts wrong
    # current passwords toward the lock-out below).
    "annotator.admin_site.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "import_export",
    # Locks out repeated failed logins (see "Login and sessions" below); its own migrations.
    "axes",
    # Content-Security-Policy header; the app only registers django-csp's settings checks.
    "csp",
    # Background jobs (large CSV imports and exports): django-tasks' API (a backport of Django
    # 6's django.tasks) and its database backend, whose table holds each job's state and result.
    "django_tasks",
    "django_tasks_db",
    # The JSON API (claims/api/), its OpenAPI schema and Swagger UI's files served from here.
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "claims",
]

# Every history is read by its record's key (a claim's, a citation's claim's: see
# claims.selectors.detail), never across records by date: the history_date index
# simple_history adds to each history table would serve no query and slow every write.
SIMPLE_HISTORY_DATE_INDEX = False

MIDDLEWARE = [
    # First, so that every response carries the request's id (see "Errors" below).
    "annotator.request_log.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # (whitenoise comes here once the static files are collected: see STATIC_ROOT below)
    # Compresses pages and CSV downloads for clients that accept gzip, streams included. It
    # comes after whitenoise, whose static files are compressed ahead of time and never pass
    # through it, and before every middleware that reads or writes the body. Safe against
    # BREACH here: see the README's security section.
    "django.middleware.gzip.GZipMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Refuses a request body over MAX_UPLOAD_MB before the CSRF check reads it (see "Uploads").
    "claims.uploads.UploadLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records the logged-in user as the author of history rows written during a request.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes says: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "annotator.urls"

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
            ]
        },
    }
]

WSGI_APPLICATION = "annotator.wsgi.application"

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# The claim list's sort indexes INCLUDE the columns a page reads, for PostgreSQL's index-only
# scans (claims/models.py Claim.Meta); SQLite's index entries already lead to the row, and
# Django would say on every command that SQLite leaves the INCLUDE out.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "claims.User"
# django-axes' backend comes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# `loaddata case-of-military-1937` finds the shipped seed here.
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

STATIC_URL = "static/"
# Where `manage.py collectstatic` puts the static files and whitenoise serves them from.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
# collectstatic also writes a gzip copy of each file, which whitenoise sends to clients that
# accept it. Not the Manifest variant (hashed names, cached forever): its {% static %} fails
# on any page until collectstatic has run, and the suite and `make run` render pages without it.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# whitenoise serves the collected files from the app itself, before sessions or the database
# are touched (right after SecurityMiddleware, as whitenoise says). It reads STATIC_ROOT once,
# when the process starts, so it is added only when collectstatic has made it: before that
# (the suite, `make run`) it would serve nothing and warn "No directory at" for every test
# client; `make run` (DEBUG) and the tests' live server serve the static files themselves.
if STATIC_ROOT.is_dir():
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

# --- Login and sessions -------------------------------------------------------------------
#
# Five failed logins for one username from one address lock that username out from that
# address for 15 minutes (the site's login and the admin's alike: both go through
# authenticate()). Another address, or another username, is not affected. An attempt while
# locked out, even with the right password, is refused and starts the 15 minutes again, so
# the lockout page can say when to try again. A successful login clears the failures.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# A wrong current password on a password-change page counts as a failed login too
# (claims.passwords); axes keeps the POST of each failure for the admin, with these masked.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "old_password", "new_password1", "new_password2"]
# The address is REMOTE_ADDR. Behind a reverse proxy that is the proxy's own address unless
# the server in front of Django puts the client's there; if not, the lock-out applies to the
# username from every address.

# Cookies: never readable from JavaScript (no script here reads csrftoken), and sent only
# over https unless DEBUG is on (`make run` serves plain http on 127.0.0.1).
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG

# https only, when DEBUG is off: plain http is redirected and browsers are told (HSTS) to
# use https for a year, subdomains included. SECURE_SSL_REDIRECT=0 turns the redirect off
# for a deployment whose proxy already redirects (the test suite sets it too: Django's test
# client and live server speak plain http; see pytest.ini). TRUST_X_FORWARDED_PROTO=1 makes
# Django trust a proxy's `X-Forwarded-Proto: https`; only set it when the proxy always sets
# or strips that header, or anyone could claim https.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 0 if DEBUG else 365 * 24 * 60 * 60
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# Marks the site as eligible for browsers' HSTS preload lists; being listed still takes a
# submission by the domain's owner.
SECURE_HSTS_PRELOAD = not DEBUG

# Response headers on every page.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere: scripts and stylesheets are static files of this site,
# the Django admin's included (the browser tests run under this policy). Pages may not be
# framed, forms post only to this site, and no plugin or <base> may change where things load.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- Errors -------------------------------------------------------------------------------
#
# Every 500 (Django's loggers) and every refused upload (the claims.uploads logger), and any
# other warning, is one line on stderr: time, level, logger, path, user id, request id,
# message, with a traceback's line breaks written as \n (annotator.request_log). The request
# id is in each response's X-Request-ID header and on the 500 page. Answers 4xx are the
# visitor's mistakes and are not written. With ADMINS set, every 500 is also mailed to them,
# from SERVER_EMAIL through the mail server below.
ADMINS = env_addresses("ADMINS")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", "")
if ADMINS and not SERVER_EMAIL:
    raise ImproperlyConfigured(
        "SERVER_EMAIL is not set: with ADMINS set, error mails need an address to come "
        "from, like annotator@example.org."
    )
if SERVER_EMAIL and _address(SERVER_EMAIL) is None:
    raise ImproperlyConfigured(
        f"SERVER_EMAIL={SERVER_EMAIL!r} is not an address like annotator@example.org or "
        "Annotator <annotator@example.org>."
    )
SERVER_EMAIL = SERVER_EMAIL or "root@localhost"  # Django's default; unused without ADMINS
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, low=1, high=65535, what="a port number")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# The mail is sent while the 500 is answered: a mail server that does not answer may delay
# that answer by this long, not by the default of forever.
EMAIL_TIMEOUT = 10

LOGGING = {
    "version": 1,
    # Django's and the libraries' loggers keep working (runserver's request lines among them).
    "disable_existing_loggers": False,
    "filters": {
        "request_fields": {"()": "annotator.request_log.RequestFields"},
        "client_errors_out": {"()": "annotator.request_log.ClientErrorsOut"},
    },
    "formatters": {
        "one_line": {
            "class": "annotator.request_log.OneLineFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s path=%(path)s user=%(user_id)s "
            "request_id=%(request_id)s %(message)s",
            "datefmt": "%Y-%m-%dT%H:%M:%SZ",
        }
    },
    "handlers": {
        "stderr": {
            "class": "annotator.request_log.StderrHandler",
            "filters": ["request_fields", "client_errors_out"],
            "formatter": "one_line",
        },
        "mail_admins": {"class": "django.utils.log.AdminEmailHandler", "level": "ERROR"},
    },
    "loggers": {
        # Instead of Django's defaults, which mail ADMINS every error of any django logger.
        # django.request writes a 4xx as a warning and a 500 as an error.
        "django": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
        "claims.uploads": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        **({"django.request": {"handlers": ["mail_admins"]}} if ADMINS else {}),
    },
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}

# --- Uploads and CSV limits -----------------------------------------------------------------
#
# A request body over MAX_UPLOAD_MB is refused (413) from its Content-Length, before any of it
# is read (claims.uploads.UploadLimitMiddleware); a body that turns out longer than it said is
# stopped while it streams (LimitedUploadHandler, first of the handlers). Form fields other
# than files may take DATA_UPLOAD_MAX_MEMORY_SIZE: a pasted statement of a megabyte of
# Cyrillic is 6 MB once URL-encoded. An uploaded file over FILE_UPLOAD_MAX_MEMORY_SIZE is
# spooled to a temporary file (mode 0600) instead of memory while the body is parsed.
MAX_UPLOAD_MB = env_int("MAX_UPLOAD_MB", 50)
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # (Django's default, said here on purpose)
FILE_UPLOAD_HANDLERS = [
    "claims.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Uploads waiting between an import's preview and its confirm, the admin's included (its
# temporary storage): a folder only the server's account may enter (0700), files 0600.
PENDING_UPLOADS_DIR = Path(os.environ.get("PENDING_UPLOADS_DIR") or BASE_DIR / "var" / "uploads")
IMPORT_EXPORT_TMP_STORAGE_CLASS = "claims.uploads.PendingUploadStorage"
# What one CSV file may hold (claims/csv/reading.py): beyond it the import is refused with
# the limit named. The bench imports 100,000 rows; README promises cells of megabytes.
CSV_MAX_ROWS = env_int("CSV_MAX_ROWS", 200_000)
CSV_MAX_COLUMNS = env_int("CSV_MAX_COLUMNS", 100)
CSV_MAX_CELL_BYTES = env_int("CSV_MAX_CELL_BYTES", 10 * 1024 * 1024)

# --- Background jobs ------------------------------------------------------------------------
#
# A CSV import of more than CSV_BACKGROUND_ROWS rows (its check and its write) and an export
# of more claims than that run in a worker (`manage.py db_worker`; `make run` starts one beside
# the web server) instead of the request: django-tasks with its database backend, so the
# jobs wait in this project's own database and need no other server. Each job's progress and
# exported file live in a private folder (JOBS_DIR/<job id>/, 0700, files 0600); a job and its
# folder are deleted JOBS_KEEP_DAYS days after it finished (`manage.py clean_jobs`, which
# `make run` runs, and each new job sweeps).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CSV_BACKGROUND_ROWS = env_int("CSV_BACKGROUND_ROWS", 10_000)
JOBS_DIR = Path(os.environ.get("JOBS_DIR") or BASE_DIR / "var" / "jobs")
JOBS_KEEP_DAYS = env_int("JOBS_KEEP_DAYS", 7)


# --- The JSON API (claims/api/, issue 16) -----------------------------------------------
# Personal tokens for scripts, the session for the browser (with its CSRF check). Every
# endpoint needs a logged-in user; what each may write is decided by the services.
# Throttles count per user (or per address before login) in the process's cache.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "claims.api.auth.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Logged in (else 401 with the Bearer challenge), then a role that may read, as every page
    # asks (claims.views.access.reader_required; else 403).
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated", "claims.api.permissions.Reader"],
    # JSON only. DRF's browsable pages have inline style (the CSP refuses it) and forms whose
    # menus list every claim, source and person (docs/design.md: no form does); the browsable
    # page is Swagger UI's, at /api/docs/.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "claims.api.paging.Cursor",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["claims.api.throttles.AnonThrottle", "claims.api.throttles.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": f"{env_int('API_THROTTLE_ANON_PER_MINUTE', 30)}/minute",
        "user": f"{env_int('API_THROTTLE_USER_PER_MINUTE', 600)}/minute",
    },
    "EXCEPTION_HANDLER": "claims.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Source-criticism annotator API",
    "DESCRIPTION": "Claims, sources, citations, grades, annotations and disputes (docs/api.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs page need a login like every page (drf-spectacular serves them to anyone by default).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The grading scales are fields named "grade", two models have a "kind": each its own enum name.
    "ENUM_NAME_OVERRIDES": {
        "ReliabilityEnum": "claims.grading.Reliability",
        "CredibilityEnum": "claims.grading.Credibility",
        "ConsistencyEnum": "claims.grading.Consistency",
        "ClaimKindEnum": "claims.models.ClaimKind",
        "SourceKindEnum": "claims.models.SourceKind",
        "ClaimStatusEnum": "claims.models.ClaimStatus",
        "CitationStanceEnum": "claims.models.CitationStance",
    },
    # A record's links are keys when written and keys with URLs when read: each way its own component.
    "COMPONENT_SPLIT_REQUEST": True,
}
# The throttles' counts (claims/api/throttles.py), in a cache of their own.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "api_throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api-throttle"},
}
