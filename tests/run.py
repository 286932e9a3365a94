"""Run the test suite on the real services when they answer, and say which.

PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) are used when they accept a connection;
otherwise the suite falls back to SQLite, in-process tasks and a cache in process memory.
``DATABASE_URL``, ``CELERY_BROKER_URL`` and ``CACHE_URL``, when set, are taken as they are (empty
broker for none). The cache gets a Redis database of its own, which every test empties: give a
run beside another one a ``CACHE_URL`` of its own. Under ``CI=true`` the fallback is refused: CI
always tests on PostgreSQL and Redis. Arguments are passed on to pytest.

The suite runs in two processes (pytest-xdist, ``-n 2 --dist load``), each with a test database,
Redis databases and a media folder of its own (``tests.xdist_services``): about half the time
on two cores. ``-n 0`` runs it in this process (for ``--pdb``, say). ``--dist load`` hands the
tests out in pytest-django's order (each worker runs its tests that flush the database after the
ones that keep the migrations' data, such as the staff groups, as one process would).
"""

import os
import socket
import sys

import pytest

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/thermi_portal"
REDIS_URL = "redis://127.0.0.1:6379/15"
CACHE_URL = "redis://127.0.0.1:6379/14"


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def main(argv: list[str]) -> int:
    env = os.environ
    env["DJANGO_ENV"] = "test"
    postgres = env.get("DATABASE_URL", "").startswith("postgres") or (
        "DATABASE_URL" not in env and answers("127.0.0.1", 5432)
    )
    redis = bool(env.get("CELERY_BROKER_URL")) or (
        "CELERY_BROKER_URL" not in env and answers("127.0.0.1", 6379)
    )
    cache = env.get("CACHE_URL", "").startswith("redis") or (
        "CACHE_URL" not in env and answers("127.0.0.1", 6379)
    )
    if env.get("CI") == "true" and not (postgres and redis and cache):
        print("CI=true: PostgreSQL and Redis must answer on 127.0.0.1; refusing the fallback.")
        return 2
    if postgres:
        env.setdefault("DATABASE_URL", POSTGRES_URL)
    if redis:
        env.setdefault("CELERY_BROKER_URL", REDIS_URL)
    if cache:
        env.setdefault("CACHE_URL", CACHE_URL)
    print(
        "Testing on",
        "PostgreSQL" if postgres else "SQLite (no PostgreSQL)",
        "with",
        "Redis" if redis else "in-process tasks (no Redis)",
        "and",
        "a Redis cache" if cache else "a cache in process memory",
    )
    return pytest.main(["-p", "tests.xdist_services", *in_two_processes(argv)])


def in_two_processes(argv: list[str]) -> list[str]:
    """``argv`` with ``-n 2 --dist load`` unless it says how many processes."""
    if any(arg.startswith(("-n", "--numprocesses", "--dist")) for arg in argv):
        return argv
    return ["-n", "2", "--dist", "load", *argv]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
