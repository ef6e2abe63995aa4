"""The one settings module. Everything deployment-specific comes from the environment.

Modes:
- default (local development): SQLite under var/, two-factor required, DEBUG off unless asked.
- HOLDSPACE_DEMO=1: the demo clinic; two-factor is not required so a newcomer can click around.
- HOLDSPACE_PRODUCTION=1: HTTPS-only cookies, HSTS, a secret key and allowed hosts must be given.
"""

from datetime import timedelta
from pathlib import Path

from django.utils.csp import CSP

from holdspace.lib.env import env_bool, env_int, env_list, env_str, parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("HOLDSPACE_VAR_DIR", str(BASE_DIR / "var")))

PRODUCTION = env_bool("HOLDSPACE_PRODUCTION")
DEMO = env_bool("HOLDSPACE_DEMO")
DEBUG = env_bool("HOLDSPACE_DEBUG") and not PRODUCTION

if PRODUCTION:
    SECRET_KEY = env_str("HOLDSPACE_SECRET_KEY")
    ALLOWED_HOSTS = env_list("HOLDSPACE_ALLOWED_HOSTS", [])
else:
    # A fixed key outside production keeps demo sessions valid across restarts; it protects
    # nothing real because production refuses to start without its own key.
    SECRET_KEY = env_str("HOLDSPACE_SECRET_KEY", "insecure-development-key-" + "x" * 40)
    ALLOWED_HOSTS = env_list("HOLDSPACE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

# Two-factor is required for every staff account; only the demo may switch it off.
REQUIRE_TWO_FACTOR = env_bool("HOLDSPACE_REQUIRE_2FA", default=not DEMO) or PRODUCTION
IDLE_TIMEOUT_MINUTES = env_int("HOLDSPACE_IDLE_MINUTES", 15, minimum=1)

# Psychotherapy notes are encrypted at rest with this Fernet key (CLINICAL.md §7). Production
# refuses to start without it; elsewhere (development, demo, tests) an obviously fake demo key is
# used, like the development secret key above. The notes app checks its format at start-up.
if PRODUCTION:
    PSYCHOTHERAPY_NOTE_KEY = env_str("HOLDSPACE_PSYCHOTHERAPY_NOTE_KEY")
else:
    PSYCHOTHERAPY_NOTE_KEY = env_str(
        "HOLDSPACE_PSYCHOTHERAPY_NOTE_KEY", "aG9sZHNwYWNlLURFTU8ta2V5LW5vdC1hLXNlY3JldCE="
    )

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks_db",
    "holdspace.accounts",
    "holdspace.audit",
    "holdspace.clinics",
    "holdspace.patients",
    "holdspace.dosing",
    "holdspace.infusions",
    "holdspace.measures",
    "holdspace.therapy",
    "holdspace.notes",
    "holdspace.goals",
    "holdspace.portal",
    "holdspace.journal",
    "holdspace.interop",
    "holdspace.worklist",
    "holdspace.live",
    "holdspace.operations",
    "holdspace.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "holdspace.audit.middleware.RequestIdMiddleware",
    "holdspace.accounts.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Messages come before the idle check, which tells the person why they were signed out.
    "django.contrib.messages.middleware.MessageMiddleware",
    "holdspace.accounts.middleware.IdleTimeoutMiddleware",
    "holdspace.accounts.middleware.TwoFactorRequiredMiddleware",
    "holdspace.clinics.middleware.CurrentClinicMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes must come last so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "holdspace.urls"
ASGI_APPLICATION = "holdspace.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "holdspace.clinics.context_processors.clinic",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": parse_database_url(DATABASE_URL)}
else:
    # The default database lives in var/, created on first use so a fresh clone just works.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("HOLDSPACE_SQLITE_PATH", str(VAR_DIR / "holdspace.sqlite3")),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of one
                # failing half-way with "database is locked"; the busy timeout bounds the wait.
                "transaction_mode": "IMMEDIATE",
                "timeout": 10,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=FULL;"
                    "PRAGMA busy_timeout=10000;"
                    "PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "holdspace.accounts.hashers.ClinicArgon2Hasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "clinics:home"

# Lockout after repeated failures: five tries, then fifteen minutes (per account and address).
AXES_FAILURE_LIMIT = env_int("HOLDSPACE_LOCKOUT_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("HOLDSPACE_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The sign-in form's field is "username" (holding the email); axes must count failures by it.
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
OTP_TOTP_ISSUER = "holdspace"

# --- Security headers -----------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("HOLDSPACE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Static files, time, mail ---------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

if PRODUCTION:
    # Invitations and patient links go out by SMTP; the host is required, the rest optional.
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("HOLDSPACE_SMTP_HOST", "localhost"),
                "port": env_int("HOLDSPACE_SMTP_PORT", 587, minimum=1),
                "username": env_str("HOLDSPACE_SMTP_USER", ""),
                "password": env_str("HOLDSPACE_SMTP_PASSWORD", ""),
                "use_tls": env_bool("HOLDSPACE_SMTP_TLS", True),
                "timeout": 20,
            },
        }
    }
else:
    # Outside production, mail is printed to the console (the demo shows invitation links).
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env_str("HOLDSPACE_FROM_EMAIL", "holdspace@localhost")
# Single-use patient links (questionnaires by email) expire after this many days; project
# default, no clinical source (holdspace/portal/links.py).
PATIENT_LINK_TTL = timedelta(days=env_int("HOLDSPACE_PATIENT_LINK_DAYS", 7, minimum=1))

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Technical logs never carry patient data: only ids, paths and timings.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("HOLDSPACE_LOG_LEVEL", "INFO")},
    # WeasyPrint and its font machinery log every rendering step at INFO; only problems matter.
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
