"""Settings of the portal, read from the environment (12-factor).

With no environment at all the portal runs on its embedded default, which needs no service:
SQLite in ``var/``, Celery tasks run in-process, email written to files in ``var/mail/``.
``DJANGO_ENV=production`` refuses that default and anything meant only for development.
"""

import re
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from stdnum import iban

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be development, test or production, not {DJANGO_ENV!r}"
    )
PRODUCTION = DJANGO_ENV == "production"

_DEV_SECRET_KEY = "development-only-secret-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="" if PRODUCTION else _DEV_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=DJANGO_ENV == "development")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "thermi_portal.apps.PortalAdminConfig",  # django.contrib.admin, behind allauth and TOTP
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "csp",
    "debts",
    "payments",
    "taxisnet_auth",
    "receipts",
    "thermi_portal.apps.PortalConfig",  # the top floor: after the apps it composes
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "thermi_portal.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "thermi_portal.urls"
WSGI_APPLICATION = "thermi_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "thermi_portal.context_processors.municipality",
                "thermi_portal.context_processors.staff_policy",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
_EMBEDDED_DATABASE_URL = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": env.db_url("DATABASE_URL", default=_EMBEDDED_DATABASE_URL)}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
# Server-side binding lets psycopg prepare a statement once it ran 5 times on a connection, so
# the queries every page repeats are planned once per connection. Prepared statements live in the
# server's session: set DATABASE_PREPARED_STATEMENTS=false behind PgBouncer's transaction pooling.
if (
    env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
    and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
# SQLite serves concurrent requests only with help: readers beside the writer (WAL), a writer
# waiting its turn instead of failing at once (timeout, in seconds), and every transaction taking
# the write lock at BEGIN, since a read lock cannot be upgraded while another writer waits
# ("database is locked" on a double submit).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=20,
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions ---------------------------------------------------------------------
# One cache shared by every process (Redis in production, Django's own backend): the citizens'
# overview pages (thermi_portal.ledger_cache), allauth's rate limits and used TOTP codes. The
# embedded default keeps it in process memory, which only one process can see.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# Sessions in the database alone: one indexed query a request, where the cache in front of it
# (cached_db) cost a first visit two more round trips than it saved a repeat one (bench/README.md).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Keep each citizen's overview rendered, keyed by their ledger's version (off: rendered each time).
OVERVIEW_CACHE = True

# --- Tasks ----------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# Without a broker, tasks run in-process: the embedded default needs no Redis.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Europe/Athens"
CELERY_BEAT_SCHEDULE = {
    "expire-notices": {"task": "debts.tasks.expire_notices", "schedule": crontab(hour=0, minute=5)},
    "sweep-undelivered-receipts": {
        "task": "receipts.tasks.sweep_undelivered",
        "schedule": crontab(minute="*/2"),
    },
    "sweep-card-attempts": {
        "task": "payments.tasks.sweep_card_attempts",
        "schedule": crontab(minute="*/2"),
    },
}
# A receipt still without its PDF, or its email, this many minutes after it was issued is queued
# again by the sweep (the broker was down at the commit, or a worker died with the task).
RECEIPT_SWEEP_AFTER = timedelta(minutes=env.int("RECEIPT_SWEEP_AFTER_MINUTES", default=5))

# --- Card payments (Stripe) -------------------------------------------------------------------
# Production talks to Stripe itself (the API base below, live or test keys); development and the
# tests talk to localstripe, the stand-in `make run` and the test session start on a free port
# and point STRIPE_API_BASE at. Production refuses to start without the keys and the secret.
STRIPE_API_BASE = env.str(
    "STRIPE_API_BASE", default="https://api.stripe.com" if PRODUCTION else "http://127.0.0.1:8420"
)
_LOCAL_STRIPE_KEY = "sk_test_localstripe"
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="" if PRODUCTION else _LOCAL_STRIPE_KEY)
STRIPE_PUBLISHABLE_KEY = env.str(
    "STRIPE_PUBLISHABLE_KEY", default="" if PRODUCTION else "pk_test_localstripe"
)
STRIPE_WEBHOOK_SECRET = env.str(
    "STRIPE_WEBHOOK_SECRET", default="" if PRODUCTION else "whsec_localstripe"
)
# A card attempt the gateway has not settled this many minutes after it was submitted is asked
# about by the sweep (a lost webhook must not lose a receipt); one never finished this long after
# it began expires (GOV.UK Pay: 90 minutes), its intent cancelled at the gateway.
CARD_SWEEP_AFTER = timedelta(minutes=env.int("CARD_SWEEP_AFTER_MINUTES", default=5))
CARD_ATTEMPT_EXPIRY = timedelta(minutes=env.int("CARD_ATTEMPT_EXPIRY_MINUTES", default=90))

# --- Email ----------------------------------------------------------------------------------
# The embedded default writes each message to a file in var/mail/ instead of sending it.
vars().update(env.email_url("EMAIL_URL", default="filemail://"))
EMAIL_FILE_PATH = VAR_DIR / "mail"
# A mail server that stops answering fails the send, to be retried, instead of holding a worker,
# and the receipt row it sends under lock, for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT_SECONDS", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Δήμος Θέρμης <noreply@thermi.gov.gr>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Accounts (django-allauth) --------------------------------------------------------------
# A citizen's account is opened only by a first login with TaxisNet, which ties it to an ΑΦΜ;
# they then give an email (verified by a mailed link) and set a password for later logins.
# Django's and allauth's backends, loading the account with its debtor card in one query a page.
AUTHENTICATION_BACKENDS = [
    "thermi_portal.auth_backends.ModelBackend",
    "thermi_portal.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "citizen:overview"
ACCOUNT_ADAPTER = "taxisnet_auth.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "taxisnet_auth.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
# The social signup form asks only for the email. "password1" is listed because allauth keeps the
# password field of the login form only when signup has one (else it logs in by mailed code).
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_USER_DISPLAY = "taxisnet_auth.adapters.user_display"
# allauth's forms with the portal's labels (see taxisnet_auth.forms).
ACCOUNT_FORMS = {
    "login": "taxisnet_auth.forms.LoginForm",
    "set_password": "taxisnet_auth.forms.SetPasswordForm",
    "change_password": "taxisnet_auth.forms.ChangePasswordForm",
    "reset_password": "taxisnet_auth.forms.ResetPasswordForm",
    "reset_password_from_key": "taxisnet_auth.forms.ResetPasswordKeyForm",
    "add_email": "taxisnet_auth.forms.AddEmailForm",
    "reauthenticate": "taxisnet_auth.forms.ReauthenticateForm",
}
SOCIALACCOUNT_FORMS = {"signup": "taxisnet_auth.forms.SignupForm"}
MFA_FORMS = {
    "authenticate": "taxisnet_auth.forms.AuthenticateForm",
    "reauthenticate": "taxisnet_auth.forms.MFAReauthenticateForm",
    "activate_totp": "taxisnet_auth.forms.ActivateTOTPForm",
}
# allauth's defaults, written out: failed logins per address and per account are limited.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}
# The limits "per address" count the client's address, which behind the TLS proxy only the
# proxy's X-Forwarded-For carries: without trusting it, every login would share the proxy's address
# and ten failures from anyone would lock everyone out. Production sits behind one proxy.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if PRODUCTION else 0)
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Δήμος Θέρμης")
# A code is still accepted in the next 30-second period: phones' clocks drift and people type
# slowly (RFC 6238, 5.2). allauth marks a used code for the whole window, so it is never replayed.
MFA_TOTP_TOLERANCE = 1
# Staff reach the admin only with a second factor (TOTP) on their account.
ADMIN_REQUIRES_MFA = env.bool("ADMIN_REQUIRES_MFA", default=True)

# --- TaxisNet (GSIS OAuth2) ---------------------------------------------------------------------
# The portal's own stand-in for GSIS, for development and tests; production refuses it.
TAXISNET_SANDBOX = env.bool("TAXISNET_SANDBOX", default=not PRODUCTION)
# GSIS production base is https://oauth2.gsis.gr/oauth2server, its test base
# https://test.gsis.gr/oauth2server; by default the sandbox of the portal started by `make run`.
TAXISNET_BASE_URL = env.str(
    "TAXISNET_BASE_URL",
    default="" if PRODUCTION else "http://127.0.0.1:8000/gsis-sandbox/oauth2server",
)
SOCIALACCOUNT_PROVIDERS = {
    "taxisnet": {
        "BASE_URL": TAXISNET_BASE_URL,
        "APP": {
            "client_id": env.str("TAXISNET_CLIENT_ID", default="" if PRODUCTION else "sandbox"),
            "secret": env.str("TAXISNET_CLIENT_SECRET", default="" if PRODUCTION else "sandbox"),
        },
    }
}

# --- People and language --------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "el"
LANGUAGES = [("el", _("Ελληνικά")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English pages write dates day first, like the Greek ones (thermi_portal/formats/en).
FORMAT_MODULE_PATH = ["thermi_portal.formats"]
TIME_ZONE = "Europe/Athens"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("digigov", BASE_DIR / "node_modules" / "@digigov" / "css" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Outside production WhiteNoise serves straight from the finders, no collectstatic needed.
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = not PRODUCTION
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")

# --- The municipality -----------------------------------------------------------------------
MUNICIPALITY_NAME = env.str("MUNICIPALITY_NAME", default="Δήμος Θέρμης")
MUNICIPALITY_NAME_EN = env.str("MUNICIPALITY_NAME_EN", default="Municipality of Thermi")
# Where citizens reach the portal, for links that leave it: the QR code on a receipt, an email.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
# Printed on every notice and put in its QR code; in production the municipality's own account,
# never the textbook sample that development uses.
_SAMPLE_IBAN = "GR1601101250000000012300695"
MUNICIPALITY_IBAN = env.str("MUNICIPALITY_IBAN", default="" if PRODUCTION else _SAMPLE_IBAN)
# The accounts whose bank files ``import_bank_statement`` takes, as the files name them (IBAN, or
# what a bank's MT940 puts in :25:), the MUNICIPALITY_IBAN alone when empty (as docker-compose
# passes it unset); a file of any other is refused, its credits are no citizen's payments.
BANK_STATEMENT_ACCOUNTS = env.list("BANK_STATEMENT_ACCOUNTS", default=[])
# The accounts the card gateway pays the card payments out from (its payouts): a credit from one
# that names no notice nor RF is the municipality's own money, taken off finance's queue as the
# import records it (``OwnTransfer``), as finance would by hand.
CARD_PAYOUT_ACCOUNTS = env.list("CARD_PAYOUT_ACCOUNTS", default=[])
# The creditor code DIAS assigns to the municipality: four digits inside every RF it issues.
RF_CREDITOR_CODE = env.str("RF_CREDITOR_CODE", default="" if PRODUCTION else "0460")
# How long a notice stays payable, and so the date its surcharges are frozen to.
NOTICE_VALIDITY_DAYS = env.int("NOTICE_VALIDITY_DAYS", default=7)
# How many days back a settlement approved on paper may still be entered: its surcharges are
# counted to the approval date, so an older date would erase what accrued since.
SETTLEMENT_BACKDATE_DAYS = env.int("SETTLEMENT_BACKDATE_DAYS", default=30)
# The budget codes (ΚΑΕ) of ΤΑΠ: only debts of these name a property.
TAP_REVENUE_CODES = env.list("TAP_REVENUE_CODES", default=["0313"])
# How long a certificate of no ΤΑΠ debt is valid: one year (ν.2130/1993 art. 24 §18α).
TAP_CERTIFICATE_VALIDITY_DAYS = env.int("TAP_CERTIFICATE_VALIDITY_DAYS", default=365)
# ΚΕΔΕ month counting: "started" counts each started month in full, "completed" only whole ones.
SURCHARGE_MONTH_RULE = env.str("SURCHARGE_MONTH_RULE", default="started")

# --- Security -------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Only the portal's own scripts and styles, never inline ones (no template of ours has a <script>
# body, an on*= or a style= attribute: tests/test_security_headers.py). Card payments will add
# Stripe.js on the card payment page only: that view adds the gateway's origins to its own
# response's policy (payments.gateway.csp_origins), so the rest of the portal loads no script of
# Stripe's.
# form-action is left out: the TaxisNet login and logout redirect a posted form to GSIS.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # The one style= attribute the admin renders (django-simple-history's history page:
        # style="border-top: 0"), allowed by its hash alone.
        "style-src-attr": [
            "'unsafe-hashes'",
            "'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='",
        ],
        "img-src": ["'self'", "data:"],  # data: for the TOTP QR code and the design system's icons
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers and docker-compose ask for /health/ over plain HTTP, behind the TLS proxy.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}


def _refuse_unsafe_production_settings() -> None:
    """Stop a production process that would run on development conveniences."""
    problems = []
    if DEBUG:
        problems.append("DEBUG is on")
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY:
        problems.append("SECRET_KEY is missing")
    if not ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS is empty")
    if "*" in ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS is * (any Host header would build the portal's links)")
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        problems.append("DATABASE_URL is missing (the embedded SQLite is for development)")
    if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        problems.append("CACHE_URL is missing (a cache in process memory is for development)")
    if CELERY_TASK_ALWAYS_EAGER:
        problems.append("CELERY_BROKER_URL is missing (in-process tasks are for development)")
    if EMAIL_BACKEND.endswith("filebased.EmailBackend"):  # noqa: F821 (set by env.email_url)
        problems.append("EMAIL_URL is missing (mail written to files is for development)")
    if TAXISNET_SANDBOX:
        problems.append("TAXISNET_SANDBOX is on (the GSIS stand-in is for development)")
    taxisnet = SOCIALACCOUNT_PROVIDERS["taxisnet"]
    if not (TAXISNET_BASE_URL and taxisnet["APP"]["client_id"] and taxisnet["APP"]["secret"]):
        problems.append(
            "TAXISNET_BASE_URL, TAXISNET_CLIENT_ID or TAXISNET_CLIENT_SECRET is missing"
        )
    elif not TAXISNET_BASE_URL.startswith("https://"):
        # The client secret and the citizen's authorization code travel to it.
        problems.append("TAXISNET_BASE_URL is not https://")
    if not iban.is_valid(MUNICIPALITY_IBAN) or iban.compact(MUNICIPALITY_IBAN) == _SAMPLE_IBAN:
        problems.append("MUNICIPALITY_IBAN is missing, not a valid IBAN or the sample one")
    if not re.fullmatch(r"\d{4}", RF_CREDITOR_CODE):
        problems.append("RF_CREDITOR_CODE is missing or not the four digits DIAS assigned")
    if not PORTAL_BASE_URL.startswith("https://"):
        # Printed in every receipt's verification QR code and link.
        problems.append("PORTAL_BASE_URL is missing or not https://")
    if not (STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET):
        problems.append(
            "STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY or STRIPE_WEBHOOK_SECRET is missing"
        )
    if not STRIPE_API_BASE.startswith("https://"):
        # The secret key travels to it, and card payments with it.
        problems.append("STRIPE_API_BASE is not https://")
    if problems:
        raise ImproperlyConfigured("Refusing to start in production: " + "; ".join(problems) + ".")


if PRODUCTION:
    _refuse_unsafe_production_settings()
