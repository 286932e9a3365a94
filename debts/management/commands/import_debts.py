"""``manage.py import_debts FILE``: certify a roll (βεβαιωτικός κατάλογος) from CSV or XLSX."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from debts.command_files import check_readable
from debts.money import euros
from debts.rolls import BadRoll, Notices, import_roll, read_roll


class Command(BaseCommand):
    help = (
        "Import a certification roll (CSV or XLSX: ΑΦΜ, name, revenue code, period, description, "
        "principal, due date, certification date, roll number). Every row is checked first; if "
        "any is bad nothing is imported and every bad row is listed with its line number."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")
        parser.add_argument(
            "--notices",
            choices=Notices.CHOICES,
            default=Notices.PER_DEBTOR,
            help="notices to issue: one per debtor and roll (default), one per debt, or none",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row; import nothing"
        )

    def handle(self, *args, file, notices, dry_run, **options):
        check_readable(file)
        try:
            rows = read_roll(file)
            summary = None if dry_run else import_roll(rows, notices=notices)
        except BadRoll as error:
            for line, reason in error.errors:
                self.stderr.write(
                    _("Γραμμή %(line)s: %(reason)s.") % {"line": line, "reason": reason}
                )
            count = len(error.errors)
            raise CommandError(
                ngettext(
                    "%(count)s σφάλμα στο %(path)s: δεν εισήχθη τίποτα.",
                    "%(count)s σφάλματα στο %(path)s: δεν εισήχθη τίποτα.",
                    count,
                )
                % {"count": count, "path": file}
            ) from error
        if dry_run:
            self.stdout.write(
                ngettext(
                    "%(rows)s γραμμή χωρίς σφάλμα· δοκιμαστική εκτέλεση, δεν εισήχθη τίποτα.",
                    "%(rows)s γραμμές χωρίς σφάλμα· δοκιμαστική εκτέλεση, δεν εισήχθη τίποτα.",
                    len(rows),
                )
                % {"rows": len(rows)}
            )
            return
        write = self.stdout.write
        write(
            _("Κατάλογοι: %(rolls)s (%(numbers)s)")
            % {"rolls": summary.rolls, "numbers": ", ".join(summary.roll_numbers)}
        )
        write(
            _("Οφειλέτες: %(created)s νέοι, %(matched)s υπάρχοντες")
            % {"created": summary.debtors_created, "matched": summary.debtors_matched}
        )
        write(
            _("Οφειλές βεβαιώθηκαν: %(n)s (%(sum)s)")
            % {"n": summary.debts, "sum": euros(summary.principal)}
        )
        write(
            _("Ειδοποιητήρια με RF: %(n)s (%(sum)s)")
            % {"n": summary.notices, "sum": euros(summary.notice_total)}
        )
