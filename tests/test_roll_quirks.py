"""``import_debts``: what Greek Excel and officers do to a roll. Amounts with thousands grouped
(«1.500,00»), ambiguous ones refused; a column given twice; line numbers past a cell with line
breaks; a revenue code that a sheet holds as a number."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
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
