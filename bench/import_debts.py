"""Time ``manage.py import_debts`` of a generated certification roll of N rows.

    .venv/bin/python bench/import_debts.py [--rows 100000] [--per-debtor 2]

Drops and recreates the PostgreSQL database `thermi_bank_bench` on 127.0.0.1:5432, migrates it,
adds the revenue types, writes a CSV roll of N rows (N / per-debtor debtors with valid ΑΦΜ, one
roll), and times the command in a subprocess (Django's start-up included), then prints the rows,
the debtors, debts and notices created, and the rate. Target (docs/PERFORMANCE.md): ≤ 30 s.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 30

sys.path.insert(0, str(ROOT / "bench"))
from bank_import import recreate  # noqa: E402


def write_roll(path: Path, rows: int, per_debtor: int) -> None:
    from stdnum.gr import vat

    serial = 40_000_000
    with path.open("w", encoding="utf-8") as out:
        out.write("ΑΦΜ;Ονοματεπώνυμο;ΚΑΕ;Περίοδος;Περιγραφή;Κεφάλαιο;Λήξη;")
        out.write("Ημερομηνία βεβαίωσης;Αριθμός καταλόγου\n")
        afm = ""
        for n in range(rows):
            if n % per_debtor == 0:
                while True:
                    serial += 1
                    afm = f"{serial:08d}" + vat.calc_check_digit(f"{serial:08d}")
                    if vat.is_valid(afm):
                        break
            code = "0311" if n % 2 else "0313"
            out.write(
                f"{afm};ΔΟΚΙΜΑΣΤΙΚΟΣ ΟΦΕΙΛΕΤΗΣ {serial};{code};2026;Τέλη ακινήτου {n};"
                f"{20 + n % 500},{n % 100:02d};31/12/2026;01/12/2026;ΒΚ-BENCH/2026\n"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--per-debtor", type=int, default=2)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="thermi_bank_bench")
    options = parser.parse_args()

    recreate(options.server, options.database)
    os.environ.update(
        DATABASE_URL=f"{options.server}/{options.database}",
        DJANGO_SETTINGS_MODULE="thermi_portal.settings",
        DEBUG="false",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from debts.models import CertificationRoll, Debt, Debtor, PaymentNotice, RevenueType

    call_command("migrate", verbosity=0)
    RevenueType.objects.create(code="0311", name="ΤΚΦ", name_en="Cleaning fees", kind="fee")
    RevenueType.objects.create(code="0313", name="ΤΑΠ", name_en="Property tax", kind="tax")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roll.csv"
        write_roll(path, options.rows, options.per_debtor)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "manage.py", "import_debts", str(path)], check=True, cwd=ROOT
        )
        elapsed = time.perf_counter() - start
    made = (Debtor.objects.count(), Debt.objects.count(), PaymentNotice.objects.count())
    if CertificationRoll.objects.count() != 1:
        raise SystemExit("the roll was not imported")
    print(
        f"import_debts of {options.rows} rows: {elapsed:.1f} s ({options.rows / elapsed:,.0f} rows/s)"
    )
    print(f"created {made[0]} debtors, {made[1]} debts, {made[2]} notices")
    print(f"target ≤ {TARGET_SECONDS} s: {'met' if elapsed <= TARGET_SECONDS else 'MISSED'}")
    return 0 if elapsed <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
