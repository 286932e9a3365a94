"""``manage.py reconcile_gateway --date 2026-12-05``: the card gateway's charges and refunds of
a day against the portal's payments and returns; settles what the portal missed, lists the
differences (exit status 1 when there are any) and the day's fees."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from debts.money import euros
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
        shown = date_format(day, "SHORT_DATE_FORMAT")
        self.stdout.write(
            _(
                "%(day)s: %(charges)s χρεώσεις, %(refunds)s επιστροφές χρημάτων στην πύλη "
                "πληρωμών· προμήθειες %(fees)s"
            )
            % {
                "day": shown,
                "charges": result.charges,
                "refunds": result.refunds,
                "fees": euros(result.fees),
            }
        )
        for reference in result.settled_now:
            self.stdout.write(_("καταχωρίστηκε τώρα: %(reference)s") % {"reference": reference})
        for reference in result.returned_now:
            self.stdout.write(
                _("καταγράφηκε τώρα ως επιστραμμένη: %(reference)s") % {"reference": reference}
            )
        for difference in result.differences:
            self.stdout.write(_("ΔΙΑΦΟΡΑ: %(difference)s") % {"difference": difference})
        if result.differences:
            count = len(result.differences)
            raise CommandError(
                ngettext("%(n)s διαφορά στις %(day)s", "%(n)s διαφορές στις %(day)s", count)
                % {"n": count, "day": shown}
            )
