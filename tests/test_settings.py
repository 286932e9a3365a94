"""The settings as each environment sees them, in fresh processes.

Settings are read once per process, so each case runs ``manage.py`` in a subprocess with an
environment of its own: the embedded default with no environment at all, production passing
Django's deployment checks, and production refusing to start on development conveniences.
"""

import ast
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
SETTINGS_PY = BASE_DIR / "thermi_portal" / "settings.py"

PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "DATABASE_URL": "postgres://thermi:password@db:5432/thermi_portal",
    "CELERY_BROKER_URL": "redis://redis:6379/0",
    "CACHE_URL": "redis://redis:6379/1",
    "EMAIL_URL": "smtp+tls://portal:password@mail.thermi.gov.gr:587",
    "ALLOWED_HOSTS": "pay.thermi.gov.gr",
    "TAXISNET_BASE_URL": "https://oauth2.gsis.gr/oauth2server",
    "TAXISNET_CLIENT_ID": "thermi-portal",
    "TAXISNET_CLIENT_SECRET": secrets.token_urlsafe(20),
    "MUNICIPALITY_IBAN": "GR96 0810 0010 0000 0123 4567 890",
    "RF_CREDITOR_CODE": "0173",
    "PORTAL_BASE_URL": "https://pay.thermi.gov.gr",
    "STRIPE_SECRET_KEY": "sk_live_" + secrets.token_urlsafe(20),
    "STRIPE_PUBLISHABLE_KEY": "pk_live_" + secrets.token_urlsafe(20),
    "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_urlsafe(20),
}


def settings_env_names() -> set[str]:
    """Names of the variables settings.py reads, found as ``env.<cast>("NAME", ...)`` calls."""
    return {
        node.args[0].value
        for node in ast.walk(ast.parse(SETTINGS_PY.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "env"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }


def manage(*args: str, **variables: str) -> subprocess.CompletedProcess:
    """``manage.py *args`` with none of the settings' variables inherited but ``variables``."""
    environment = {k: v for k, v in os.environ.items() if k not in settings_env_names()}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment.update(variables)
    return subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def settings_values(*names: str, **variables: str) -> dict:
    """The values of ``names`` in settings loaded with ``variables`` (as JSON, paths as text)."""
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}, default=str))"
    )
    result = manage("shell", "-c", code, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_settings_read_the_variables_deployment_relies_on():
    assert set(PRODUCTION) <= settings_env_names()


def test_embedded_default_needs_no_service():
    values = settings_values(
        "DJANGO_ENV",
        "DATABASES",
        "CELERY_TASK_ALWAYS_EAGER",
        "EMAIL_BACKEND",
        "EMAIL_FILE_PATH",
        "CACHES",
    )
    assert values["DJANGO_ENV"] == "development"
    assert values["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert values["DATABASES"]["default"]["NAME"] == str(BASE_DIR / "var" / "db.sqlite3")
    assert values["CELERY_TASK_ALWAYS_EAGER"] is True
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert values["EMAIL_FILE_PATH"] == str(BASE_DIR / "var" / "mail")


def test_a_mail_server_that_stops_answering_times_out():
    assert settings_values("EMAIL_TIMEOUT", **PRODUCTION) == {"EMAIL_TIMEOUT": 30}
    quicker = settings_values("EMAIL_TIMEOUT", **PRODUCTION, EMAIL_TIMEOUT_SECONDS="10")
    assert quicker == {"EMAIL_TIMEOUT": 10}


def test_production_passes_the_deployment_checks_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_builds_https_callbacks_and_has_no_gsis_sandbox():
    values = settings_values(
        "ACCOUNT_DEFAULT_HTTP_PROTOCOL", "TAXISNET_SANDBOX", "SOCIALACCOUNT_PROVIDERS", **PRODUCTION
    )
    assert values["ACCOUNT_DEFAULT_HTTP_PROTOCOL"] == "https"
    assert values["TAXISNET_SANDBOX"] is False
    taxisnet = values["SOCIALACCOUNT_PROVIDERS"]["taxisnet"]
    assert taxisnet["BASE_URL"] == PRODUCTION["TAXISNET_BASE_URL"]
    assert taxisnet["APP"]["client_id"] == PRODUCTION["TAXISNET_CLIENT_ID"]


def test_production_points_at_stripe_itself():
    values = settings_values("STRIPE_API_BASE", "STRIPE_SECRET_KEY", **PRODUCTION)
    assert values["STRIPE_API_BASE"] == "https://api.stripe.com"
    assert values["STRIPE_SECRET_KEY"] == PRODUCTION["STRIPE_SECRET_KEY"]


def test_production_caches_in_redis_with_djangos_own_backend():
    values = settings_values("CACHES", **PRODUCTION)
    assert values["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert values["CACHES"]["default"]["LOCATION"] == PRODUCTION["CACHE_URL"]


def test_production_health_check_is_served_over_plain_http():
    """A load balancer asks /health/ over HTTP; a redirect to HTTPS would read as a failure."""
    values = settings_values("SECURE_SSL_REDIRECT", "SECURE_REDIRECT_EXEMPT", **PRODUCTION)
    assert values["SECURE_SSL_REDIRECT"] is True
    assert any(re.search(p, "health/") for p in values["SECURE_REDIRECT_EXEMPT"])


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"DEBUG": "true"}, "DEBUG is on"),
        ({"SECRET_KEY": None}, "SECRET_KEY is missing"),
        ({"DATABASE_URL": None}, "DATABASE_URL is missing"),
        ({"CELERY_BROKER_URL": None}, "CELERY_BROKER_URL is missing"),
        ({"CACHE_URL": None}, "CACHE_URL is missing"),
        ({"EMAIL_URL": None}, "EMAIL_URL is missing"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS is empty"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS is *"),
        ({"ALLOWED_HOSTS": "pay.thermi.gov.gr,*"}, "ALLOWED_HOSTS is *"),
        ({"TAXISNET_SANDBOX": "true"}, "TAXISNET_SANDBOX is on"),
        ({"TAXISNET_CLIENT_SECRET": None}, "TAXISNET_CLIENT_SECRET is missing"),
        ({"TAXISNET_BASE_URL": None}, "TAXISNET_BASE_URL"),
        (
            {"TAXISNET_BASE_URL": "http://oauth2.gsis.gr/oauth2server"},
            "TAXISNET_BASE_URL is not https://",
        ),
        ({"MUNICIPALITY_IBAN": None}, "MUNICIPALITY_IBAN is missing"),
        ({"MUNICIPALITY_IBAN": "GR1601101250000000012300695"}, "or the sample one"),
        ({"MUNICIPALITY_IBAN": "GR1601101250000000012300696"}, "not a valid IBAN"),
        ({"RF_CREDITOR_CODE": None}, "RF_CREDITOR_CODE is missing"),
        ({"RF_CREDITOR_CODE": "46"}, "RF_CREDITOR_CODE is missing or not the four digits"),
        ({"PORTAL_BASE_URL": None}, "PORTAL_BASE_URL is missing or not https://"),
        ({"PORTAL_BASE_URL": "http://pay.thermi.gov.gr"}, "PORTAL_BASE_URL"),
        ({"STRIPE_SECRET_KEY": None}, "STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY or"),
        ({"STRIPE_PUBLISHABLE_KEY": None}, "STRIPE_PUBLISHABLE_KEY or STRIPE_WEBHOOK_SECRET"),
        ({"STRIPE_WEBHOOK_SECRET": None}, "STRIPE_WEBHOOK_SECRET is missing"),
        ({"STRIPE_API_BASE": "http://127.0.0.1:8420"}, "STRIPE_API_BASE is not https://"),
    ],
)
def test_production_refuses_to_start_on_development_conveniences(change, problem):
    variables = {**PRODUCTION, **change}
    result = manage("check", **{k: v for k, v in variables.items() if v is not None})
    assert result.returncode != 0
    assert "Refusing to start in production" in result.stderr
    assert problem in result.stderr


def test_production_without_a_second_factor_for_staff_starts_but_warns_loudly():
    """A municipality may need it for a while (phones not yet handed out): it never goes unseen."""
    variables = {**PRODUCTION, "ADMIN_REQUIRES_MFA": "false"}
    check = manage("check", **variables)
    assert check.returncode == 0, check.stderr
    assert "thermi_portal.W001" in check.stdout + check.stderr
    # Every process logs it at start-up, gunicorn's and Celery's too, which run no checks.
    assert re.search(r"WARNING thermi_portal\.checks thermi_portal\.W001", check.stderr)
    deploy = manage("check", "--deploy", "--fail-level", "WARNING", **variables)
    assert deploy.returncode != 0
    assert "ADMIN_REQUIRES_MFA is off in production" in deploy.stdout + deploy.stderr


def test_only_production_warns_about_the_admin_without_a_second_factor():
    check = manage("check", ADMIN_REQUIRES_MFA="false")
    assert check.returncode == 0, check.stderr
    assert "W001" not in check.stdout + check.stderr


def test_the_embedded_sqlite_takes_turns_instead_of_failing_a_concurrent_write():
    """WAL, a busy timeout and BEGIN IMMEDIATE: see test_sqlite_concurrency for the proof."""
    options = settings_values("DATABASES")["DATABASES"]["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "PRAGMA journal_mode=WAL" in options["init_command"]
    postgres = settings_values("DATABASES", **PRODUCTION)["DATABASES"]["default"]
    assert "transaction_mode" not in postgres.get("OPTIONS", {})
