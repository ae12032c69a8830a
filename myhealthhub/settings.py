"""MyHealthHub settings: every value comes from a ``MYHEALTHHUB_*`` variable.

With no variable set at all, MyHealthHub runs on its embedded default: SQLite
and files in ``./var``, secrets generated there on first run. The README's
configuration table lists every variable.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from myhealthhub.documents.backends import storage_from_env
from myhealthhub.lib import keyfiles
from myhealthhub.lib.env import (
    PREFIX,
    ConfigurationError,
    env,
    env_bool,
    env_int,
    env_list,
    env_secret,
)

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env("DATA_DIR", "var")).resolve()

DEBUG = env_bool("DEBUG", False)
# Set when MyHealthHub is reached over HTTPS (directly or through a proxy):
# turns on secure cookies with the __Host- prefix, HSTS and the HTTPS redirect.
HTTPS = env_bool("HTTPS", False)

SECRET_KEY = env_secret("SECRET_KEY") or keyfiles.read_or_create(
    DATA_DIR / "secret_key", keyfiles.new_secret_key()
)
# The master key wraps every stored file's own key (DESIGN.md principle 7).
# It lives outside the database so a database dump alone decrypts nothing.
# Kept in the environment (MYHEALTHHUB_MASTER_KEY[_FILE]) or, by default, in
# the key file below, which `myhealthhub keys rotate` replaces.
MASTER_KEY_FILE = None if env_secret("MASTER_KEY") else DATA_DIR / "master.key"
MASTER_KEY = keyfiles.decode_master_key(
    env_secret("MASTER_KEY")
    or keyfiles.read_or_create(DATA_DIR / "master.key", keyfiles.new_master_key())
)
# While keys are rotated from one environment key to another, the previous
# one still opens the files that are not rewrapped yet.
_previous_master_key = env_secret("MASTER_KEY_PREVIOUS")
MASTER_KEY_PREVIOUS = (
    keyfiles.decode_master_key(_previous_master_key) if _previous_master_key else None
)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The address people reach this instance at, for what is made with no request
# to read it from: a share link made on the command line.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The reverse proxies in front, by address or network ("127.0.0.1", "10.0.0.0/8"):
# a request from one of them comes from the address it forwards, for lockouts,
# rate limits, sessions and the audit log alike (myhealthhub/proxies.py), and
# its X-Forwarded-Proto and host are believed.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
if env("PROXY_COUNT"):
    raise ConfigurationError(
        f"{PREFIX}PROXY_COUNT is no longer read: name the proxies in {PREFIX}TRUSTED_PROXIES "
        "(their addresses), so that a client cannot claim another address."
    )
if TRUSTED_PROXIES or env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

INSTALLED_APPS = [
    "myhealthhub",
    "myhealthhub.accounts",
    "myhealthhub.profiles",
    "myhealthhub.audit",
    "myhealthhub.records",
    "myhealthhub.documents",
    "myhealthhub.search",
    "myhealthhub.summary",
    # Only the migrations that hand its tables to imports and exports.
    "myhealthhub.interop",
    "myhealthhub.imports",
    "myhealthhub.exports",
    "myhealthhub.reconcile",
    "myhealthhub.archive",
    "myhealthhub.sharing",
    "myhealthhub.reminders",
    "myhealthhub.guides",
    "myhealthhub.api",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "csp",
    # Only for the API's docs page: its Swagger UI from the static files, not a CDN.
    "ninja",
]

MIDDLEWARE = [
    # First: whatever keys on the client's address reads it from REMOTE_ADDR.
    "myhealthhub.proxies.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "myhealthhub.accounts.middleware.SessionLimitsMiddleware",
    "myhealthhub.accounts.middleware.AccountLanguageMiddleware",
    "myhealthhub.accounts.middleware.AccountPreferencesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last, so it sees the authentication backend's lockout flag.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "myhealthhub.urls"
WSGI_APPLICATION = "myhealthhub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "myhealthhub.profiles.context_processors.profile_switcher",
                "myhealthhub.records.context_processors.record_kinds",
                "myhealthhub.records.context_processors.record_menu",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL") or env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # psycopg 3's pool, one per worker process; CONN_MAX_AGE must be 0 with it.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DB_POOL_MIN", 1),
            "max_size": env_int("DB_POOL_MAX", 8),
            "timeout": 10,
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "myhealthhub.sqlite3"),
            "OPTIONS": {
                # Writers take the lock at BEGIN, so two concurrent writers queue
                # on the busy timeout instead of failing mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=FULL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
            },
            "TEST": {"NAME": env("TEST_SQLITE_NAME") or None},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared by every worker process: allauth's rate limits and TOTP replay
# protection must hold across gunicorn workers, so no per-process memory.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "myhealthhub_cache",
    }
}

TASKS = {"default": {"BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# How often a running worker looks for what a stopped one left: imports and
# exports said to be in progress, task rows said to be running.
WORKER_RECOVERY_EVERY = timedelta(seconds=env_int("WORKER_RECOVERY_SECONDS", 60))

# --- Accounts ---------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out pair is refused before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "myhealthhub.accounts.adapter.AccountAdapter"
MFA_ADAPTER = "myhealthhub.accounts.adapter.MFAAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
# Sign-up cannot answer "this address is taken" without enumerating accounts,
# so every sign-up is confirmed with a code sent by e-mail, and a known
# address receives a notice instead of a second account.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False
# Password failures are django-axes' (10 in 15 minutes per address and
# e-mail; see AccountAdapter.pre_authenticate). allauth's login_failed limit
# still guards the second factor: 5 wrong codes in 5 minutes per account.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
SIGNUP_OPEN = env_bool("SIGNUP_OPEN", True)

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "MyHealthHub"

AXES_FAILURE_LIMIT = env_int("LOCKOUT_FAILURES", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "myhealthhub.accounts.lockout.username_from_attempt"
AXES_LOCKOUT_CALLABLE = "myhealthhub.accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
# The client's address is in REMOTE_ADDR, put there behind a trusted proxy by
# ClientAddressMiddleware: axes reads nothing else.
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# --- Sessions and cookies ---------------------------------------------------

SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_MAX_HOURS", 12) * 3600
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Messages wait in the session, on the server: in a cookie (Django's default)
# "Successfully signed in as …" would carry the person's e-mail address.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
if HTTPS:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = True
    # The __Host- prefix pins a cookie to this exact host over HTTPS.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # allauth shows the TOTP QR code as a data: image.
        "img-src": [SELF, "data:"],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# --- Languages --------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_TZ = True

# --- Files ------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# `serve` runs collectstatic, so served files get content-hashed names and can
# be cached for a year. Tests and development serve them from the apps.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    # Uploaded documents, sealed before they get here: the data folder's files/
    # by default, or an S3-compatible bucket (MYHEALTHHUB_STORAGE=s3).
    "default": storage_from_env(),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
MEDIA_ROOT = DATA_DIR / "files"
# The largest document one upload may bring; the plan's storage quota applies too.
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_MB", 256) * 1024 * 1024
# The limit is enforced while the upload streams in, before it fills a disk.
FILE_UPLOAD_HANDLERS = [
    "myhealthhub.documents.uploads.SizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "myhealthhub.documents.uploads.PrivateTemporaryFileUploadHandler",
]
# A large upload waits here in plaintext while it arrives: inside the data
# folder, owner only, never the system's /tmp, and swept of what a killed
# process left (documents/spool.py). The folder is made when first needed, so
# a command asked only for its help writes nothing: Django's check that it
# already exists (files.E001) would stop every command before that.
FILE_UPLOAD_TEMP_DIR = str(DATA_DIR / "uploads")
SILENCED_SYSTEM_CHECKS = ["files.E001"]

# --- E-mail -----------------------------------------------------------------

EMAIL_HOST = env("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env("EMAIL_USER")
    EMAIL_HOST_PASSWORD = env_secret("EMAIL_PASSWORD") or ""
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    # The embedded default prints e-mails (sign-up codes, password resets)
    # in the terminal that runs `myhealthhub serve`, each code on a line of its own.
    EMAIL_BACKEND = "myhealthhub.accounts.console_mail.EmailBackend"
DEFAULT_FROM_EMAIL = env("EMAIL_FROM", "MyHealthHub <myhealthhub@localhost>")
# What e-mails call this instance ("Hello from MyHealthHub!", the subject's
# prefix), rather than the host and port a request came to.
SITE_NAME = env("SITE_NAME", "MyHealthHub")
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"{SITE_NAME}: "

# --- API ----------------------------------------------------------------------

# Requests one personal access token may make a minute (api/limits.py).
API_REQUESTS_PER_MINUTE = env_int("API_REQUESTS_PER_MINUTE", 300)

# --- Plans and quotas -------------------------------------------------------

# A plan is a set of limits (None: unlimited) and feature switches. Self-hosted
# MyHealthHub has one plan with everything on; a hosted service defines its own
# in MYHEALTHHUB_PLANS (JSON, same shape) and picks the default for new accounts.
PLANS = {
    "selfhosted": {
        "name": "Self-hosted",
        "limits": {"profiles": None, "storage_bytes": None},
        "features": ["*"],
    }
}
if env("PLANS"):
    import json

    PLANS = json.loads(env("PLANS"))
DEFAULT_PLAN = env("DEFAULT_PLAN", next(iter(PLANS)))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Plain text, or one JSON object a line with MYHEALTHHUB_LOG_FORMAT=json (lib/logs.py).
    "formatters": {"chosen": {"()": "myhealthhub.lib.logs.formatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "chosen"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # WeasyPrint reports each step of every PDF at INFO ("Step 2 - Fetching and parsing CSS").
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
