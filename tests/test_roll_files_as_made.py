"""``import_debts`` with rolls as a municipality's finance office and its systems really make
them: numbers an ERP's workbook holds as floats, a roll over two sheets, Latin letters typed for
Greek, a stray quote, rows that look empty, an old .xls; and a roll's notices, sent by post,
payable until their debts fall due."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook

from debts.models import CertificationRoll, Debt, Debtor, PaymentNotice
from debts.rolls import BadRoll, read_roll
from tests.conftest import valid_afm
from tests.test_import_debts import HEADER
from tests.test_roll_quirks import rewritten


def run(path, **options) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_debts", str(path), stdout=out, stderr=err, **options)
    return out.getvalue()


def refusal(path) -> str:
    """What the command prints on standard error when it refuses ``path``."""
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_debts", str(path), stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def read_or_fail(path):
    """The rows ``read_roll`` gives, or the test failed with the reasons of its refusal."""
    try:
        return read_roll(path)
    except BadRoll as refused:
        pytest.fail(f"refused: {refused.errors}")


def csv_roll(write, rows, *, header=HEADER, name="roll.csv") -> str:
    return write("\n".join([header, *rows]) + "\n", name)


def row(
    afm=None,
    *,
    name="ΑΛΦΑ",
    code="0311",
    period="2026",
    description="ΤΚΦ",
    principal="10,00",
    due="31/12/2026",
    certified="01/12/2026",
    roll="ΒΚ-7/2026",
) -> str:
    afm = afm or valid_afm()
    return f"{afm};{name};{code};{period};{description};{principal};{due};{certified};{roll}"


def xlsx_cells(afm, description="ΤΚΦ", roll="ΒΚ-1/2026"):
    return [afm, "ΑΛΦΑ", "0311", 2026, description, 10, "31/12/2026", "01/12/2026", roll]


def test_an_afm_a_workbook_holds_as_a_float_is_its_own(revenue, tmp_path):
    """Apache POI (Java, behind most municipal ERP exports) writes 068933130 held as a number
    as ``6.893313E7``, which openpyxl reads as 68933130.0: its text lost its dot in the ΑΦΜ's
    cleaning and became 689331300, which passes the check digit (as about one in five such do),
    and the debt went on another taxpayer's card."""
    other = Debtor.objects.create(afm="689331300", last_name="ΑΛΛΟΣ ΑΝΘΡΩΠΟΣ")
    book = Workbook()
    book.active.append(HEADER.split(";"))
    book.active.append(xlsx_cells(68933130))
    path = tmp_path / "roll.xlsx"
    book.save(path)
    path = rewritten(str(path), lambda xml: xml.replace(b"<v>68933130</v>", b"<v>6.893313E7</v>"))

    run(path)

    assert Debt.objects.get().debtor.afm == "068933130"
    assert not other.debts.exists()


def test_whole_numbers_a_workbook_holds_as_floats_read_as_written(revenue, tmp_path):
    """A nine-digit ΑΦΜ (it became ten digits, refused), a roll number and a year of the same
    export, each ``1.00000003E8`` as Java writes a double."""
    book = Workbook()
    book.active.append(HEADER.split(";"))
    book.active.append(xlsx_cells(100000003, roll=7))
    path = tmp_path / "roll.xlsx"
    book.save(path)

    def as_java_writes(xml: bytes) -> bytes:
        for number, java in ((b"100000003", b"1.00000003E8"), (b"2026", b"2026.0"), (b"7", b"7.0")):
            xml = xml.replace(b"<v>" + number + b"</v>", b"<v>" + java + b"</v>")
        return xml

    (read,) = read_or_fail(rewritten(str(path), as_java_writes))

    assert (read.afm, read.roll, read.period_start.year) == ("100000003", "7", 2026)


def test_a_workbook_with_rows_on_a_second_sheet_is_refused_naming_it(revenue, tmp_path):
    """A roll split over two sheets: read from the first alone, the rest would be left out
    without a word, and the roll, then imported, could not take it."""
    book = Workbook()
    first = book.active
    first.title = "ΤΚΦ"
    second = book.create_sheet("ΤΑΠ")
    empty = book.create_sheet("Σημειώσεις")
    empty.append([None, " "])
    for sheet in (first, second):
        sheet.append(HEADER.split(";"))
    first.append(xlsx_cells(valid_afm(), "ΤΚΦ 2026"))
    second.append(xlsx_cells(valid_afm(), "ΤΑΠ 2026"))
    path = tmp_path / "roll.xlsx"
    book.save(path)

    assert "έχει γραμμές και στο φύλλο «ΤΑΠ»" in refusal(path)
    assert not Debt.objects.exists()
    book.remove(second)
    book.save(path)
    assert len(read_or_fail(path)) == 1, "an empty sheet beside the roll's is no matter"


def test_a_roll_number_with_latin_lookalikes_is_the_same_roll(revenue, write):
    """ΒΚ-7/2026 typed on the Greek keyboard and BK-7/2026 on the Latin one look the same on
    screen and on paper: one roll, certified once, in a file or across two."""
    afm = valid_afm()
    rows = [row(afm, roll="ΒΚ-7/2026", description="1"), row(afm, roll="BK-7/2026")]

    run(csv_roll(write, rows, name="both.csv"))

    assert set(Debt.objects.values_list("roll__number", flat=True)) == {"ΒΚ-7/2026"}
    assert PaymentNotice.objects.count() == 1
    message = refusal(csv_roll(write, [row(afm, roll="bk-7/2026 ")], name="latin.csv"))
    assert "ο κατάλογος ΒΚ-7/2026 έχει ήδη εισαχθεί" in message
    assert Debt.objects.count() == 2


def test_a_stray_quote_that_makes_rows_one_cell_is_refused_at_its_line(revenue, write):
    """A name that starts with an unclosed quote (a typo in «"ΑΛΦΑ" ΟΕ») made the CSV reader
    take everything up to the next quote as one cell: two rows vanished, and the third row's
    debt was certified on the first row's ΑΦΜ."""
    a, b, c = (valid_afm() for _ in range(3))
    rows = [
        row(a, name='"ΑΛΦΑ ΟΕ', description="ΤΚΦ 1"),
        row(b, name="ΒΗΤΑ", description="ΤΚΦ 2"),
        row(c, name='"ΓΑΜΜΑ" ΟΕ', description="ΤΚΦ 3"),
    ]

    with pytest.raises(BadRoll) as refused:
        read_roll(csv_roll(write, rows))

    ((line, reason),) = refused.value.errors
    assert line == 2 and "κλείνει στη γραμμή 4" in reason
    # A line break typed in a description is no stray quote.
    broken = row(b, description='"ΤΚΦ\nΑ΄ εξάμηνο"')
    assert read_or_fail(csv_roll(write, [broken], name="ok.csv"))[0].description == (
        "ΤΚΦ Α΄ εξάμηνο"
    )


@pytest.mark.parametrize("header", ["ΠEPIOΔOΣ", "Περιοδος"])
def test_a_header_with_latin_lookalikes_is_recognised(revenue, write, header):
    """«ΠΕΡΙΟΔΟΣ» with a Latin E, P, I, O: the period, the one optional column, was dropped
    without a word; «KAE» in Latin letters was refused as missing."""
    path = csv_roll(
        write,
        [row(period="01/01/2026 - 30/06/2026")],
        header=HEADER.replace("Περίοδος", header).replace("ΚΑΕ", "KAE"),
    )

    (read,) = read_or_fail(path)

    assert (read.period_start.month, read.period_end.month, read.revenue_code) == (1, 6, "0311")


def test_one_name_with_latin_lookalikes_is_the_same_name(revenue, write):
    """ΠΑΠΑΔΟΠΟΥΛΟΣ with Latin A, O, Y (as names come from merged or retyped lists) was refused
    as another name for the ΑΦΜ, the message showing two names that look alike."""
    afm = valid_afm()
    path = csv_roll(
        write,
        [
            row(afm, name="ΠΑΠΑΔΟΠΟΥΛΟΣ", description="ΤΚΦ 1"),
            row(afm, name="ΠAΠAΔOΠOYΛOΣ", description="ΤΚΦ 2"),
        ],
    )

    assert len(read_or_fail(path)) == 2


def test_a_roll_notice_is_payable_until_its_debts_fall_due(revenue, write):
    """A notice the municipality sends by post for a debt due in five weeks was valid a week:
    expired before it arrived. Nothing grows before the due date; after it, the usual rule."""
    today = timezone.localdate()
    due = today + timedelta(days=35)
    overdue = today - timedelta(days=100)
    run(
        csv_roll(
            write,
            [
                row(due=due.strftime("%d/%m/%Y"), certified=today.strftime("%d/%m/%Y")),
                row(due=overdue.strftime("%d/%m/%Y"), certified=today.strftime("%d/%m/%Y")),
            ],
        )
    )

    due_then, long_due = PaymentNotice.objects.order_by("valid_until")
    assert long_due.valid_until == due
    assert due_then.valid_until <= today + timedelta(days=7)
    assert due_then.total > due_then.items.get().principal, "the overdue debt's surcharge"


def test_rows_that_look_empty_are_skipped_like_empty_ones(revenue, write):
    """A row whose only content is a space or a non-breaking space (a cell cleared with the
    space bar) is invisible in Excel; it was reported with eight errors."""
    path = csv_roll(write, [row(), " ;;;;;;;;", "\xa0;;;;;;;;"])

    assert len(read_or_fail(path)) == 1


def test_an_xls_workbook_is_refused_saying_to_save_it_as_xlsx(revenue, tmp_path):
    """Read as CSV, an Excel 97–2003 file (an OLE2 compound file) was refused as «not UTF-8 or
    Windows-1253 text»."""
    header = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(16) + bytes.fromhex("3e000300feff0900")
    path = tmp_path / "roll.xls"
    path.write_bytes(header + bytes(488))

    assert "Excel 97–2003 (.xls): αποθηκεύστε το ως XLSX ή CSV" in refusal(path)


def test_a_due_date_before_any_rate_is_reported_with_one_full_stop(revenue, write):
    message = refusal(csv_roll(write, [row(due="31/12/1989")]))

    assert "ημερομηνία." in message and ".." not in message


def test_two_rolls_whose_numbers_differ_by_a_dot_are_not_merged(revenue, write):
    """A roll number's dots are its own: the supplementary roll ΒΚ-7.1/2026 and the roll
    ΒΚ-71/2026 are two (compared with their dots left out, as headers are, they became one)."""
    rows = [
        row(roll="ΒΚ-7.1/2026", description="ΤΚΦ συμπληρωματικός"),
        row(roll="ΒΚ-71/2026", description="ΤΚΦ 2026"),
    ]

    run(csv_roll(write, rows))

    assert set(CertificationRoll.objects.values_list("number", flat=True)) == {
        "ΒΚ-7.1/2026",
        "ΒΚ-71/2026",
    }
    assert set(Debt.objects.values_list("roll__number", flat=True)) == {
        "ΒΚ-7.1/2026",
        "ΒΚ-71/2026",
    }


def test_a_roll_is_not_refused_as_another_imported_that_differs_by_a_dot(revenue, write):
    """ΒΚ-71/2026 imported; ΒΚ-7.1/2026 is another roll, refused as «already imported»."""
    run(csv_roll(write, [row(roll="ΒΚ-71/2026")], name="first.csv"))

    (read,) = read_or_fail(csv_roll(write, [row(roll="ΒΚ-7.1/2026")], name="second.csv"))
    assert read.roll == "ΒΚ-7.1/2026"


def test_a_comma_separated_roll_with_a_multi_line_description_listing_months_is_read(
    revenue, write
):
    """A quoted description over two lines, the second listing the months billed with as many
    commas as the header's separators, but no ΑΦΜ: no stray quote swallowed a row there."""
    header = HEADER.replace(";", ",")
    description = '"Κατανάλωση νερού 2025\nΙαν, Φεβ, Μαρ, Απρ, Μάι, Ιουν, Ιουλ, Αυγ, Σεπ"'
    line = ",".join(
        [
            valid_afm(),
            "ΑΛΦΑ",
            "0311",
            "2026",
            description,
            "10.00",
            "31/12/2026",
            "01/12/2026",
            "ΒΚ-7/2026",
        ]
    )

    (read,) = read_or_fail(csv_roll(write, [line], header=header))
    assert read.description.startswith("Κατανάλωση νερού 2025 Ιαν, Φεβ")


@pytest.mark.parametrize(
    "lines",
    [
        # The next row's quoted description closes the runaway cell: its last line is a row cut.
        [
            '{0};ΑΛΦΑ;0311;2026;"ΤΚΦ 2026;10,00;31/12/2026;01/12/2026;ΒΚ-7/2026',
            '{1};ΒΗΤΑ;0311;2026;"ΤΚΦ 2026";250,00;31/12/2026;01/12/2026;ΒΚ-7/2026',
        ],
        # Rows ending in a separator the header has not: a whole row swallowed has one more.
        [
            '{0};ΑΛΦΑ;0311;2026;"ΤΚΦ 2026;10,00;31/12/2026;01/12/2026;ΒΚ-7/2026;',
            "{1};ΒΗΤΑ;0311;2026;ΤΚΦ 2026;20,00;31/12/2026;01/12/2026;ΒΚ-7/2026;",
            '{2};ΓΑΜΑ;0311;2026;"ΤΚΦ 2026";300,00;31/12/2026;01/12/2026;ΒΚ-7/2026;',
        ],
    ],
    ids=["closed by the next row", "rows ending in a separator"],
)
def test_a_stray_quote_is_refused_however_the_rows_it_swallows_end(revenue, write, lines):
    """Either way the fields lined up again after the runaway cell: the first row took
    another's amount, and the rows between were lost (found by a review)."""
    afms = [valid_afm() for _ in lines]

    with pytest.raises(BadRoll) as refused:
        read_roll(csv_roll(write, [line.format(*afms) for line in lines]))

    ((line, reason),) = refused.value.errors
    assert line == 2 and "εισαγωγικό" in reason
