"""``import_debts``: what Greek Excel and officers do to a roll. Amounts with thousands grouped
(«1.500,00»), ambiguous ones refused; a column given twice; line numbers past a cell with line
breaks; a revenue code that a sheet holds as a number; headers in capitals without accents; a
sheet that declares fewer rows than it holds; sums Excel stores a hair off; a text Excel made a
date, and a date column it holds as numbers; one ΑΦΜ under two names; a roll with no rows."""

import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from debts.models import Debt
from debts.rolls import BadRoll, read_roll
from tests.conftest import valid_afm
from tests.test_import_debts import HEADER


def roll_row(principal="10,00", code="0311", description="ΤΚΦ", afm=None):
    afm = afm or valid_afm()
    return f"{afm};ΑΛΦΑ;{code};2026;{description};{principal};31/12/2026;01/12/2026;ΒΚ-30"


def errors_of(path) -> list[tuple[int, str]]:
    with pytest.raises(BadRoll) as refused:
        read_roll(path)
    return refused.value.errors


def xlsx(tmp_path, rows) -> str:
    book = Workbook()
    for row in [HEADER.split(";"), *rows]:
        book.active.append(row)
    path = tmp_path / "roll.xlsx"
    book.save(path)
    return str(path)


def xlsx_row(principal=10, code="0311"):
    return [valid_afm(), "ΑΛΦΑ", code, 2026, "ΤΚΦ", principal, "31/12/2026", "01/12/2026", "ΒΚ-31"]


@pytest.mark.parametrize(
    "written, amount",
    [
        ("1.500,00", "1500.00"),
        ("12.345.678,90", "12345678.90"),
        ("1,500.00", "1500.00"),
        ("1.500,5", "1500.50"),
        ("120,50", "120.50"),
        ("120.50", "120.50"),
        ("120", "120.00"),
    ],
)
def test_amounts_with_thousands_grouped(revenue, write, written, amount):
    path = write(f"{HEADER}\n{roll_row(written)}\n", "roll.csv")

    (row,) = read_roll(path)

    assert row.principal == Decimal(amount)


@pytest.mark.parametrize(
    "written, reason",
    [
        ("1.500", "μπορεί να είναι χιλιάδες ή δεκαδικά· γράψτε και τα λεπτά, π.χ. «1.500,00»"),
        ("12.000", "μπορεί να είναι χιλιάδες ή δεκαδικά"),
        ("1,500", "μπορεί να είναι χιλιάδες ή δεκαδικά"),
        ("1.500.000", "δεν γράφει λεπτά· γράψτε τα, π.χ. «1.500.000,00»"),
        ("1.500,000", "έχει πάνω από δύο δεκαδικά"),
        ("10,1234", "έχει πάνω από δύο δεκαδικά"),
        ("1.50,00", "δεν χωρίζει τις χιλιάδες ανά τρία ψηφία"),
        ("1,5.00", "δεν χωρίζει τις χιλιάδες ανά τρία ψηφία"),
    ],
)
def test_an_amount_that_may_be_misread_is_refused_with_its_reason(revenue, write, written, reason):
    path = write(f"{HEADER}\n{roll_row(written)}\n", "roll.csv")

    ((line, message),) = errors_of(path)

    assert line == 2
    assert message.startswith(f"το κεφάλαιο «{written}» {reason}"), message


def test_an_xlsx_amount_is_read_as_the_sheet_holds_it(revenue, tmp_path):
    path = xlsx(tmp_path, [xlsx_row(1500), xlsx_row("1.500,00"), xlsx_row(10.005)])

    ((line, message),) = errors_of(path)

    assert (line, message) == (4, "το κεφάλαιο «10.005» έχει πάνω από δύο δεκαδικά")


def test_a_column_given_twice_is_refused_naming_both(revenue, write):
    header = HEADER.replace("Κεφάλαιο", "Κεφάλαιο;Ποσό")
    row = roll_row("10,00").replace(";10,00;", ";10,00;1.000,00;")
    err = io.StringIO()

    with pytest.raises(CommandError, match=r"^1 σφάλμα στο "):
        call_command("import_debts", write(f"{header}\n{row}\n", "roll.csv"), stderr=err)

    assert err.getvalue() == (
        "Γραμμή 1: οι στήλες «Κεφάλαιο», «Ποσό» δίνουν το ίδιο στοιχείο· κρατήστε μόνο μία.\n"
    )
    assert not Debt.objects.exists()


def test_a_csv_row_is_reported_at_the_line_it_starts_on(revenue, write):
    afm = valid_afm()
    lines = [
        HEADER,
        roll_row(description='"ΤΚΦ\nακινήτου\nοδού Α"', afm=afm),  # lines 2 to 4
        roll_row(afm="012345678"),  # line 5
        "",
        roll_row("0", description='"ΤΚΦ\nακινήτου"', afm=afm),  # lines 7 and 8
        roll_row(code="9999", afm=afm),  # line 9
    ]

    errors = errors_of(write("\n".join(lines) + "\n", "roll.csv"))

    assert [line for line, _message in errors] == [5, 7, 9], errors


def test_an_xlsx_row_is_reported_at_its_sheet_row(revenue, tmp_path):
    path = xlsx(tmp_path, [xlsx_row(), [None] * 9, xlsx_row(code="9999")])

    assert errors_of(path) == [(4, "άγνωστος ή ανενεργός ΚΑΕ «9999»")]


def test_a_revenue_code_a_sheet_holds_as_a_number(revenue, tmp_path):
    path = xlsx(tmp_path, [xlsx_row(code=311), xlsx_row(code=313.0), xlsx_row(code=9999.0)])

    assert errors_of(path) == [(4, "άγνωστος ή ανενεργός ΚΑΕ «9999»")]

    path = xlsx(tmp_path, [xlsx_row(code=311), xlsx_row(code=313.0)])
    assert [row.revenue_code for row in read_roll(path)] == ["0311", "0313"]


def test_a_csv_revenue_code_is_taken_as_written(revenue, write):
    path = write(f"{HEADER}\n{roll_row(code='311')}\n", "roll.csv")

    assert errors_of(path) == [(2, "άγνωστος ή ανενεργός ΚΑΕ «311»")]


def test_a_due_date_before_any_known_surcharge_rate_is_a_row_error(revenue, write):
    """Imported, it would have had no rate: the import or the citizen's page would fail."""
    row = roll_row().replace("31/12/2026", "31/12/1989")
    path = write(f"{HEADER}\n{row}\n", "roll.csv")

    [(line, message)] = errors_of(path)

    assert line == 2
    assert "δεν υπάρχει συντελεστής προσαυξήσεων" in message


def rewritten(path: str, change) -> str:
    """The workbook at ``path`` with its sheet's XML passed through ``change``, as other
    programs than openpyxl write it."""
    changed = path.replace(".xlsx", "-changed.xlsx")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(changed, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change(data)
            target.writestr(item, data)
    return changed


def test_headers_in_capitals_without_accents_or_with_dots(revenue, write):
    header = (
        "Α.Φ.Μ.;ΟΝΟΜΑΤΕΠΩΝΥΜΟ;Κ.Α.Ε.;ΠΕΡΙΟΔΟΣ;ΠΕΡΙΓΡΑΦΗ;ΚΕΦΑΛΑΙΟ;ΛΗΞΗ;ΗΜΕΡΟΜΗΝΙΑ ΒΕΒΑΙΩΣΗΣ;"
        "ΑΡΙΘΜΟΣ ΚΑΤΑΛΟΓΟΥ"
    )
    row = roll_row().replace(";2026;", ";01/01/2026 - 30/06/2026;")

    (read,) = read_roll(write(f"{header}\n{row}\n", "roll.csv"))

    # The period above all: the one column a roll may leave out, so a header not recognised
    # would have lost it without a word.
    assert (read.period_start, read.period_end) == (date(2026, 1, 1), date(2026, 6, 30))
    assert read.principal == Decimal("10.00")


def test_a_sheet_that_declares_fewer_rows_than_it_holds_is_read_whole(revenue, tmp_path):
    path = xlsx(tmp_path, [xlsx_row(10 + n) for n in range(5)])
    stale = rewritten(
        path, lambda xml: re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:I3"', xml)
    )

    rows = read_roll(stale)

    assert [row.line for row in rows] == [2, 3, 4, 5, 6]
    assert [row.principal for row in rows] == [Decimal(10 + n) for n in range(5)]


def test_an_xlsx_sum_stored_a_hair_off_is_read_as_excel_shows_it(revenue, tmp_path):
    """openpyxl writes 15 digits; Excel stores the double whole, as its formulas make it."""
    path = xlsx(tmp_path, [xlsx_row(48.3), xlsx_row(30.3), xlsx_row(10.005)])
    stored = rewritten(
        path,
        lambda xml: xml.replace(b"<v>48.3</v>", b"<v>48.300000000000004</v>").replace(
            b"<v>30.3</v>", b"<v>30.299999999999997</v>"
        ),
    )
    assert b"48.300000000000004" in zipfile.ZipFile(stored).read("xl/worksheets/sheet1.xml")

    ((line, message),) = errors_of(stored)

    assert (line, message) == (4, "το κεφάλαιο «10.005» έχει πάνω από δύο δεκαδικά")
    fixed = rewritten(stored, lambda xml: xml.replace(b"<v>10.005</v>", b"<v>10.05</v>"))
    assert [row.principal for row in read_roll(fixed)] == [
        Decimal("48.30"),
        Decimal("30.30"),
        Decimal("10.05"),
    ]


def test_a_text_that_excel_made_a_date_is_a_row_error(revenue, tmp_path):
    row = xlsx_row()
    row[8] = datetime(2026, 7, 1)  # «7/2026» typed in a General cell

    ((line, message),) = errors_of(xlsx(tmp_path, [row]))

    assert line == 2
    assert message.startswith("η στήλη «Αριθμός καταλόγου» έχει ημερομηνία (2026-07-01")


def test_one_afm_under_two_names_is_refused_naming_the_first(revenue, write):
    afm = valid_afm()
    rows = [
        roll_row(afm=afm, description="1").replace(";ΑΛΦΑ;", ";ΠΑΠΑΔΟΠΟΥΛΟΣ ΓΕΩΡΓΙΟΣ;"),
        roll_row(afm=afm, description="2").replace(";ΑΛΦΑ;", ";Παπαδόπουλος  Γεώργιος;"),
        roll_row(afm=afm, description="3").replace(";ΑΛΦΑ;", ";ΠΑΠΑΔΟΠΟΥΛΟΥ ΕΛΕΝΗ;"),
    ]
    path = write("\n".join([HEADER, *rows]) + "\n", "roll.csv")

    assert errors_of(path) == [
        (4, f"ο ΑΦΜ {afm} έχει άλλο ονοματεπώνυμο στη γραμμή 2 («ΠΑΠΑΔΟΠΟΥΛΟΣ ΓΕΩΡΓΙΟΣ»)")
    ]


def test_a_roll_with_no_rows_is_refused(revenue, write):
    path = write(f"{HEADER}\n\n", "roll.csv")

    assert errors_of(path) == [(1, "το αρχείο δεν έχει γραμμές κάτω από την επικεφαλίδα")]
    with pytest.raises(CommandError):
        call_command("import_debts", path, stderr=io.StringIO())


def test_a_row_given_twice_is_refused_naming_the_first(revenue, write):
    afm = valid_afm()
    row = roll_row(afm=afm, description="ΤΚΦ οδού Α 1")
    other = roll_row(afm=afm, description="ΤΚΦ οδού Α 3")  # another debt, alike but for its text
    path = write("\n".join([HEADER, row, other, row]) + "\n", "roll.csv")

    assert errors_of(path) == [
        (
            4,
            "η γραμμή είναι ίδια με τη γραμμή 2· αν είναι δύο οφειλές, ξεχωρίστε τες στην περιγραφή",
        )
    ]
    assert len(read_roll(write("\n".join([HEADER, row, other]) + "\n", "two.csv"))) == 2


def test_a_date_the_sheet_holds_as_a_number_is_refused_saying_how_to_mend_it(revenue, tmp_path):
    """A date column formatted as a number shows Excel's serial (46387 for 31/12/2026): refused,
    as a number is no date to certify a debt by, with what to do about it."""
    row = xlsx_row()
    row[6] = 46387

    ((line, message),) = errors_of(xlsx(tmp_path, [row]))

    assert line == 2
    assert message == (
        "μη έγκυρη ημερομηνία λήξης «46387»: το Excel δείχνει έτσι μια ημερομηνία σε στήλη με "
        "μορφή αριθμού· δώστε στη στήλη μορφή ημερομηνίας και αποθηκεύστε ξανά"
    )


def test_a_bad_date_reads_as_english_in_english(revenue, tmp_path):
    row = xlsx_row()
    row[7] = 46357

    with translation.override("en"):
        ((_line, message),) = errors_of(xlsx(tmp_path, [row]))

    assert message.startswith("invalid certification date “46357”: this is how Excel shows")
