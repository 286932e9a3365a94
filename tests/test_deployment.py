"""The deployment files agree with the code they deploy.

Docker does not run here, so docker-compose.yml and the Dockerfile are read as text: the services
exist, their commands name modules that import, and every variable they set is one the settings
read: a misspelt name is silently ignored, leaving the setting at its default.
"""

import importlib
import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tests.test_settings import PRODUCTION, manage, settings_env_names

BASE_DIR = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]


def command(service: dict) -> list[str]:
    value = service["command"]
    return shlex.split(value) if isinstance(value, str) else value


def runs_gunicorn_with_wsgi(words: list[str]) -> bool:
    return words[0] == "gunicorn" and "thermi_portal.wsgi:application" in words


def test_compose_has_the_five_services(services):
    assert {"db", "redis", "web", "worker", "beat"} <= set(services)


@pytest.mark.filterwarnings("ignore:No directory at:UserWarning")  # staticfiles/ is built later
def test_web_runs_gunicorn_on_the_wsgi_application(services):
    words = command(services["web"])
    assert runs_gunicorn_with_wsgi(words)
    assert "0.0.0.0:8000" in words
    module, _, attribute = "thermi_portal.wsgi:application".partition(":")
    assert callable(getattr(importlib.import_module(module), attribute))


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_worker_and_beat_run_the_celery_app(services, name):
    words = command(services[name])
    assert words[:3] == ["celery", "-A", "thermi_portal"]
    assert words[3] == name
    assert importlib.import_module("thermi_portal.celery").app.main == "thermi_portal"


def test_migrations_run_before_the_app_starts(services):
    assert command(services["migrate"]) == ["python", "manage.py", "migrate", "--no-input"]
    assert services["migrate"]["restart"] == "no", "a one-shot service must not be restarted"
    for name in APP_SERVICES:
        depends_on = services[name]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully"
        assert depends_on["db"]["condition"] == "service_healthy"
        assert depends_on["redis"]["condition"] == "service_healthy"


def test_services_have_health_checks(services):
    assert "pg_isready" in services["db"]["healthcheck"]["test"]
    assert "redis-cli" in services["redis"]["healthcheck"]["test"]
    assert "/health/" in " ".join(services["web"]["healthcheck"]["test"])


@pytest.mark.parametrize("name", [*APP_SERVICES, "migrate"])
def test_app_services_set_only_variables_the_settings_read(services, name):
    environment = services[name]["environment"]
    assert set(environment) <= settings_env_names()
    assert set(PRODUCTION) <= set(environment)
    assert environment["DJANGO_ENV"] == "production"


@pytest.mark.parametrize("name", [*APP_SERVICES, "migrate"])
def test_app_services_reach_db_and_redis_by_service_name(services, name):
    database, broker, cache = (
        urlsplit(re.sub(r"\$\{[^}]*\}", "value", services[name]["environment"][variable]))
        for variable in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL")
    )
    assert (database.scheme, database.hostname) == ("postgres", "db")
    assert (broker.scheme, broker.hostname) == ("redis", "redis")
    assert (cache.scheme, cache.hostname) == ("redis", "redis")
    assert cache.path != broker.path, "flushing the cache must not empty the task queue"


def test_web_listens_only_for_the_proxy_whose_forwarded_address_it_trusts(services):
    """A client reaching web directly could forge X-Forwarded-For and dodge the login limits."""
    (port,) = services["web"]["ports"]
    assert port.startswith("${WEB_BIND:-127.0.0.1}:")
    assert services["web"]["environment"]["TRUSTED_PROXY_COUNT"] == "${TRUSTED_PROXY_COUNT:-1}"


def test_a_full_redis_drops_cached_entries_never_a_queued_task(services):
    """Cache entries expire, queued tasks do not: volatile-lru evicts only the former."""
    words = command(services["redis"])
    assert words[words.index("--maxmemory-policy") + 1] == "volatile-lru"
    assert re.fullmatch(r"\$\{REDIS_MAXMEMORY:-\d+[mg]b\}", words[words.index("--maxmemory") + 1])
    assert words[words.index("--appendonly") + 1] == "yes"


def test_compose_refuses_to_start_without_a_secret_key(services):
    assert re.fullmatch(r"\$\{SECRET_KEY:\?.+\}", services["web"]["environment"]["SECRET_KEY"])


def test_the_image_build_passes_the_production_settings_checks():
    """collectstatic runs at build time under production settings, with stand-in values."""
    text = re.sub(r"\\\n", " ", (BASE_DIR / "Dockerfile").read_text())
    (command,) = [line for line in text.splitlines() if "RUN DJANGO_ENV=production" in line]
    words = shlex.split(command.strip().removeprefix("RUN "))
    variables = dict(word.split("=", 1) for word in words[: words.index("sh")])
    assert variables["DJANGO_ENV"] == "production"
    result = manage("check", **variables)
    assert result.returncode == 0, result.stderr


def test_dockerfile_serves_the_wsgi_application_with_gunicorn():
    text = re.sub(r"\\\n", " ", (BASE_DIR / "Dockerfile").read_text())
    last = {}
    for line in text.splitlines():
        keyword, _, argument = line.strip().partition(" ")
        if keyword in {"ENTRYPOINT", "CMD"}:
            argument = argument.strip()
            last[keyword] = json.loads(argument) if argument.startswith("[") else [argument]
    words = last.get("ENTRYPOINT", []) + last.get("CMD", [])
    assert runs_gunicorn_with_wsgi(words), words
