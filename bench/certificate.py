"""The certificate of no ΤΑΠ debt: its PDF against a bare WeasyPrint render, and the queries of
issuing the certificates awaiting a batch of paid notices, by batch size.

    .venv/bin/python bench/certificate.py [--renders 100] [--batches 1 10 100 500]

First renders a certificate held in memory (unsaved) with ``render_certificate_pdf`` in turns
with a bare WeasyPrint render of the same HTML, stylesheet and fonts built once and reused, and
prints the medians and their ratio (the receipt's target, docs/PERFORMANCE.md: ≤ 1.2). Then drops
and recreates the PostgreSQL database `thermi_bench_tap`, asks for a certificate for one property
per debtor that owes one ΤΑΠ debt (a request waiting on its notice), and prints: the queries of
a ``settle`` of a notice no request awaits and of one a request awaits; and, for each batch size,
the queries and time of ``issue_awaiting_certificates`` over that many paid notices, as the bank
import's batch path calls it. The deliveries are queued on a Redis database of the bench's own,
then purged.
"""

import argparse
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 5
TARGET_RATIO = 1.2
TRANSACTION_CONTROL = {"BEGIN", "COMMIT"}


def recreate(server: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        database = sql.Identifier(name)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(database))


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


def pdf_ratio(renders: int) -> None:
    import weasyprint
    from django.contrib.staticfiles import finders
    from django.utils import timezone
    from weasyprint.text.fonts import FontConfiguration

    from debts.models import Debtor, Property
    from receipts.certificate_pdf import STYLESHEET, certificate_html, render_certificate_pdf
    from receipts.models import Certificate

    now = timezone.now()
    debtor = Debtor(afm="068933130", last_name="ΒΑΒΟΥΛΑ", first_name="ΕΥΤΥΧΙΑ")
    certificate = Certificate(
        year=now.year,
        number=12,
        verification_code="7KQ4MZ2HXP9C",
        debtor=debtor,
        tap_property=Property(debtor=debtor),
        holder_afm=debtor.afm,
        holder_name=debtor.full_name,
        property_address="Μεγάλου Αλεξάνδρου 14, Θέρμη",
        property_kaek="190451816008/0/2",
        property_supply_number="123456789",
        property_area=Decimal(96),
        property_share=Decimal(100),
        issued_at=now,
        valid_until=now.date(),
    )
    cold = timed(lambda: render_certificate_pdf(certificate))
    html = certificate_html(certificate)
    fonts = FontConfiguration()
    stylesheet = weasyprint.CSS(filename=finders.find(STYLESHEET), font_config=fonts)

    def bare():
        weasyprint.HTML(string=html).write_pdf(
            stylesheets=[stylesheet], font_config=fonts, pdf_tags=True
        )

    def warm():
        render_certificate_pdf(certificate)

    for _ in range(WARM_UP):
        bare()
        warm()
    warm_ms, bare_ms = [], []
    for _ in range(renders):  # in turns, so both meet the same moments of a shared machine
        warm_ms.append(timed(warm))
        bare_ms.append(timed(bare))
    ratio = statistics.median(warm_ms) / statistics.median(bare_ms)
    print(f"certificate PDF: first render {cold:.1f} ms")
    print(f"  render_certificate_pdf median {statistics.median(warm_ms):.1f} ms, ", end="")
    print(f"bare WeasyPrint median {statistics.median(bare_ms):.1f} ms, ratio {ratio:.2f}", end="")
    print(f" ({'meets' if ratio <= TARGET_RATIO else 'MISSES'} ≤ {TARGET_RATIO})")


def owing_tap(count: int) -> list:
    """``count`` new debtors' properties, each owing one ΤΑΠ debt."""
    from stdnum.gr import vat

    from debts.models import Debt, Debtor, Property, RevenueType

    tap, _ = RevenueType.objects.get_or_create(
        code="0313", defaults={"name": "ΤΑΠ", "name_en": "Property tax", "kind": "tax"}
    )
    serial = 30_000_000 + Debtor.objects.count()
    homes = []
    while len(homes) < count:
        serial += 1
        base = f"{serial:08d}"
        afm = base + vat.calc_check_digit(base)
        if not vat.is_valid(afm):
            continue
        debtor = Debtor.objects.create(afm=afm, last_name="ΔΟΚΙΜΑΣΤΙΚΟΣ", first_name="ΟΦΕΙΛΕΤΗΣ")
        home = Property.objects.create(
            debtor=debtor, address="Οδός 1", supply_number=f"1{serial:08d}", area=80
        )
        Debt.objects.create(
            debtor=debtor, revenue_type=tap, description="ΤΑΠ", principal=40, tap_property=home
        )
        homes.append(home)
    return homes


def awaiting_notices(count: int) -> list:
    """The notices of ``count`` requests for a certificate, each awaiting its payment."""
    from receipts.certificates import request_certificate

    return [request_certificate(home.debtor, home.pk).request.notice for home in owing_tap(count)]


def statements(captured) -> int:
    return sum(1 for q in captured.captured_queries if q["sql"] not in TRANSACTION_CONTROL)


def settle_queries() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from debts.services import build_notice
    from payments.services import settle

    awaited = awaiting_notices(1)[0]
    [home] = owing_tap(1)
    plain = build_notice(home.debtor, debts=list(home.debts.all()))
    for label, notice in (("no request awaits it", plain), ("a request awaits it", awaited)):
        with CaptureQueriesContext(connection) as captured:
            settled = settle(
                channel="bank",
                reference=f"BENCH-{notice.pk}",
                amount=notice.total,
                received_at=timezone.now(),
                notice=notice,
            )
        if not settled.applied:
            raise SystemExit(f"notice {notice.pk} was not paid: {settled.reason}")
        print(f"settle() of a one-line notice {label}: {statements(captured)} queries")


def batch_queries(sizes: list[int]) -> None:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from debts.models import Debt
    from receipts.certificates import issue_awaiting_certificates

    print(f"{'notices':>8} {'queries':>8} {'ms':>8} {'certificates':>13}")
    for size in sizes:
        notices = awaiting_notices(size)
        # As the batch's own application leaves them: the notices' debts paid.
        Debt.objects.filter(notice_items__notice__in=notices).update(status=Debt.Status.PAID)
        connection.queries_log.clear()  # it keeps 9,000 at most, which a capture indexes
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            issued = issue_awaiting_certificates(notices)
            elapsed = (time.perf_counter() - started) * 1000
        print(f"{size:>8} {statements(captured):>8} {elapsed:>8.1f} {len(issued):>13}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=100)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 10, 100, 500])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="thermi_bench_tap")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/12")
    options = parser.parse_args()

    recreate(options.server, options.database)
    os.environ.update(
        DATABASE_URL=f"{options.server}/{options.database}",
        CELERY_BROKER_URL=options.broker,
        DJANGO_SETTINGS_MODULE="thermi_portal.settings",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    pdf_ratio(options.renders)
    call_command("migrate", verbosity=0)
    settle_queries()
    batch_queries(options.batches)
    from thermi_portal.celery import app

    app.control.purge()
    return 0


if __name__ == "__main__":
    sys.exit(main())
