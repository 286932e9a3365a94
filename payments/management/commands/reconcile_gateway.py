"""``manage.py reconcile_gateway --date 2026-12-05``: the card gateway's charges and refunds of
a day against the portal's payments and returns; settles what the portal missed, lists the
differences (exit status 1 when there are any) and the day's fees."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from payments.reconciliation import reconcile_gateway


class Command(BaseCommand):
    help = "Reconcile the card gateway's charges and refunds of a day with the portal."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=date.fromisoformat,
            default=None,
            help="The day, YYYY-MM-DD (Europe/Athens); yesterday by default.",
        )

    def handle(self, *args, **options):
        day = options["date"] or timezone.localdate() - timedelta(days=1)
        result = reconcile_gateway(day)
        self.stdout.write(
            f"{day}: {result.charges} charges, {result.refunds} refunds at the gateway; "
            f"fees {result.fees} €"
        )
        for reference in result.settled_now:
            self.stdout.write(f"settled now: {reference}")
        for reference in result.returned_now:
            self.stdout.write(f"recorded as returned now: {reference}")
        for difference in result.differences:
            self.stdout.write(f"DIFFERENCE: {difference}")
        if result.differences:
            raise CommandError(f"{len(result.differences)} differences on {day}")
