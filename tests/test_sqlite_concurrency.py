"""The embedded default under a double submit: a live server on SQLite answers every request.

SQLite has one writer at a time. Without help, a transaction that read first and then wants to
write finds another writer and fails at once with «database is locked» (a 500), so 16 of 20
concurrent παράβολο requests failed. With WAL, a busy timeout and ``BEGIN IMMEDIATE`` (settings)
they take turns. This runs on SQLite whatever the suite runs on: a ``manage.py runserver`` of its
own on a fresh SQLite file, the way ``make run`` serves, with demo data.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.test_settings import settings_env_names

BASE_DIR = Path(__file__).resolve().parent.parent

#: Logs a demo citizen in (a session in the database, which the server reads), and picks a
#: παράβολο type they hold none of and a debt they may put on a new notice, with its total.
PREPARE = """
import json
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client
from debts import selectors, services
from debts.models import Debt, Debtor
from thermi_portal.demo import NAMED_AFMS

debtor = Debtor.objects.get(afm=NAMED_AFMS[0])
user = debtor.user or get_user_model().objects.create_user(
    username="afm" + debtor.afm, password="Θέρμη-δοκιμή-2026"
)
debtor.user = user
debtor.save(update_fields=["user"])
client = Client()
client.force_login(user, backend=settings.AUTHENTICATION_BACKENDS[0])
held = set(debtor.debts.values_list("paravolo_type", flat=True))
paravolo = next(t for t in selectors.active_paravolo_types() if t.pk not in held)
for debt in debtor.debts.filter(status=Debt.Status.OPEN).order_by("pk"):
    try:
        draft = services.preview_notice(debtor, debts=[debt])
    except ValidationError:
        continue
    break
print(json.dumps({
    "cookies": {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value},
    "csrf_cookie": settings.CSRF_COOKIE_NAME,
    "debtor": debtor.pk, "paravolo": paravolo.pk, "debt": debt.pk, "total": str(draft.total),
}))
"""

COUNT = """
import json
from debts.models import Debt, NoticeItem
print(json.dumps({{
    "paravola": Debt.objects.filter(debtor={debtor}, paravolo_type={paravolo}).count(),
    "notices": NoticeItem.objects.filter(debt={debt}, is_open=True).count(),
}}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def sqlite_environment(tmp_path_factory):
    """The embedded default (in-process tasks, a cache in process memory) on a SQLite file."""
    directory = tmp_path_factory.mktemp("sqlite")
    environment = {k: v for k, v in os.environ.items() if k not in settings_env_names()}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    environment.update(
        DJANGO_ENV="test",
        DATABASE_URL=f"sqlite:///{directory / 'db.sqlite3'}",
        CELERY_BROKER_URL="",
        CACHE_URL="locmemcache://",
        EMAIL_URL="memorymail://",
        MEDIA_ROOT=str(directory / "media"),
    )
    return environment


def manage(environment, *args: str) -> str:
    result = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def server(sqlite_environment):
    """``runserver`` (threaded, as ``make run`` serves) on the migrated and seeded SQLite file."""
    manage(sqlite_environment, "migrate", "--no-input")
    manage(sqlite_environment, "seed_demo")
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=BASE_DIR,
        env=sqlite_environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if requests.get(f"{url}/health/", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail("runserver did not answer")
        yield url
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=10)
        # On failure, the server's log (tracebacks of any 500) is in the test's output.
        sys.stderr.write(errors[-5000:])


def post_together(count: int, url: str, data: dict, cookies: dict, csrf: str) -> list:
    """``count`` POSTs of ``data`` released at the same instant; their statuses (or errors)."""
    barrier = threading.Barrier(count)
    statuses = [None] * count

    def post(index):
        barrier.wait()
        try:
            statuses[index] = requests.post(
                url,
                data=data,
                cookies=cookies,
                headers={"X-CSRFToken": csrf},
                allow_redirects=False,
                timeout=30,
            ).status_code
        except requests.RequestException as error:
            statuses[index] = repr(error)

    threads = [threading.Thread(target=post, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_double_submits_on_sqlite_are_answered_and_make_one_of_each(server, sqlite_environment):
    prepared = json.loads(manage(sqlite_environment, "shell", "-c", PREPARE).splitlines()[-1])
    # Django takes a 32-character CSRF secret as it is, in the cookie and in the header.
    csrf = secrets.token_hex(16)
    cookies = {**prepared["cookies"], prepared["csrf_cookie"]: csrf}

    paravolo = post_together(20, f"{server}/paravola/{prepared['paravolo']}/", {}, cookies, csrf)
    confirm = post_together(
        2,
        f"{server}/notices/new/confirm/",
        {"debts": prepared["debt"], "total": prepared["total"]},
        cookies,
        csrf,
    )

    assert all(isinstance(s, int) and 200 <= s < 400 for s in paravolo), paravolo
    assert all(isinstance(s, int) and 200 <= s < 400 for s in confirm), confirm
    counted = json.loads(
        manage(sqlite_environment, "shell", "-c", COUNT.format(**prepared)).splitlines()[-1]
    )
    assert counted == {"paravola": 1, "notices": 1}
