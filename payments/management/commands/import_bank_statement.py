"""``manage.py import_bank_statement FILE...``: turn the bank's camt.054, camt.053 or MT940 files
into payments, receipts and the queue of unapplied money, each credit once."""

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from tqdm import tqdm

from debts.command_files import check_readable
from debts.money import euros
from payments.models import StatementEntry, UnappliedReason
from payments.selectors import paid_in_parts, taken_back_payments
from payments.statement_files import BrokenStatement, after_another
from payments.statement_import import ImportStopped, import_bank_statement

# Two processes keep Python and the database busy at once (bench/README: 100,000 credits in
# about half the time of one); a third gained nothing on two cores.
WORKERS = 2


class Command(BaseCommand):
    help = (
        "Import bank statements (camt.054, camt.053 any version, MT940): each booked credit is "
        "settled by its RF as a bank/DIAS payment, or held as unapplied with its reason; debits "
        "and returns are recorded apart. Importing a file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would happen; record nothing"
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="no progress bar even on a terminal"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=WORKERS,
            help=f"processes that import the batches side by side (default {WORKERS}; 1: this "
            "process alone)",
        )

    def handle(self, *args, files, dry_run, no_progress, workers, **options):
        if workers < 1:
            raise CommandError(_("Το --workers είναι τουλάχιστον 1."))
        check_readable(*files)
        if dry_run:
            # The files in one transaction rolled back at the end, in one process: each sees
            # what those before it would record, as in the real run (a camt.053 after its
            # camt.054 skips the credits the other carried).
            with transaction.atomic():
                refusals = self._import_each(files, True, no_progress, 1)
                transaction.set_rollback(True)
        else:
            refusals = self._import_each(files, False, no_progress, workers)
        if refusals:
            raise CommandError("\n".join(refusals))

    def _import_each(self, files, dry_run, no_progress, workers) -> list[str]:
        """Each file on its own: one refused, or stopped, does not keep the others out. The
        refusals, for the end, when the command then fails."""
        refusals, imported = [], False
        for path in files:
            try:
                summary = self._import(path, no_progress, workers)
            except BrokenStatement as error:
                refusals.append(
                    _("Το αρχείο %(path)s απορρίφθηκε, δεν καταχωρίστηκε τίποτα: %(why)s")
                    % {"path": path, "why": error}
                )
            except ValidationError as error:
                refusals.append(
                    _("Το αρχείο %(path)s απορρίφθηκε: %(why)s")
                    % {"path": path, "why": " ".join(error.messages)}
                )
            except ImportStopped as error:
                self._report_stopped(path, error.summary)
                refusals.append(
                    _(
                        "Το αρχείο %(path)s δεν εισήχθη ολόκληρο (%(done)s από %(total)s "
                        "κινήσεις): %(why)s Ό,τι καταχωρίστηκε μένει· εκτελέστε ξανά την εντολή "
                        "για να ολοκληρωθεί."
                    )
                    % {
                        "path": path,
                        "done": error.summary.committed,
                        "total": len(error.summary.statement.transactions),
                        "why": error,
                    }
                )
            except DatabaseError as error:
                refusals.append(
                    _(
                        "Το αρχείο %(path)s δεν εισήχθη, δεν καταχωρίστηκε τίποτα: σφάλμα της "
                        "βάσης δεδομένων (%(why)s)."
                    )
                    % {"path": path, "why": error}
                )
            else:
                self._report(path, summary, dry_run)
                imported = True
        if imported:  # a dry run's too, in its transaction: what the real run would say
            self._parts_to_pool()
        return refusals

    def _parts_to_pool(self) -> None:
        """Tell of held payments that, together, pay the notice they name: a person pools them."""
        count = paid_in_parts().count()
        if count:
            self.stdout.write(
                _(
                    "Στην ουρά: %(n)s αδιάθετες πληρωμές εξοφλούν μαζί το ειδοποιητήριό τους· "
                    "διαθέστε τες μαζί («Αδιάθετα ποσά», φίλτρο «σε μέρη»)."
                )
                % {"n": count}
            )

    def _import(self, path, no_progress, workers):
        def waiting() -> None:
            self.stderr.write(
                _("%(path)s: εκτελείται άλλη εισαγωγή αρχείων τράπεζας· αναμονή να τελειώσει…")
                % {"path": path}
            )

        options = {"workers": workers, "waiting": waiting}
        if no_progress or not sys.stderr.isatty():
            return import_bank_statement(path, **options)
        # The unit is a plural noun after a number ("100000 εγγραφές"), and "/s" after a rate.
        with tqdm(desc=path, unit=" " + _("εγγραφές"), file=sys.stderr) as bar:

            def show(done: int, total: int) -> None:
                bar.total, bar.n = total, done
                bar.refresh()

            return import_bank_statement(path, progress=show, **options)

    def _report_stopped(self, path, summary):
        """What the batches of a file whose import stopped committed: they stay recorded (their
        receipts issued), and the run that finishes the file skips them as imported, so this
        is the one summary that tells them."""
        self._heading(path, summary.statement)
        self.stdout.write(
            _("Καταχωρίστηκαν πριν τη διακοπή: %(done)s από %(total)s κινήσεις")
            % {"done": summary.committed, "total": len(summary.statement.transactions)}
        )
        self._recorded(summary)

    def _heading(self, path, statement):
        version = f" v{statement.version}" if statement.version else ""
        self.stdout.write(f"{path}: {statement.format}{version} {statement.message_id}".rstrip())

    def _report(self, path, summary, dry_run):
        statement = summary.statement
        write = self.stdout.write
        self._heading(path, statement)
        write(_("Κινήσεις που διαβάστηκαν: %(n)s") % {"n": summary.read})
        self._recorded(summary)
        self._told_apart(summary)
        self._balances(statement)
        if dry_run:
            write(self.style.WARNING(_("Δοκιμαστική εκτέλεση: δεν καταχωρίστηκε τίποτα.")))

    def _recorded(self, summary):
        """The lines of what the batches did, in euros: settled, held, apart, skipped."""
        write = self.stdout.write
        write(
            _("Εξοφλήθηκαν: %(n)s (%(sum)s)")
            % {"n": summary.settled, "sum": euros(summary.settled_amount)}
        )
        for reason, count in sorted(summary.held.items()):
            write(
                _("Αδιάθετα, %(reason)s: %(n)s (%(sum)s)")
                % {
                    "reason": UnappliedReason(reason).label,
                    "n": count,
                    "sum": euros(summary.held_amount[reason]),
                }
            )
        if summary.payouts:
            write(
                _("Εκκαθαρίσεις πληρωμών με κάρτα, χρήματα του Δήμου: %(n)s (%(sum)s)")
                % {"n": summary.payouts, "sum": euros(summary.payouts_amount)}
            )
        for (kind, credit), count in sorted(summary.other.items()):
            label = str(StatementEntry.Kind(kind).label)
            if kind == StatementEntry.Kind.RETURN:  # money back either way: say which
                way = _("πίστωση του λογαριασμού") if credit else _("χρέωση του λογαριασμού")
                label = f"{label}, {way}"
            write(
                _("%(kind)s, χωριστά: %(n)s (%(sum)s)")
                % {"kind": label, "n": count, "sum": euros(summary.other_amount[kind, credit])}
            )
        write(
            _("Ήδη εισηγμένες, παραλείφθηκαν: %(n)s (καθαρό %(sum)s)")
            % {"n": summary.skipped, "sum": euros(summary.skipped_amount)}
        )
        self._taken_back(summary)

    def _taken_back(self, summary):
        """Credits imported before that the bank took back: each payment a person must still
        reverse and record as returned, and each own transfer whose money finance must trace
        (``taken_back_payments``)."""
        if not summary.taken_back:
            return
        states = taken_back_payments([pk for *_entry, pks in summary.taken_back for pk in pks])
        standing, own = [], []
        for _account, reference, transaction_id, amount, pks in summary.taken_back:
            left = [states[pk] for pk in pks if pk in states]
            if len(pks) == 1 and left and hasattr(left[0][0], "own_transfer"):
                own.append((reference, amount, left[0][0]))
            elif left:
                standing.append((reference, transaction_id, amount, pks, left))
        self._payers_taken_back(standing)
        self._own_taken_back(own)

    def _payers_taken_back(self, standing):
        if not standing:
            return
        write = self.stdout.write
        write(
            self.style.WARNING(
                _(
                    "Αντιλογισμοί πιστώσεων που είχαν εισαχθεί: %(n)s. Η τράπεζα πήρε πίσω τα "
                    "χρήματα: ακυρώστε την απόδειξη της πληρωμής, σημειώστε το ποσό προς "
                    "επιστροφή και καταγράψτε την επιστροφή με την αναφορά του αντιλογισμού."
                )
                % {"n": len(standing)}
            )
        )
        for reference, transaction_id, amount, pks, left in standing:
            if len(pks) == 1:
                payment, receipts = left[0]
                write(
                    self.style.WARNING(
                        _(
                            "  αντιλογισμός %(reference)s (%(amount)s): πληρωμή %(payment)s, "
                            "απόδειξη σε ισχύ %(receipts)s, αδιάθετα %(held)s"
                        )
                        % {
                            "reference": reference,
                            "amount": euros(amount),
                            **self._payment_values(payment, receipts),
                        }
                    )
                )
                continue
            # The id is not one the bank gave a single credit (a payer's end-to-end id, the RF
            # paid twice): which of them it took back is for the bank to say.
            write(
                self.style.WARNING(
                    _(
                        "  αντιλογισμός %(reference)s (%(amount)s): %(n)s πιστώσεις που "
                        "εισήχθησαν έχουν το αναγνωριστικό του, %(id)s, και το ποσό του· "
                        "ελέγξτε με την τράπεζα ποια πήρε πίσω:"
                    )
                    % {
                        "reference": reference,
                        "amount": euros(amount),
                        "n": len(pks),
                        "id": transaction_id,
                    }
                )
            )
            for payment, receipts in left:
                if hasattr(payment, "own_transfer"):
                    line = _("    πληρωμή %(payment)s, μεταφορά του Δήμου: %(kind)s, %(note)s") % (
                        self._own_values(payment)
                    )
                else:
                    line = _(
                        "    πληρωμή %(payment)s, απόδειξη σε ισχύ %(receipts)s, αδιάθετα %(held)s"
                    ) % self._payment_values(payment, receipts)
                write(self.style.WARNING(line))

    def _own_taken_back(self, own):
        """Credits recorded as the municipality's own transfers that the bank took back: nothing
        in the portal undoes one (no receipt, nothing held), yet the money is gone from the
        account, so finance traces it with the bank and whoever sent it."""
        if not own:
            return
        write = self.stdout.write
        write(
            self.style.WARNING(
                _(
                    "Αντιλογισμοί πιστώσεων που είχαν καταγραφεί ως μεταφορές του Δήμου: %(n)s. "
                    "Η τράπεζα πήρε πίσω τα χρήματα και δεν είναι πια στον λογαριασμό· δεν "
                    "υπάρχει απόδειξη να ακυρωθεί ούτε ποσό να επιστραφεί: ελέγξτε με την "
                    "τράπεζα και με όποιον έστειλε τη μεταφορά (την πύλη καρτών, το ταμείο, τον "
                    "άλλο λογαριασμό) πού βρίσκονται."
                )
                % {"n": len(own)}
            )
        )
        for reference, amount, payment in own:
            write(
                self.style.WARNING(
                    _(
                        "  αντιλογισμός %(reference)s (%(amount)s): πληρωμή %(payment)s, "
                        "%(kind)s, %(note)s"
                    )
                    % {"reference": reference, "amount": euros(amount), **self._own_values(payment)}
                )
            )

    @staticmethod
    def _own_values(payment) -> dict:
        transfer = payment.own_transfer
        return {
            "payment": payment.reference,
            "kind": transfer.get_kind_display(),
            "note": transfer.note,
        }

    @staticmethod
    def _payment_values(payment, receipts) -> dict:
        return {
            "payment": payment.reference,
            "receipts": ", ".join(r.display_number for r in receipts) or "—",
            "held": euros(payment.held),
        }

    def _told_apart(self, summary):
        """The entries skipped that a person should check with the bank, and those the file
        left aside (not booked, of no money)."""
        write, statement = self.stdout.write, summary.statement
        if summary.skipped_by_content:
            write(
                self.style.WARNING(
                    _(
                        "Από αυτές, %(n)s χωρίς αναφορά της τράπεζας αναγνωρίστηκαν από το "
                        "περιεχόμενό τους (ημέρα, ποσό, πληρωτής, αιτιολογία): αν το αρχείο δεν "
                        "επικαλύπτει αρχείο που εισήχθη, ελέγξτε τες με την τράπεζα, γιατί "
                        "μπορεί να είναι άλλες, όμοιες πληρωμές."
                    )
                    % {"n": summary.skipped_by_content}
                )
            )
        if summary.booked_otherwise:
            write(
                self.style.WARNING(
                    _(
                        "Από αυτές, %(n)s είχαν εισαχθεί με την ίδια αναφορά αλλά άλλη ημέρα "
                        "λογιστικοποίησης: η τράπεζα λογιστικοποιεί μια κίνηση μία φορά, οπότε "
                        "μπορεί να είναι άλλες πληρωμές με αναφορά που δόθηκε ξανά· ελέγξτε τες "
                        "με την τράπεζα:"
                    )
                    % {"n": len(summary.booked_otherwise)}
                )
            )
            for account, reference, bank_id, amount, booked, before in summary.booked_otherwise:
                write(
                    self.style.WARNING(
                        _(
                            "  λογαριασμός %(account)s, αναφορά %(reference)s%(bank_id)s: "
                            "%(amount)s, λογιστικοποίηση %(booked)s, της εισηγμένης %(before)s"
                        )
                        % {
                            "account": account,
                            "reference": reference,
                            "bank_id": f" / {bank_id}" if bank_id else "",
                            "amount": euros(amount),
                            "booked": date_format(booked, "SHORT_DATE_FORMAT"),
                            "before": date_format(before, "SHORT_DATE_FORMAT"),
                        }
                    )
                )
        if statement.not_booked:
            write(_("Μη λογιστικοποιημένες, αγνοήθηκαν: %(n)s") % {"n": statement.not_booked})
        if statement.no_money:
            write(_("Μηδενικού ποσού, αγνοήθηκαν: %(n)s") % {"n": statement.no_money})

    def _balances(self, statement):
        """Each account's statement: its balances agree with its movements, or their net."""
        write = self.stdout.write
        after = {id(report): before for report, before in after_another(statement)}
        for report in statement.reports:
            if report.opening is not None and report.closing is not None:
                write(
                    _(
                        "Λογαριασμός %(account)s: αρχικό υπόλοιπο %(opening)s + κινήσεις "
                        "%(net)s = τελικό υπόλοιπο %(closing)s: συμφωνεί."
                    )
                    % {
                        "account": report.account,
                        "opening": euros(report.opening),
                        "net": euros(report.net),
                        "closing": euros(report.closing),
                    }
                )
            else:
                write(
                    ngettext(
                        "Λογαριασμός %(account)s: %(n)s κίνηση, καθαρό σύνολο %(net)s.",
                        "Λογαριασμός %(account)s: %(n)s κινήσεις, καθαρό σύνολο %(net)s.",
                        report.entries,
                    )
                    % {"account": report.account, "n": report.entries, "net": euros(report.net)}
                )
            if id(report) in after:  # a statement between them, not in the file
                write(
                    self.style.WARNING(
                        _(
                            "Λογαριασμός %(account)s: αυτή η κατάσταση ανοίγει με "
                            "%(opening)s, ενώ η προηγούμενη του αρχείου έκλεισε με "
                            "%(closing)s: κινήσεις %(gap)s ανάμεσά τους δεν είναι στο αρχείο."
                        )
                        % {
                            "account": report.account,
                            "opening": euros(report.opening),
                            "closing": euros(after[id(report)].closing),
                            "gap": euros(report.opening - after[id(report)].closing),
                        }
                    )
                )
