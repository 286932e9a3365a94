"""Time the payment notice PDF (debts.notice_pdf) in a warm process.

    .venv/bin/python bench/notice_pdf.py [--renders 50] [--items 6] [--language el] [--out x.pdf]

Renders a notice held in memory (unsaved model objects: the database is never touched), once
cold (fonts and stylesheet built on first use), a few times to warm up, then ``--renders`` times,
and prints the median and p95 in ms. docs/PERFORMANCE.md sets no target for the notice; the
receipt PDF's, a shorter document, is 30 ms median in a warm worker.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 5


def sample_notice(item_count: int):
    """A notice with ``item_count`` debts, as build_notice would leave it, never saved."""
    from debts import rf
    from debts.models import Debt, Debtor, NoticeItem, PaymentNotice, RevenueType

    debtor = Debtor(
        afm="068933130",
        last_name="ΒΑΒΟΥΛΑ",
        first_name="ΕΥΤΥΧΙΑ",
        street="Εγνατίας 12",
        postal_code="57001",
        city="Θέρμη",
    )
    cleaning = RevenueType(
        code="0311", name="Τέλη καθαριότητας και φωτισμού", name_en="Cleaning and lighting fees"
    )
    items = []
    for n in range(item_count):
        year = 2020 + n
        debt = Debt(
            debtor=debtor,
            revenue_type=cleaning,
            description=f"Τέλη καθαριότητας και φωτισμού {year}, Εγνατίας 12",
            reference=f"ΠΑΡ-{1000 + n}",
            period_start=date(year, 1, 1),
            period_end=date(year, 12, 31),
            principal=Decimal("184.60") + n,
            due_date=date(year + 1, 3, 31),
        )
        items.append(NoticeItem(debt=debt, principal=debt.principal, surcharge=Decimal("23.41")))
    total = sum(item.amount for item in items)
    notice = PaymentNotice(
        debtor=debtor,
        rf_code=rf.make_rf(123456, creditor_code="0460", amount=total),
        valid_until=date.today() + timedelta(days=7),
        total=total,
    )
    return notice, items


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=50)
    parser.add_argument("--items", type=int, default=6)
    parser.add_argument("--language", default="el")
    parser.add_argument("--out", type=Path, help="also write one PDF here, to look at")
    options = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thermi_portal.settings")
    django.setup()
    from django.utils import translation

    from debts.notice_pdf import render_notice_pdf_of_lines
    from debts.selectors import NoticeLines

    translation.activate(options.language)
    notice, items = sample_notice(options.items)
    lines = NoticeLines(items=items)

    started = time.perf_counter()
    pdf = render_notice_pdf_of_lines(notice, lines)
    cold_ms = (time.perf_counter() - started) * 1000
    if options.out:
        options.out.write_bytes(pdf)
    for _ in range(WARM_UP):
        render_notice_pdf_of_lines(notice, lines)
    times = []
    for _ in range(options.renders):
        started = time.perf_counter()
        render_notice_pdf_of_lines(notice, lines)
        times.append((time.perf_counter() - started) * 1000)

    median = statistics.median(times)
    p95 = statistics.quantiles(times, n=20)[-1]
    print(f"notice PDF, {options.items} items, {len(pdf):,} bytes, language {options.language}")
    print(f"cold (fonts and stylesheet built): {cold_ms:.1f} ms")
    print(f"warm, {options.renders} renders: median {median:.1f} ms, p95 {p95:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
