"""``manage.py check_ledger``: every cent received is applied, held, returned or known as the
municipality's own transfer, every receipt matches what it applied, and receipt numbers run
without gaps."""

from django.core.management.base import BaseCommand, CommandError

from payments import ledger


class Command(BaseCommand):
    help = (
        "Verify the ledger: each payment's amount = allocations + unapplied + returned + own "
        "transfer; each notice's allocations = its total when paid, else 0; each receipt's "
        "total = its allocations; receipt numbers gapless per series and year. Exits 1 on any "
        "breach."
    )

    def handle(self, *args, **options):
        report = ledger.check()
        for what, count in report.checked.items():
            self.stdout.write(f"checked {count} {what}")
        if report.clean:
            self.stdout.write(self.style.SUCCESS("ledger clean"))
            return
        for breach in report.breaches:
            self.stderr.write(breach)
        raise CommandError(f"{len(report.breaches)} breach(es) of the ledger's invariants")
