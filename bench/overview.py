"""Requests per second and latency of the citizen overview against a trivial view, on gunicorn.

    .venv/bin/python bench/overview.py [--debtors 50000] [--citizens 1000] [--keep] [--floors]
        [--first-citizens 4000] [--database thermi_bench] [--cache-url redis://127.0.0.1:6379/13]
        [--off kept-page]

Seeds a dedicated PostgreSQL database (``seed_demo --debtors N``; recreated unless ``--keep``),
empties the bench's own Redis cache (``--cache-url``, as production keeps the overviews in
Redis), gives random generated debtors an account and a logged-in session, counts the SQL
queries of their overview in-process, empties the cache again, then serves the portal with
gunicorn (sync workers, DEBUG off) and measures three things at 32 connections:

- the trivial view ``/bench/ok/`` (``HttpResponse("ok")``), with wrk;
- *first visits*: other citizens' overviews, each once, on the empty cache, as on a citizen's
  first visit of the day or the first after a change to their ledger, with wrk too (the
  same client on both sides of the ratio: a client in Python took a share of the two cores that
  wrk does not, and a citizen taken twice makes the run invalid);
- *repeat visits*: the overview of a random citizen per request, with wrk, once each has been
  rendered;
- with ``--floors``, two floors with the same cookies, with wrk: ``/bench/session/`` only reads
  the session, ``/bench/account/`` only loads the account with its card, as every citizen page
  does first. No page that needs a login can be faster than these on the same server.

``--off`` turns a piece of the design off, to measure what it buys side by side: ``kept-page``
(every overview rendered, ``OVERVIEW_CACHE = False``). Each request carries a citizen's cookies: their session, and the CSRF cookie a
browser keeps after its first page. A response that is not a 200 overview makes the run invalid.
Targets (docs/PERFORMANCE.md): repeat visits ≥ 20 % of the trivial view's req/s, first visits
≥ 8 %, at most 6 SQL queries per overview.

Exit code: 0 when the run is valid and every target met, 1 otherwise, 2 without wrk.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from statistics import mean
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import psycopg
import requests
from psycopg import sql

if TYPE_CHECKING:
    from debts.models import Debtor

ROOT = Path(__file__).resolve().parent.parent
LUA_SCRIPT = Path(__file__).with_suffix(".lua")
LOCAL_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
CACHE_URL = "redis://127.0.0.1:6379/13"
PIECES = {  # what --off turns off, through bench/settings.py
    "kept-page": "BENCH_NO_KEPT_PAGE",
}
TRIVIAL_PATH = "/bench/ok/"
FLOOR_PATHS = ("/bench/session/", "/bench/account/")
THREADS = 2
WARM_UP = "3s"
QUERY_SAMPLE = 100
LOG_LINES = 20
TARGET_RATIO = 0.20
TARGET_FIRST_RATIO = 0.08
TARGET_QUERIES = 6


def database_url(name: str) -> str:
    """Database ``name`` on the PostgreSQL server of ``DATABASE_URL``, else on 127.0.0.1."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = LOCAL_SERVER
    return urlsplit(url)._replace(path=f"/{name}").geturl()


def prepare_database(name: str, keep: bool) -> None:
    """Create the database (dropping it first unless ``keep``)."""
    with psycopg.connect(database_url("postgres"), autocommit=True) as connection:
        database = sql.Identifier(name)
        if not keep:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(database))


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)


def log_in_citizens(count: int) -> list[tuple["Debtor", dict[str, str]]]:
    """Random generated debtors, each tied to an account with a session: (debtor, the cookies of
    their browser: session and CSRF).

    Accounts are made as a citizen ends up with them (usable password, verified email) and
    reused on a later run; sessions are written as ``django.contrib.auth.login`` would.
    """
    from datetime import timedelta
    from importlib import import_module

    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS
    from django.db import transaction
    from django.middleware.csrf import CSRF_SECRET_LENGTH
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from debts.models import Debtor
    from thermi_portal.demo import generated_debtors

    user_model = get_user_model()
    debtors = list(generated_debtors().select_related("user").order_by("?")[:count])
    new = [debtor for debtor in debtors if debtor.user is None]
    password = make_password(get_random_string(32))  # hashed once: a hash costs ~0.5 s
    with transaction.atomic():
        users = user_model.objects.bulk_create(
            user_model(
                username=f"bench{d.afm}", email=f"bench{d.afm}@example.org", password=password
            )
            for d in new
        )
        EmailAddress.objects.bulk_create(
            EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
        )
        for debtor, user in zip(new, users, strict=True):
            debtor.user = user
        Debtor.objects.bulk_update(new, ["user"])

        store_class = import_module(settings.SESSION_ENGINE).SessionStore
        store, session_model = store_class(), store_class.get_model_class()
        expire_date = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
        sessions = [
            session_model(
                session_key=get_random_string(32, VALID_KEY_CHARS),
                session_data=store.encode(
                    {
                        SESSION_KEY: str(debtor.user.pk),
                        BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[-1],
                        HASH_SESSION_KEY: debtor.user.get_session_auth_hash(),
                    }
                ),
                expire_date=expire_date,
            )
            for debtor in debtors
        ]
        session_model.objects.bulk_create(sessions)
    return [
        (
            debtor,
            {
                settings.SESSION_COOKIE_NAME: session.session_key,
                settings.CSRF_COOKIE_NAME: get_random_string(CSRF_SECRET_LENGTH),
            },
        )
        for debtor, session in zip(debtors, sessions, strict=True)
    ]


def title_of(html: str) -> str:
    match = re.search(r"<title>.*?</title>", html, re.DOTALL)
    return match.group() if match else ""


def count_queries(
    page: str, citizens: list[tuple["Debtor", dict[str, str]]]
) -> tuple[list[int], str]:
    """SQL queries of each citizen's request for ``page`` in-process, and the page's <title>.

    Fails when a response is not the page itself (a 200 from its view).
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    url, counts, titles, worst = reverse(page), [], set(), []
    for debtor, cookies in citizens:
        client = Client(HTTP_HOST="127.0.0.1")
        for name, value in cookies.items():
            client.cookies[name] = value
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        if response.status_code != 200 or response.resolver_match.view_name != page:
            raise SystemExit(f"{url} for debtor {debtor.afm}: {response.status_code}, not {page}")
        counts.append(len(queries))
        titles.add(title_of(response.content.decode()))
        if len(queries) > len(worst):
            worst = [query["sql"][:160] for query in queries.captured_queries]
    if len(titles) != 1 or "" in titles:
        raise SystemExit(f"{url} has no <title> common to all citizens: {sorted(titles)[:3]}")
    if len(worst) > TARGET_QUERIES:
        print(f"The {len(worst)} queries of the worst {url}:", *worst, sep="\n  ")
    return counts, titles.pop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(port: int, workers: int, log) -> subprocess.Popen:
    """gunicorn serving the portal on ``port``; no access log, its output to ``log``."""
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "thermi_portal.wsgi:application"),
            *("--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "sync"),
            *("--log-level", "warning"),
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C reaches this script only, which stops gunicorn itself
    )


def wait_until_answers(server: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            if requests.get(url, timeout=1).ok:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 30 s")


def stop(server: subprocess.Popen) -> None:
    """Stop gunicorn gracefully (SIGTERM), killing it if it lingers."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wrk(
    url: str,
    options: argparse.Namespace,
    duration: str,
    cookies_file: str,
    marker: str,
    lines: str = "random",
) -> dict:
    """One wrk run, each request with a random line of ``cookies_file`` or (``lines="once"``)
    each line once; its figures (latencies in ms) and req/s."""
    result = subprocess.run(
        [
            *("wrk", "--threads", str(THREADS), "--connections", str(options.connections)),
            *("--duration", duration, "--latency", "--script", str(LUA_SCRIPT), url),
            *("--", cookies_file, marker, lines, str(THREADS)),
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise SystemExit(f"wrk failed ({result.returncode}): {result.stderr or result.stdout}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    for name in ("p50", "p75", "p90", "p95", "p99", "max"):
        figures[name] /= 1000
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["errors"] = sum(
        figures[name] for name in ("wrong", "reused", "status_errors", "socket_errors", "timeouts")
    )
    return figures


def report_line(label: str, figures: dict) -> str:
    latencies = "".join(f"{figures[name]:>8.1f}" for name in ("p50", "p75", "p90", "p95", "p99"))
    return (
        f"{label:<28}{figures['rps']:>9,.0f}{latencies}{figures['requests']:>10,}"
        f"{figures['errors']:>8,}"
    )


def visit_each_once(url: str, citizens: list[tuple["Debtor", dict[str, str]]]) -> None:
    """Each citizen's page once, untimed, so the repeat visits find it rendered."""
    parts = urlsplit(url)

    def visit(cookies: dict[str, str]) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        try:
            connection.request("GET", parts.path, headers={"Cookie": cookie_header(cookies)})
            if (status := connection.getresponse().status) != 200:
                raise SystemExit(
                    f"{url} answered {status} to a citizen: figures would mean nothing"
                )
        finally:
            connection.close()

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(visit, (cookies for _, cookies in citizens)))


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def cookies_file(path: Path, citizens: list[tuple["Debtor", dict[str, str]]]) -> str:
    """``path`` written with a Cookie header per citizen, one a line, for the wrk script."""
    path.write_text("".join(cookie_header(cookies) + "\n" for _, cookies in citizens))
    return str(path)


def serve_and_measure(
    options: argparse.Namespace,
    citizens: list[tuple["Debtor", dict[str, str]]],
    newcomers: list[tuple["Debtor", dict[str, str]]],
    page_url: str,
    marker: str,
) -> dict:
    """The figures of the trivial view, the page's first visits (each of ``newcomers`` once) and
    its repeat visits (``citizens`` at random), on a gunicorn started for them."""
    with tempfile.TemporaryDirectory(prefix="bench-overview-") as work:
        repeat_cookies = cookies_file(Path(work, "cookies.txt"), citizens)
        first_cookies = cookies_file(Path(work, "first.txt"), newcomers)
        port, log_path = free_port(), Path(work, "gunicorn.log")
        base = f"http://127.0.0.1:{port}"
        with log_path.open("wb") as log:
            server = start_gunicorn(port, options.workers, log)
        try:
            wait_until_answers(server, base + TRIVIAL_PATH)
            wrk(base + TRIVIAL_PATH, options, WARM_UP, "", "")
            trivial = wrk(base + TRIVIAL_PATH, options, options.duration, "", "")
            first = wrk(
                base + page_url, options, options.first_duration, first_cookies, marker, "once"
            )
            visit_each_once(base + page_url, citizens)
            repeat = wrk(base + page_url, options, options.duration, repeat_cookies, marker)
            runs = {
                f"trivial view {TRIVIAL_PATH}": trivial,
                f"{page_url} first visits": first,
                f"{page_url} repeat visits": repeat,
            }
            for floor in FLOOR_PATHS if options.floors else ():
                wrk(base + floor, options, WARM_UP, repeat_cookies, "ok")
                runs[f"floor {floor}"] = wrk(
                    base + floor, options, options.duration, repeat_cookies, "ok"
                )
            return runs
        finally:
            stop(server)
            if lines := log_path.read_text(errors="replace").splitlines():
                print("gunicorn's output, last lines:", *lines[-LOG_LINES:], sep="\n  ")


def report(options: argparse.Namespace, runs: dict, max_queries: int) -> int:
    """Print the figures, the ratio and the targets; the exit code."""
    (trivial_label, trivial), (first_label, first), (page_label, page), *floors = runs.items()
    ratio = page["rps"] / trivial["rps"]
    print(
        f"\ngunicorn {options.workers} sync workers, DJANGO_ENV=test (DEBUG off); "
        f"{options.connections} connections; wrk {THREADS} threads, {options.duration} each after "
        f"a {WARM_UP} warm-up; first visits: {options.first_duration} of citizens each once "
        f"({first['requests']:,} of {options.first_citizens:,}), empty cache\n"
    )
    header = "".join(f"{name:>8}" for name in ("p50", "p75", "p90", "p95", "p99"))
    print(f"{'':<28}{'req/s':>9}{header}{'requests':>10}{'errors':>8}   (latencies in ms)")
    print(report_line(trivial_label, trivial))
    print(report_line(first_label, first))
    print(report_line(page_label, page))
    for floor_label, floor in floors:
        print(report_line(floor_label, floor))
    print(f"{'ratio (repeat visits)':<28}{ratio:>9.1%}")
    print(f"{'ratio (first visits)':<28}{first['rps'] / trivial['rps']:>9.1%}")
    if options.off:
        print(f"turned off: {', '.join(options.off)}")

    for label, figures in runs.items():
        if figures["errors"]:
            print(
                f"INVALID: {label}: {figures['wrong']} responses not a 200 page, "
                f"{figures['reused']} citizens visiting a second time (raise --first-citizens), "
                f"{figures['status_errors']} of status 400 or above (last non-200 status: "
                f"{figures['last_status']}), {figures['socket_errors']} socket errors, "
                f"{figures['timeouts']} timeouts"
            )
    valid = not any(figures["errors"] for figures in runs.values())
    first_ratio = first["rps"] / trivial["rps"]
    targets = {
        f"repeat visits ≥ {TARGET_RATIO:.0%} of the trivial view's req/s ({ratio:.1%})": (
            ratio >= TARGET_RATIO
        ),
        f"first visits ≥ {TARGET_FIRST_RATIO:.0%} of the trivial view's req/s "
        f"({first_ratio:.1%})": first_ratio >= TARGET_FIRST_RATIO,
        f"≤ {TARGET_QUERIES} SQL queries per page (max {max_queries})": (
            max_queries <= TARGET_QUERIES
        ),
    }
    print("\nTargets" + ("" if valid else " (run INVALID: the figures include failed responses)"))
    for target, met in targets.items():
        print(f"  {'met' if met else 'MISSED':<7}{target}")
    return 0 if valid and all(targets.values()) else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--debtors", type=int, default=50_000, help="generated debtors to seed")
    parser.add_argument(
        "--citizens", type=int, default=1000, help="random debtors given a logged-in session"
    )
    parser.add_argument(
        "--first-citizens",
        type=int,
        default=4000,
        help="other debtors given a session, each visiting once: more than the first-visit run "
        "can serve",
    )
    parser.add_argument(
        "--first-duration", default="5s", help="of the first-visit run (each citizen once)"
    )
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--duration", default="20s", help="of each wrk run, e.g. 20s or 1m")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--database", default="thermi_bench", help="dedicated database name")
    parser.add_argument(
        "--cache-url", default=CACHE_URL, help="the bench's own Redis database, emptied by it"
    )
    parser.add_argument(
        "--keep", action="store_true", help="reuse the database and what it already holds"
    )
    parser.add_argument(
        "--off", action="append", default=[], choices=sorted(PIECES), help="turn a piece off"
    )
    parser.add_argument(
        "--page", default="citizen:overview", help="URL name of the citizen page to measure"
    )
    parser.add_argument(
        "--floors",
        action="store_true",
        help="also measure a view that only reads the session and one that only loads the "
        "account with its card: what every citizen page costs before its own work",
    )
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: install it with `apt-get install wrk`.", file=sys.stderr)
        return 2

    os.environ.update(
        DATABASE_URL=database_url(options.database),
        CACHE_URL=options.cache_url,
        DJANGO_ENV="test",
        DJANGO_SETTINGS_MODULE="bench.settings",
        **{PIECES[piece]: "1" for piece in options.off},
    )
    prepare_database(options.database, options.keep)
    manage("migrate", "--no-input", "--verbosity", "0")
    start = time.perf_counter()
    manage("seed_demo", "--debtors", str(options.debtors))
    seeded = time.perf_counter() - start

    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    if settings.DEBUG:
        raise SystemExit("DEBUG is on (DEBUG in the environment?): figures would mean nothing.")
    from django.core.cache import cache

    # Every run starts cold; a recreated database reuses the debtor ids an earlier run cached.
    cache.clear()
    from django.db import connections
    from django.db.models import Count
    from django.urls import reverse

    from debts.models import Debt, Debtor

    print(
        f"\n{options.database}: {Debtor.objects.count():,} debtors, {Debt.objects.count():,} "
        f"debts; seed_demo --debtors {options.debtors} took {seeded:.1f} s"
    )
    logged_in = log_in_citizens(options.citizens + options.first_citizens)
    citizens, newcomers = logged_in[: options.citizens], logged_in[options.citizens :]
    sample = citizens[:QUERY_SAMPLE]
    debts = sorted(
        Debtor.objects.filter(pk__in=[d.pk for d, _ in sample])
        .annotate(n=Count("debts"))
        .values_list("n", flat=True)
    )
    page_url = reverse(options.page)
    counts, marker = count_queries(options.page, sample)
    print(
        f"{len(logged_in):,} citizens logged in. SQL queries of a first visit of {page_url} for "
        f"{len(sample)} of them ({debts[0]}–{debts[-1]} debts each): max {max(counts)}, "
        f"mean {mean(counts):.1f}"
    )
    connections.close_all()
    cache.clear()  # the first visits over HTTP find no overview kept

    runs = serve_and_measure(options, citizens, newcomers, page_url, marker)
    return report(options, runs, max(counts))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
