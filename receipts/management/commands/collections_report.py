"""``manage.py collections_report --from D --to D [--format csv|xlsx]``: collections by day,
channel (the counter's by tender) and revenue code, with the receipt numbers issued, for the
accounts office."""

import csv
from datetime import date
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from debts.command_files import check_writable
from debts.money import figures
from receipts.models import Series, payment_way
from receipts.reports import collections


def day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(
            _("Μη έγκυρη ημερομηνία «%(value)s»: γράψτε ΕΕΕΕ-ΜΜ-ΗΗ.") % {"value": value}
        ) from error


class RevenueCode(str):
    """A revenue code (ΚΑΕ): text, however many of its characters are digits."""


def _cell(value) -> str:
    """A CSV cell as Greek Excel reads it: euros with two decimals after a comma (a sum of no
    receipts too)."""
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, RevenueCode):
        # Excel makes digits a number, «0311» 311: a formula of the text keeps it as written.
        text = value.replace('"', '""')
        return f'="{text}"'
    return str(value)


EUROS = "#,##0.00"
# Excel's width, in characters, of a column that shows a date or an amount whole.
NARROWEST = 14


class Command(BaseCommand):
    help = (
        "Collections by day of issue, channel (the counter's cash and card terminal apart) and "
        "revenue code (principal, surcharge and "
        "settlement interest apart), "
        "then the receipt number ranges per series and day; totals agree with the receipts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", required=True, metavar="ΕΕΕΕ-ΜΜ-ΗΗ")
        parser.add_argument("--to", dest="last", required=True, metavar="ΕΕΕΕ-ΜΜ-ΗΗ")
        parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
        parser.add_argument(
            "--output", "-o", metavar="FILE", help="where to write (CSV: standard output)"
        )

    def handle(self, *args, first, last, format, output, **options):
        first, last = day(first), day(last)
        if last < first:
            raise CommandError(_("Η αρχή της περιόδου είναι μετά το τέλος της."))
        if format == "xlsx" and not output:
            raise CommandError(_("Για XLSX δώστε αρχείο με --output."))
        if output:
            check_writable(output)
        report = collections(first, last)
        if report.total != report.receipts_total:
            raise CommandError(
                _(
                    "Οι γραμμές των αποδείξεων (%(lines)s €) δεν συμφωνούν με τα σύνολά τους (%(receipts)s €)."
                )
                % {"lines": figures(report.total), "receipts": figures(report.receipts_total)}
            )
        tables = self._tables(report)
        if format == "xlsx":
            self._xlsx(tables, output)
        elif output:
            with open(output, "w", newline="", encoding="utf-8-sig") as stream:
                self._csv(tables, stream)
        else:
            self._csv(tables, self.stdout)

    def _tables(self, report):
        labels = dict(Series.choices)
        collected = (
            [
                [
                    _("Ημερομηνία"),
                    _("Τρόπος πληρωμής"),
                    _("ΚΑΕ"),
                    _("Κεφάλαιο"),
                    _("Προσαυξήσεις"),
                    _("Τόκοι ρύθμισης"),
                    _("Σύνολο"),
                ]
            ]
            + [
                [
                    line.day,
                    payment_way(line.channel, line.tender),
                    RevenueCode(line.revenue_code),
                    line.principal,
                    line.surcharge,
                    line.interest,
                    line.total,
                ]
                for line in report.lines
            ]
            + [
                [
                    _("Σύνολο"),
                    "",
                    "",
                    report.principal,
                    report.surcharge,
                    report.interest,
                    report.total,
                ]
            ]
        )
        numbers = (
            [
                [
                    _("Ημερομηνία"),
                    _("Σειρά"),
                    # The first and last receipt number: "from", not the cash day's "by".
                    pgettext("receipt numbers", "Από"),
                    pgettext("receipt numbers", "Έως"),
                    _("Αποδείξεις"),
                    _("Σύνολο"),
                ]
            ]
            + [
                [r.day, str(labels[r.series]), r.first, r.last, r.count, r.total]
                for r in report.ranges
            ]
            + [
                [
                    _("Σύνολο"),
                    "",
                    "",
                    "",
                    sum(r.count for r in report.ranges),
                    report.receipts_total,
                ]
            ]
        )
        return {_("Εισπράξεις"): collected, _("Αποδείξεις"): numbers}

    def _csv(self, tables, stream):
        """As Greek Excel reads a CSV: fields split at ;, amounts with a decimal comma (a point
        would make them text, or thousands)."""
        writer = csv.writer(stream, delimiter=";", lineterminator="\n")
        for index, rows in enumerate(tables.values()):
            if index:
                writer.writerow([])
            writer.writerows([[_cell(cell) for cell in row] for row in rows])

    def _xlsx(self, tables, output):
        from openpyxl import Workbook

        book = Workbook()
        book.remove(book.active)
        for title, rows in tables.items():
            sheet = book.create_sheet(title)
            for row in rows:
                sheet.append(row)
            for cells in sheet.iter_rows():
                for cell in cells:
                    if isinstance(cell.value, Decimal):
                        cell.number_format = EUROS
            for letter, width in _widths(rows).items():
                sheet.column_dimensions[letter].width = width
        book.save(output)


def _widths(rows) -> dict[str, int]:
    """Each column's width, by its letter: its longest text whole, in whatever language the
    report is in (a heading, «Ταμείο του Δήμου — Κάρτα (POS)»)."""
    from openpyxl.utils import get_column_letter

    widths: dict[str, int] = {}
    for row in rows:
        for index, cell in enumerate(row, 1):
            text = "" if isinstance(cell, (Decimal, date)) else str(cell)
            letter = get_column_letter(index)
            widths[letter] = max(widths.get(letter, NARROWEST), len(text) + 2)
    return widths
