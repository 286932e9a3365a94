"""Count the queries of ``payments.services.settle`` and time it, by the number of notice lines.

    .venv/bin/python bench/settle.py [--payments 200] [--lines 1 5 25 100]

Drops and recreates the PostgreSQL database `thermi_bench_settle` on 127.0.0.1:5432, migrates
it, builds one notice per payment for each line count, then settles them one by one (each its
own transaction, as a bank file or a gateway callback does) and prints, per line count, the SQL
queries of one settle (its transaction's BEGIN and COMMIT apart) and the median and
p95 time. Target (docs/PERFORMANCE.md): at most 12
queries whatever the number of lines. Receipts are delivered by the worker, not timed here (the
delivery tasks are queued on a Redis database of their own, then purged).
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_QUERIES = 12
# settle is one transaction: its BEGIN and COMMIT are counted apart from its queries.
TRANSACTION_CONTROL = {"BEGIN", "COMMIT"}


def recreate(server: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        database = sql.Identifier(name)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(database))


def notices(count: int, lines: int):
    """``count`` open notices of ``lines`` certified, surcharged debts each."""
    from stdnum.gr import vat

    from debts.models import CertificationRoll, Debt, Debtor, RevenueType
    from debts.services import build_notice

    revenue, _ = RevenueType.objects.get_or_create(
        code="0311",
        defaults={"name": "Τέλη καθαριότητας", "name_en": "Cleaning fees", "kind": "fee"},
    )
    roll, _ = CertificationRoll.objects.get_or_create(
        number="ΒΚ-BENCH", defaults={"title": "bench", "certified_on": date(2024, 3, 1)}
    )
    serial = 20_000_000 + Debtor.objects.count()
    made = []
    while len(made) < count:
        serial += 1
        base = f"{serial:08d}"
        afm = base + vat.calc_check_digit(base)
        if not vat.is_valid(afm):
            continue
        debtor = Debtor.objects.create(afm=afm, last_name="ΔΟΚΙΜΑΣΤΙΚΟΣ", first_name="ΟΦΕΙΛΕΤΗΣ")
        debts = Debt.objects.bulk_create(
            Debt(
                debtor=debtor,
                revenue_type=revenue,
                description=f"Τέλη {n}",
                principal=Decimal("50.00") + n,
                due_date=date(2024, 6, 30),
                certified_on=roll.certified_on,
                roll=roll,
            )
            for n in range(lines)
        )
        made.append(build_notice(debtor, debts=debts))
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=200)
    parser.add_argument("--lines", type=int, nargs="+", default=[1, 5, 25, 100])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="thermi_bench_settle")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/12")
    options = parser.parse_args()

    recreate(options.server, options.database)
    os.environ.update(
        DATABASE_URL=f"{options.server}/{options.database}",
        # Queued, not run in-process: the worker's render and email are not settle's time.
        CELERY_BROKER_URL=options.broker,
        DJANGO_SETTINGS_MODULE="thermi_portal.settings",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from payments.services import settle

    call_command("migrate", verbosity=0)
    missed = False
    print(f"settle() on PostgreSQL, {options.payments} payments per line count")
    print(f"{'lines':>6} {'queries':>8} {'median ms':>10} {'p95 ms':>8}")
    for lines in options.lines:
        batch = notices(options.payments, lines)
        times, queries = [], set()
        for notice in batch:
            connection.queries_log.clear()  # it keeps 9,000 at most, which a capture indexes
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                settled = settle(
                    channel="bank",
                    reference=f"BENCH-{notice.pk}",
                    amount=notice.total,
                    received_at=timezone.now(),
                    notice=notice,
                )
                times.append((time.perf_counter() - start) * 1000)
            if not settled.applied:
                raise SystemExit(f"notice {notice.pk} was not paid: {settled.reason}")
            statements = [q["sql"] for q in captured.captured_queries]
            queries.add(sum(1 for sql in statements if sql not in TRANSACTION_CONTROL))
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        most = max(queries)
        missed |= most > TARGET_QUERIES
        print(f"{lines:>6} {most:>8} {statistics.median(times):>10.2f} {p95:>8.2f}")
    print(f"Target ≤ {TARGET_QUERIES} queries: {'MISSED' if missed else 'met'}")
    from thermi_portal.celery import app

    app.control.purge()  # the deliveries queued for the bench's receipts
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
