"""Settings shared by every environment.

Every value that differs between machines is read here, once, from the environment
(or from a `.env` file beside manage.py) through django-environ. `.env.example` documents
each variable. The leaf modules (local, test, production) only choose defaults.
"""

from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")


def stop_start_up(message: str) -> None:
    """Stop start-up with one line that tells the operator what to set."""
    raise SystemExit(f"Configuration error: {message}")


DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        stop_start_up("set DJANGO_SECRET_KEY (it is required when DJANGO_DEBUG is off).")
    SECRET_KEY = "insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    if not DEBUG:
        stop_start_up("set DJANGO_ALLOWED_HOSTS (it is required when DJANGO_DEBUG is off).")
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Applications -----------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "django_htmx",
    "django_countries",
    "django_ratelimit",
    "auditlog",
    "axes",
    "csp",
    # The ground floor: shared infrastructure the apps stand on (imports none of them).
    "core",
    # Sign-up, log-in, e-mail confirmation, password reset and two-step log-in (TOTP).
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "courses",
    "quizzes",
    "certificates",
    # Deliveries of credit to ACCME PARS and NABP CPE Monitor (above certificates).
    "reporting",
    # Demonstration content (manage.py load_demo_content); the top floor, no app imports it.
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early, so that every response carries the policy, the 400 below included.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the request: a NUL or other control character in the URL, a
    # query parameter, a form field, a file name or a header gets the 400 page.
    "core.middleware.RejectControlCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Times and dates in the learner's own time zone (docs/decisions/0005).
    "accounts.timezones.LearnerTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Staff (authors, administrators) set up an authenticator app before anything else.
    "accounts.middleware.StaffTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # django-auditlog's, recording the client's address (core.client_ip), not a forged one.
    "core.middleware.AuditlogMiddleware",
    # Last, as django-axes asks: it turns a locked-out log-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cme_site.urls"
WSGI_APPLICATION = "cme_site.wsgi.application"

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
                "accounts.context_processors.roles",
                "core.context_processors.site",
            ],
        },
    },
    {
        # Plain text (e-mail subjects and bodies): the same templates folders, no HTML
        # escaping. Used only through core.plaintext.render_plain_text.
        "NAME": "plaintext",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]

# Data -------------------------------------------------------------------------

# Embedded default: an SQLite file under var/. DATABASE_URL=postgres://... switches to
# PostgreSQL through psycopg 3.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Django's database sessions, the current one read with a precompiled statement (every
# signed-in request reads it; the ORM query cost five times the CPU). Still in the
# database: log-out, a password change and clearsessions end a session at once.
SESSION_ENGINE = "core.sessions"
AUTHENTICATION_BACKENDS = [
    # First: refuses log-ins for a while after repeated failures (django-axes).
    "axes.backends.AxesStandaloneBackend",
    # django-allauth's backend (log-in by e-mail address in any case), with a user's
    # permissions read in one query (every page asks).
    "accounts.backends.ModelBackendOneQuery",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "courses:catalog"
LOGOUT_REDIRECT_URL = "courses:catalog"

# Accounts (django-allauth): the e-mail address is the log-in, unique whatever its case, and
# confirmed before the first log-in. Sign-up answers the same whether or not the address has
# an account (the owner is e-mailed instead).
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "accounts.forms.SignUpForm", "login": "accounts.forms.LogInForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # a button, so that mail scanners cannot confirm
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SESSION_REMEMBER = True  # as before: the session outlives the browser
ACCOUNT_LOGOUT_REDIRECT_URL = LOGOUT_REDIRECT_URL
ACCOUNT_SIGNUP_REDIRECT_URL = "accounts:profile"
ACCOUNT_EMAIL_NOTIFICATIONS = True  # password or authenticator changed: the owner is told
ACCOUNT_RATE_LIMITS = {
    "signup": "10/h/ip",
    "reset_password": "5/h/ip",
    # Repeated failed log-ins are django-axes' job (per account and client, AXES_* below);
    # allauth's own counter would lock an account for everyone.
    "login_failed": None,
}
# Two-step log-in: an authenticator app (TOTP), with recovery codes as the fallback.
MFA_ADAPTER = "accounts.adapter.TwoFactorAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# The app's previous and next codes are taken too (30 s either way, RFC 6238), so a code
# typed as it changes, or from a phone whose clock is a little off, still works. Each code
# is accepted once.
MFA_TOTP_TOLERANCE = 1

# New and changed passwords are stored with the first; the others still check (and, at the
# next log-in, upgrade) passwords stored before (docs/decisions/0004-argon2id-passwords.md).
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Security -----------------------------------------------------------------------

# Log-in brute force: after 5 failures for one account from one address, that pair is
# locked out for 15 minutes (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# The log-in form posts the e-mail address as "login" (allauth); the account is the address
# in lower case, whatever the form or backend called it.
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
# The lock-out page says how long the pause lasts and offers the password reset; a completed
# reset lifts the account's lock-outs (core.lockouts).
AXES_LOCKOUT_CALLABLE = "core.lockouts.lockout_response"

# The client's address behind a reverse proxy (core.client_ip; docs/deployment.md). Off by
# default: X-Forwarded-For is ignored and REMOTE_ADDR is the client. Lock-outs (django-axes),
# rate limits (django-ratelimit, django-allauth) all count by this address.
CME_TRUSTED_PROXY_COUNT = env.int("CME_TRUSTED_PROXY_COUNT", default=0)
CME_TRUSTED_PROXIES = env.list("CME_TRUSTED_PROXIES", default=[])
if CME_TRUSTED_PROXY_COUNT < 0:
    stop_start_up("CME_TRUSTED_PROXY_COUNT is the number of proxies in front of the site (0 up).")
for _proxy in CME_TRUSTED_PROXIES:
    try:
        ip_network(_proxy.strip(), strict=False)
    except ValueError:
        stop_start_up(f"CME_TRUSTED_PROXIES: {_proxy!r} is not an IP address or network.")
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
RATELIMIT_IP_META_KEY = "core.client_ip.client_ip"
ALLAUTH_TRUSTED_PROXY_COUNT = CME_TRUSTED_PROXY_COUNT

# Content-Security-Policy (django-csp): scripts, styles, images and forms from this site
# only; no inline scripts, no plugins, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Files ------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES = {
    # Certificates, exports, registry batches and results files (everything a worker writes
    # for the web to serve) go through this storage: the local MEDIA_ROOT folder by default,
    # an S3-compatible object store when AWS_STORAGE_BUCKET_NAME is set (below).
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# S3-compatible object store (django-storages, boto3): AWS S3, SeaweedFS, MinIO, Ceph. Needed
# as soon as the web processes and the workers do not share one disk (docs/deployment.md).
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            # Empty: AWS itself; else the store's address, e.g. http://127.0.0.1:8333.
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            # Empty keys: boto3 looks for credentials itself (instance role, ~/.aws).
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            # "path" for stores without a DNS name per bucket (SeaweedFS, MinIO on one host).
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
            "signature_version": "s3v4",
            # Objects are private; the site hands them out itself or through signed URLs.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env.int("CME_DOWNLOAD_URL_SECONDS", default=300),
            # As on the local disk: a name already taken gets a suffix, never overwritten.
            "file_overwrite": False,
        },
    }
# Downloads of stored files (certificates, exports): False streams the file from the
# storage through the web process; True redirects to a signed URL of the object store,
# valid CME_DOWNLOAD_URL_SECONDS (only with AWS_STORAGE_BUCKET_NAME; ignored on a local disk).
CME_DOWNLOAD_REDIRECT = env.bool("CME_DOWNLOAD_REDIRECT", default=False)

# Cache ------------------------------------------------------------------------

# Shared by all web processes: rate-limit counters live here. It fails open: with Redis
# down, log-in, sign-up and verification go on uncounted (core.cache).
CACHES = {
    "default": {
        "BACKEND": "core.cache.FailOpenRedisCache",
        "LOCATION": env.str("CACHE_URL", default="redis://127.0.0.1:6379/1"),
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}
# django-ratelimit only lists django-redis as supported; Django's own RedisCache has the
# atomic increment it needs.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]

# Internationalisation ---------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# E-mail -----------------------------------------------------------------------

# Embedded default: e-mails are printed on the console.
# devmail:// (bin/run): a one-line summary per message on the console, the messages and
# their attachments saved under var/mail/ (core.mail.DevelopmentEmailBackend).
environ.Env.EMAIL_SCHEMES["devmail"] = "core.mail.DevelopmentEmailBackend"
EMAIL_FILE_PATH = BASE_DIR / "var" / "mail"
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CME Platform <cme@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery -----------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fix-up closes the database connection before and after every task unless
# CELERY_DB_REUSE_MAX is set (then it closes it every that many tasks). With it set, a worker
# keeps its connection as a web process does: cme_site.celery closes it around each task when
# Django would at a request (past CONN_MAX_AGE, in error, or failing CONN_HEALTH_CHECKS).
# About 5 ms less per certificate (a new PostgreSQL connection per task), issue 15.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=500)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=120)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=90)
# Publishing must fail fast when the broker is down, so that a web request never hangs.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "socket_timeout": 5,
    "max_retries": 1,
    # A task taken by a worker that then dies (acks_late) goes back to the queue after this
    # many seconds (Redis's default is an hour). Longer than any task's time limit and any
    # retry backoff, so a running task is never handed out twice.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Forms ------------------------------------------------------------------------

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# The CME provider -------------------------------------------------------------

CME_PROVIDER_NAME = env.str("CME_PROVIDER_NAME", default="Demo CME Provider")
# A jointly accredited provider (ACCME, ACPE, ANCC) prints the Joint Accreditation statement
# instead of the ACCME one (courses.credit_rules.accreditation_statement).
CME_JOINTLY_ACCREDITED = env.bool("CME_JOINTLY_ACCREDITED", default=False)
# The provider's ACCME ID (7 digits), on every PARS learner record (reporting.deliveries).
CME_ACCME_PROVIDER_ID = env.str("CME_ACCME_PROVIDER_ID", default="")
CME_SUPPORT_EMAIL = env.str("CME_SUPPORT_EMAIL", default="cme-support@localhost")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Registries (ACCME PARS, NABP CPE Monitor): reporting.registries.transport -------

CME_REGISTRY_TRANSPORT = env.str("CME_REGISTRY_TRANSPORT", default="file")
if CME_REGISTRY_TRANSPORT not in ("file", "service"):
    stop_start_up("CME_REGISTRY_TRANSPORT must be file or service.")
CME_PARS_SERVICE_URL = env.str("CME_PARS_SERVICE_URL", default="")
CME_PARS_API_KEY = env.str("CME_PARS_API_KEY", default="")
CME_CPE_MONITOR_SERVICE_URL = env.str("CME_CPE_MONITOR_SERVICE_URL", default="")
CME_CPE_MONITOR_API_KEY = env.str("CME_CPE_MONITOR_API_KEY", default="")
CME_REGISTRY_TIMEOUT = env.float("CME_REGISTRY_TIMEOUT", default=30.0)
if CME_REGISTRY_TRANSPORT == "service" and not (
    CME_PARS_SERVICE_URL and CME_CPE_MONITOR_SERVICE_URL
):
    stop_start_up(
        "CME_REGISTRY_TRANSPORT=service needs CME_PARS_SERVICE_URL and CME_CPE_MONITOR_SERVICE_URL."
    )

# Logging ----------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# Periodic tasks (Celery beat) -------------------------------------------------

CELERY_BEAT_SCHEDULE = {
    # Certificates whose task never reached the broker (it was down) are queued again.
    "requeue-pending-certificates": {
        "task": "certificates.tasks.requeue_pending_certificates",
        "schedule": 60.0,
    },
    # Modules due for content review or expiry within 90 days, to authors and administrators.
    "send-review-reminders": {
        "task": "courses.tasks.send_review_reminders",
        "schedule": 7 * 24 * 3600.0,
    },
    # Registry deliveries (reporting): CPE Monitor records past 60 days become missed, each
    # registry's ready records go out in a batch, administrators hear of deadlines within
    # 7 days and of missed ones.
    "mark-missed-deliveries": {
        "task": "reporting.tasks.mark_missed_deliveries",
        "schedule": 24 * 3600.0,
    },
    "send-ready-deliveries": {
        "task": "reporting.tasks.send_ready_deliveries",
        "schedule": 24 * 3600.0,
    },
    "warn-about-deadlines": {
        "task": "reporting.tasks.warn_about_deadlines",
        "schedule": 24 * 3600.0,
    },
    # Graded attempts are added to the item-analysis tallies (quizzes.tallies).
    "fold-graded-attempts": {
        "task": "quizzes.tasks.fold_graded_attempts",
        "schedule": 60.0,
    },
}
# Fail fast when the broker is down: the claim is saved, and the re-queue catches up.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}
