"""Time ``manage.py seed_demo --debtors N`` on a fresh PostgreSQL database.

    .venv/bin/python bench/seed_demo.py --debtors 50000

Drops and recreates the database, migrates it, then times the command in a subprocess (so the
figure includes Django's start-up and the named demo data, as a person running it would see) and
reports the rows it created. Target (docs/PERFORMANCE.md): under 2 minutes for 50,000 debtors.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 120
TABLES = {
    "debtors": "debts_debtor",
    "debts": "debts_debt",
    "notices": "debts_paymentnotice",
    "notice items": "debts_noticeitem",
}


def recreate(server: str, name: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        database = sql.Identifier(name)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(database))


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def row_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as connection:
        return {
            label: connection.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]
            for label, table in TABLES.items()
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debtors", type=int, default=50_000)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="thermi_bench_seed")
    options = parser.parse_args()

    url = f"{options.server}/{options.database}"
    env = {**os.environ, "DATABASE_URL": url}
    recreate(options.server, options.database)
    manage("migrate", "--no-input", "--verbosity", "0", env=env)
    before = row_counts(url)

    start = time.perf_counter()
    manage("seed_demo", "--debtors", str(options.debtors), env=env)
    seconds = time.perf_counter() - start

    created = {label: count - before[label] for label, count in row_counts(url).items()}
    rows = sum(created.values())
    print(f"\nseed_demo --debtors {options.debtors} on {options.database}: {seconds:.1f} s")
    for label, count in created.items():
        print(f"  {label:>12}: {count:>9,}")
    print(f"  {'all rows':>12}: {rows:>9,}  ({rows / seconds:,.0f} rows/s)")
    print(
        f"Target < {TARGET_SECONDS} s: "
        f"{'met' if seconds < TARGET_SECONDS else 'MISSED'} ({seconds / TARGET_SECONDS:.0%})"
    )
    return 0 if seconds < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
