"""Time ``import_bank_statement`` of a camt.054 with N credits against N open notices, beside a
bare lxml parse of the same file, in the same run.

    .venv/bin/python bench/bank_import.py [--credits 100000] [--batch 2000] [--workers 2]

Drops and recreates the PostgreSQL database `thermi_bank_bench` on 127.0.0.1:5432, migrates it,
loads N debtors each with one open notice of one debt (bulk, not timed), writes the camt.054
(v08, one RF credit per notice), then in turns: the bare parse (lxml ``iterparse`` reading the
amount and the RF of each entry, clearing as it goes) and the import (in a child process, so its
peak memory, ``VmHWM``, is its own; with ``--workers`` processes, as the command's option).
Prints both times, the ratio, the peak memory of the import and its workers together (their
proportional set sizes summed, sampled every 0.1 s: a forked worker shares its parent's pages
until it writes them, so their resident sizes added would count those pages twice; never less
than the import's own peak resident size), each one's peak resident size, and the database
server's CPU time during the import (all its processes, read from ``/proc`` when PostgreSQL
runs on this machine, once the import's backends have ended; any other work of the server in
those seconds counts too). Targets
(docs/PERFORMANCE.md): ratio ≤ 10, peak memory < 500 MB. The receipts' deliveries are queued
on a Redis database of their own, then purged (the worker is not timed).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NS = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"


def recreate(server: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        database = sql.Identifier(name)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(database))


def load_notices(count: int) -> list[tuple[str, Decimal]]:
    """``count`` debtors with one open notice each, in bulk; their (RF, total)."""
    from django.conf import settings
    from django.utils import timezone
    from stdnum.gr import vat

    from debts.models import Debt, Debtor, NoticeItem, PaymentNotice, RevenueType
    from debts.rf import make_rf

    revenue = RevenueType.objects.create(
        code="0311", name="Τέλη καθαριότητας", name_en="Cleaning fees", kind="fee"
    )
    afms, serial = [], 30_000_000
    while len(afms) < count:
        serial += 1
        afm = f"{serial:08d}" + vat.calc_check_digit(f"{serial:08d}")
        if vat.is_valid(afm):
            afms.append(afm)
    debtors = Debtor.objects.bulk_create(
        Debtor(afm=afm, last_name="ΔΟΚΙΜΑΣΤΙΚΟΣ", first_name="ΟΦΕΙΛΕΤΗΣ") for afm in afms
    )
    amounts = [Decimal("20.00") + Decimal(n % 5000) / 100 for n in range(count)]
    debts = Debt.objects.bulk_create(
        Debt(debtor=d, revenue_type=revenue, description="Τέλη 2026", principal=amount)
        for d, amount in zip(debtors, amounts, strict=True)
    )
    until = timezone.localdate() + timedelta(days=30)
    rfs = [
        make_rf(n + 1, creditor_code=settings.RF_CREDITOR_CODE, amount=amount)
        for n, amount in enumerate(amounts)
    ]
    notices = PaymentNotice.objects.bulk_create(
        PaymentNotice(debtor=d, rf_code=rf, origin="municipality", valid_until=until, total=a)
        for d, rf, a in zip(debtors, rfs, amounts, strict=True)
    )
    NoticeItem.objects.bulk_create(
        NoticeItem(notice=n, debt=d, principal=d.principal, surcharge=Decimal(0))
        for n, d in zip(notices, debts, strict=True)
    )
    return list(zip(rfs, amounts, strict=True))


def write_camt054(path: Path, credits: list[tuple[str, Decimal]]) -> None:
    """One booked credit entry per notice, with its RF in ``Strd/CdtrRefInf/Ref``."""
    with path.open("w", encoding="utf-8") as out:
        out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{NS}">')
        out.write("<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>BENCH-1</MsgId>")
        out.write("<CreDtTm>2026-12-04T18:00:00</CreDtTm></GrpHdr><Ntfctn><Id>BENCH-1-1</Id>")
        out.write("<Acct><Id><IBAN>GR1601101250000000012300695</IBAN></Id></Acct>")
        for n, (rf, amount) in enumerate(credits):
            out.write(
                f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
                "<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-12-04</Dt></BookgDt>"
                f"<ValDt><Dt>2026-12-04</Dt></ValDt><AcctSvcrRef>BR{n:09d}</AcctSvcrRef>"
                "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd>"
                f"</Fmly></Domn></BkTxCd><NtryDtls><TxDtls><Refs><EndToEndId>E2E{n:09d}"
                f'</EndToEndId><TxId>TX{n:09d}</TxId></Refs><Amt Ccy="EUR">{amount}</Amt>'
                "<RltdPties><Dbtr><Pty><Nm>ΠΑΠΑΔΟΠΟΥΛΟΣ ΓΕΩΡΓΙΟΣ</Nm></Pty></Dbtr><DbtrAcct>"
                "<Id><IBAN>GR9608100010000001234567890</IBAN></Id></DbtrAcct></RltdPties>"
                "<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry>"
                f"<Issr>ISO</Issr></Tp><Ref>{rf}</Ref></CdtrRefInf></Strd></RmtInf>"
                "</TxDtls></NtryDtls></Ntry>"
            )
        out.write("</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>")


def bare_parse(path: Path) -> tuple[float, int, Decimal]:
    """The reference: lxml iterparse reading amount and RF of each entry, clearing as it goes."""
    from lxml import etree

    start = time.perf_counter()
    count, total = 0, Decimal(0)
    ntry, amt, ref = f"{{{NS}}}Ntry", f"{{{NS}}}Amt", f".//{{{NS}}}Ref"
    for _event, element in etree.iterparse(str(path), tag=ntry, resolve_entities=False):
        total += Decimal(element.findtext(amt))
        count += bool(element.findtext(ref))
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]
    return time.perf_counter() - start, count, total


CHILD = """
import os, resource, sys, threading, time
import django
django.setup()
from django.db import connections
from payments.statement_import import import_bank_statement

def server_cpu():
    # The PostgreSQL server's CPU seconds, read from /proc (same machine): every process of it,
    # and in the postmaster's children's times those that ended (the workers' backends).
    tick, total = os.sysconf("SC_CLK_TCK"), 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            name, fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)
        except OSError:
            continue
        if not name.endswith("(postgres"):
            continue
        # utime, stime, and cutime, cstime: those of its children that ended.
        total += sum(int(value) for value in fields.split()[11:15])
    return total / tick

def backends_ended(database):
    # Wait (10 s at most) until no server process serves the database: the workers' backends
    # are then reaped, their CPU in the postmaster's children's times, none read twice or lost.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        titles = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                titles.append(open(f"/proc/{pid}/cmdline").read())
            except OSError:
                pass
        if not any(title.startswith("postgres:") and f" {database} " in title for title in titles):
            return
        time.sleep(0.05)

def pss(pid):
    # The process's proportional set size in MB: a page shared by n processes counts 1/n each,
    # so summed over the import and its forked workers it is the memory they hold together. A
    # worker that has just ended holds nothing; this process must be read.
    try:
        lines = open(f"/proc/{pid}/smaps_rollup").readlines()
    except OSError:
        if pid == "self":
            raise
        return 0.0
    return next(int(line.split()[1]) / 1024 for line in lines if line.startswith("Pss:"))

def workers():
    me = str(os.getpid())
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1] == me:
                yield pid
        except OSError:
            pass

highest, finished = [0.0], threading.Event()

def sample():
    while not finished.wait(0.1):
        highest[0] = max(highest[0], pss("self") + sum(pss(pid) for pid in workers()))

sampler = threading.Thread(target=sample, daemon=True)
sampler.start()
server_before = server_cpu()
start = time.perf_counter()
summary = import_bank_statement(
    sys.argv[1], batch_size=int(sys.argv[2]), workers=int(sys.argv[3])
)
elapsed = time.perf_counter() - start
finished.set()
sampler.join()
connections.close_all()
backends_ended(connections["default"].settings_dict["NAME"])
server = server_cpu() - server_before
# This process's own high-water mark (ru_maxrss would carry the parent's, with its 100,000
# notices loaded, across the fork and exec), and the largest worker's.
peak = next(
    int(line.split()[1]) / 1024 for line in open("/proc/self/status") if line.startswith("VmHWM")
)
worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(
    elapsed, summary.settled, summary.settled_amount, sum(summary.held.values()), peak, worker,
    highest[0], server,
)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--credits", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2, help="as the command's --workers")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="thermi_bank_bench")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/5")
    options = parser.parse_args()

    recreate(options.server, options.database)
    os.environ.update(
        DATABASE_URL=f"{options.server}/{options.database}",
        CELERY_BROKER_URL=options.broker,
        DJANGO_SETTINGS_MODULE="thermi_portal.settings",
        # As in production: DEBUG keeps every query's text, which a bulk import must not pay.
        DEBUG="false",
        PYTHONPATH=str(ROOT),
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    credits = load_notices(options.credits)
    from django.db import connection

    with connection.cursor() as cursor:
        # Planner statistics for the tables just loaded, as autovacuum gives a database in use
        # within a minute: without them the import's joins are planned for empty tables.
        cursor.execute("ANALYZE")
    print(f"loaded {options.credits} open notices in {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "camt054.xml"
        write_camt054(path, credits)
        size = path.stat().st_size / 1e6
        bare, found, total = bare_parse(path)
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(path), str(options.batch), str(options.workers)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        bare_after, _found, _total = bare_parse(path)
    elapsed, settled, amount, held, peak, worker, memory, server = child.stdout.split()
    # Sampled, the sum can miss a short peak: the import's own high-water mark is a floor.
    memory = max(float(memory), float(peak))
    reference = min(bare, bare_after)
    ratio = float(elapsed) / reference
    print(f"camt.054 of {options.credits} credits, {size:.1f} MB, {total} € in all")
    print(
        f"bare lxml parse: {reference:.2f} s ({found} RFs read; {bare:.2f} s before, "
        f"{bare_after:.2f} s after the import)"
    )
    print(
        f"import ({options.workers} worker{'s' if options.workers > 1 else ''}): "
        f"{float(elapsed):.2f} s, {settled} settled ({amount} €), {held} held"
    )
    workers = (
        f", {float(worker):.0f} MB the largest worker's (pages they share counted in each)"
        if options.workers > 1
        else ""
    )
    print(
        f"peak memory: {memory:.0f} MB in all (the larger of the import's and its workers' "
        f"proportional set sizes summed every 0.1 s and the import's peak resident size); "
        f"peak resident size {float(peak):.0f} MB the import's{workers}"
    )
    print(
        f"the database server's CPU (all its processes): {float(server):.2f} s, "
        f"{float(server) / reference:.1f}× the bare parse"
    )
    print(
        f"ratio import / bare parse: {ratio:.1f} (target ≤ 10); "
        f"memory target < 500 MB: {'met' if memory < 500 else 'MISSED'}"
    )
    from thermi_portal.celery import app

    app.control.purge()
    return 0 if ratio <= 10 and memory < 500 else 1


if __name__ == "__main__":
    sys.exit(main())
