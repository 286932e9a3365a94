"""Time the receipt PDF (receipts.pdf) in a warm process against a bare WeasyPrint render.

    .venv/bin/python bench/receipt_pdf.py [--renders 100] [--lines 3] [--out receipt.pdf]

Renders a receipt held in memory (an unsaved model object: the database is never touched) with
``render_receipt_pdf``, which also builds its HTML, QR code and amount in words, and, in turns
with it, a bare WeasyPrint render of the same HTML with its own stylesheet and
``FontConfiguration`` built once and reused. Prints the medians, p95s and their ratio;
docs/PERFORMANCE.md's target is a ratio of at most 1.2.
"""

import argparse
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 5
TARGET_RATIO = 1.2


def sample_receipt(line_count: int):
    """A card receipt of ``line_count`` lines, as issue_receipt would leave it, never saved."""
    from django.utils import timezone

    from debts.models import Debtor
    from receipts.models import Receipt

    lines = [
        {
            "revenue_code": "0311",
            "revenue_name": "Τέλη καθαριότητας και φωτισμού",
            "description": f"Τέλη καθαριότητας και φωτισμού {2020 + n}, Εγνατίας 12",
            "period": f"01/01/{2020 + n} – 31/12/{2020 + n}",
            "principal": str(Decimal("184.60") + n),
            "surcharge": "23.41",
        }
        for n in range(line_count)
    ]
    now = timezone.now()
    return Receipt(
        series="card",
        year=now.year,
        number=123,
        verification_code="7KQ4MZ2HXP9C",
        debtor=Debtor(afm="068933130", last_name="ΒΑΒΟΥΛΑ", first_name="ΕΥΤΥΧΙΑ"),
        payer_afm="068933130",
        payer_name="ΒΑΒΟΥΛΑ ΕΥΤΥΧΙΑ",
        channel="card",
        channel_label="Κάρτα",
        channel_reference="pi_3QxTest0001",
        received_at=now,
        issued_at=now,
        notice_rf="RF18539007547034",
        total=sum(Decimal(line["principal"]) + Decimal(line["surcharge"]) for line in lines),
        lines=lines,
    )


def timed(render) -> float:
    started = time.perf_counter()
    render()
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=100)
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument("--out", type=Path, help="also write one PDF here, to look at")
    options = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thermi_portal.settings")
    django.setup()
    import weasyprint
    from django.contrib.staticfiles import finders
    from weasyprint.text.fonts import FontConfiguration

    from receipts.pdf import STYLESHEET, receipt_html, render_receipt_pdf

    receipt = sample_receipt(options.lines)
    started = time.perf_counter()
    pdf = render_receipt_pdf(receipt)
    cold_ms = (time.perf_counter() - started) * 1000
    if options.out:
        options.out.write_bytes(pdf)

    html = receipt_html(receipt)
    font_config = FontConfiguration()
    stylesheet = weasyprint.CSS(filename=finders.find(STYLESHEET), font_config=font_config)

    def bare():
        weasyprint.HTML(string=html).write_pdf(
            stylesheets=[stylesheet], font_config=font_config, pdf_tags=True
        )

    def warm():
        render_receipt_pdf(receipt)

    for _ in range(WARM_UP):
        bare()
        warm()
    # In turns, so both meet the same moments of a shared machine.
    warm_ms, bare_ms = [], []
    for _ in range(options.renders):
        warm_ms.append(timed(warm))
        bare_ms.append(timed(bare))

    def p95(times):
        return statistics.quantiles(times, n=20)[-1]

    ratio = statistics.median(warm_ms) / statistics.median(bare_ms)
    print(f"receipt PDF, {options.lines} lines, {len(pdf):,} bytes")
    print(f"cold (fonts and stylesheet built): {cold_ms:.1f} ms")
    print(
        f"warm render_receipt_pdf, {options.renders} renders: "
        f"median {statistics.median(warm_ms):.1f} ms, p95 {p95(warm_ms):.1f} ms"
    )
    print(
        f"bare WeasyPrint, same HTML, {options.renders} renders: "
        f"median {statistics.median(bare_ms):.1f} ms, p95 {p95(bare_ms):.1f} ms"
    )
    verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
    print(f"ratio of medians: {ratio:.2f} ({verdict} the target of ≤ {TARGET_RATIO})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
