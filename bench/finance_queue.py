"""Time finance's reads of held money on the database `bench/bank_import.py` leaves behind
(100,000 bank payments, applied), best of five each:

    .venv/bin/python bench/bank_import.py          # first, once: it loads the database
    .venv/bin/python bench/finance_queue.py [--held 200]

Adds ``--held`` payments held for finance (half of them parts of one notice paid in parts),
analyzes the tables, then times the queue's page and count (``selectors.finance_queue``), the notices paid in parts
(``selectors.paid_in_parts``) and the parts offered beside one of them
(``selectors.poolable_with``), and removes what it added. Each read must stay a few
milliseconds however many payments the municipality has received: they look at the payments
whose money ever entered the queue, not at all of them.
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def best_of(runs: int, work) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--held", type=int, default=200)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="thermi_bank_bench")
    options = parser.parse_args()
    os.environ.update(
        DATABASE_URL=f"{options.server}/{options.database}",
        DJANGO_SETTINGS_MODULE="thermi_portal.settings",
        DEBUG="false",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/5",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from debts.models import Debt, NoticeItem, PaymentNotice
    from payments import selectors
    from payments.models import Payment
    from payments.services import settle

    payments = Payment.objects.count()
    if payments < 1000:
        print(f"{options.database} holds {payments} payments: run bench/bank_import.py first")
        return 1
    with transaction.atomic():
        debt = Debt.objects.filter(status=Debt.Status.PAID).first()
        notice = PaymentNotice.objects.create(
            debtor_id=debt.debtor_id,
            rf_code="RF18539007547034",
            origin="municipality",
            valid_until=timezone.localdate() + timedelta(days=30),
            total=Decimal("100.00"),
        )
        NoticeItem.objects.create(
            notice=notice, debt=debt, principal=Decimal("100.00"), surcharge=Decimal(0)
        )
        now = timezone.now()
        for n in range(options.held):
            settle(
                channel=Payment.Channel.BANK,
                reference=f"BENCH-HELD-{n}",
                amount=Decimal("50.00") if n % 2 else Decimal("7.00"),
                received_at=now,
                rf=notice.rf_code if n % 2 else "RF60ISO11649",
            )
        with connection.cursor() as cursor:
            # Planner statistics, as autovacuum gives a database in use within a minute of the
            # import and of these rows.
            cursor.execute("ANALYZE")
        queue = selectors.finance_queue(selectors.with_unapplied_balance(Payment.objects.all()))
        part = Payment.objects.get(reference="BENCH-HELD-1")
        figures = {
            "the queue's page (100 rows)": best_of(5, lambda: list(queue[:100])),
            "the queue's count": best_of(5, queue.count),
            "the notices paid in parts": best_of(5, lambda: list(selectors.paid_in_parts())),
            "the parts offered beside one": best_of(
                5, lambda: list(selectors.poolable_with(part, debtor=notice.debtor, notice=notice))
            ),
        }
        print(f"{Payment.objects.count()} payments, {queue.count()} in the queue")
        for what, seconds in figures.items():
            print(f"{what}: {seconds * 1000:.1f} ms")
        transaction.set_rollback(True)  # the bank import's database as it was
    return 0


if __name__ == "__main__":
    sys.exit(main())
