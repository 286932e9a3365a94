"""``collections_report``: what the receipts of a period say, by day, channel and revenue code,
principal and surcharge apart, with the receipt numbers issued; its totals are the receipts'."""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from openpyxl import load_workbook

from debts.services import build_notice
from payments.services import reverse_receipt, settle
from receipts.models import Receipt


@pytest.fixture
def paid(make_debtor, make_debt, admin_user):
    """Three receipts today: two by bank (one with a surcharge), one at the counter, reversed."""
    debtor = make_debtor()
    receipts = []
    for channel, debts in [
        ("bank", [make_debt(debtor, "100.00", due_date=date(2025, 6, 30))]),
        ("bank", [make_debt(debtor, "40.00", kind="nursery")]),
        ("counter", [make_debt(debtor, "25.00")]),
    ]:
        notice = build_notice(debtor, debts=debts)
        settled = settle(
            channel=channel,
            reference=f"R-{notice.pk}",
            amount=notice.total,
            received_at=timezone.now(),
            notice=notice,
            tender="cash" if channel == "counter" else "",
        )
        receipts.append(settled.receipt)
    reverse_receipt(receipts[2], reason="λάθος", actor=admin_user)
    return receipts


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def as_excel_reads(cell: str):
    """What Excel makes of a CSV field: a formula of a text is that text; digits, with a decimal
    comma in a Greek locale, a number (leading zeros lost); anything else stays text."""
    if formula := re.fullmatch(r'="(.*)"', cell):
        return formula.group(1).replace('""', '"')
    if re.fullmatch(r"-?\d+(,\d+)?", cell):
        return Decimal(cell.replace(",", "."))
    return cell


def comma(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


def report(*args) -> str:
    out = io.StringIO()
    today = timezone.localdate().isoformat()
    call_command("collections_report", "--from", today, "--to", today, *args, stdout=out)
    return out.getvalue()


def test_collections_by_day_channel_and_revenue_code_agree_with_the_receipts(paid):
    rows = rows_of(report())
    collected = rows[1 : rows.index([])]
    # Codes as Excel shows them, with their leading zeros.
    by_code = {(row[1], as_excel_reads(row[2])): row[3:] for row in collected[:-1]}
    surcharge = paid[0].total - Decimal("100.00")
    assert surcharge > 0
    # Amounts as Greek Excel reads them, with a decimal comma.
    assert by_code[("Τράπεζα (RF μέσω ΔΙΑΣ)", "0311")] == [
        "100,00",
        comma(surcharge),
        "0,00",
        comma(paid[0].total),
    ]
    assert by_code[("Τράπεζα (RF μέσω ΔΙΑΣ)", "0461")] == ["40,00", "0,00", "0,00", "40,00"]
    # The counter's receipt and its reversal cancel out under the counter's channel.
    assert by_code[("Ταμείο του Δήμου — Μετρητά", "0311")] == ["0,00", "0,00", "0,00", "0,00"]
    total = sum(Receipt.objects.values_list("total", flat=True))
    assert collected[-1][-1] == comma(total)

    numbers = rows[rows.index([]) + 2 :]
    series = {row[1]: row[2:5] for row in numbers[:-1]}
    assert series["Τράπεζα (RF μέσω ΔΙΑΣ)"] == ["1", "2", "2"]
    assert series["Ταμείο του Δήμου"] == ["1", "1", "1"]
    assert series["Ακυρωτικό"] == ["1", "1", "1"]
    assert numbers[-1][-2:] == ["4", comma(total)]


def test_xlsx_has_both_tables(paid, tmp_path):
    path = tmp_path / "collections.xlsx"
    report("--format", "xlsx", "--output", str(path))
    book = load_workbook(path)
    assert book.sheetnames == ["Εισπράξεις", "Αποδείξεις"]
    assert book["Αποδείξεις"].max_row == 5  # header, three series, total


def test_xlsx_shows_euros_with_cents_and_columns_wide_enough(paid, tmp_path):
    path = tmp_path / "collections.xlsx"
    report("--format", "xlsx", "--output", str(path))
    book = load_workbook(path)

    for sheet, amounts in (("Εισπράξεις", "DEFG"), ("Αποδείξεις", "F")):
        cells = [cell for column in amounts for cell in book[sheet][column][1:]]
        assert {type(cell.value) for cell in cells} <= {int, float}  # numbers, not text
        assert {cell.number_format for cell in cells} == {"#,##0.00"}
    collected = book["Εισπράξεις"]
    assert collected["C2"].value == "0311"
    widest = max(len(cell.value or "") for cell in collected["B"])  # the channels' names
    assert collected.column_dimensions["B"].width >= widest
    assert collected.column_dimensions["A"].width >= len("2026-12-31")


def test_the_english_xlsx_shows_every_heading_and_channel_whole(paid, tmp_path):
    """The widths follow the text, in either language: «Municipal Cashier's office — Cash» and
    «Settlement interest» are longer than their Greek."""
    path = tmp_path / "collections.xlsx"
    with translation.override("en"):
        report("--format", "xlsx", "--output", str(path))

    for sheet in load_workbook(path).worksheets:
        for column in sheet.iter_cols():
            texts = [cell.value for cell in column if isinstance(cell.value, str)]
            width = sheet.column_dimensions[column[0].column_letter].width
            assert width >= max(map(len, texts), default=0), texts


def test_a_period_to_the_calendars_last_day_is_reported(paid):
    """«Until further notice»: the day after the last one there is cannot be made."""
    today = timezone.localdate().isoformat()
    out = io.StringIO()

    call_command("collections_report", "--from", today, "--to", "9999-12-31", stdout=out)

    assert out.getvalue() == report()


def test_a_period_backwards_is_refused(db):
    with pytest.raises(CommandError, match="μετά το τέλος"):
        call_command("collections_report", "--from", "2026-12-05", "--to", "2026-12-01")


@pytest.mark.parametrize(
    "where, message",
    [("missing/collections.csv", "Ο φάκελος"), (".", "είναι φάκελος, όχι αρχείο")],
)
def test_an_output_that_cannot_be_written_is_refused_before_anything_is_read(
    db, tmp_path, where, message
):
    with pytest.raises(CommandError, match=message):
        report("--output", str(tmp_path / where))


def test_the_english_report_heads_the_number_ranges_from_and_to(paid):
    with translation.override("en"):
        rows = rows_of(report())
    assert rows[rows.index([]) + 1][:4] == ["Date", "Series", "From", "To"]


def test_a_period_without_receipts_gives_its_totals_in_euros(db):
    rows = rows_of(report())

    assert rows[1] == ["Σύνολο", "", "", "0,00", "0,00", "0,00", "0,00"]
    assert rows[-1] == ["Σύνολο", "", "", "", "0", "0,00"]
