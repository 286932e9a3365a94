"""``import_debts``: a certification roll from CSV or XLSX; every row checked first, every bad row
reported with its line, nothing imported then; otherwise debts certified on their roll, debtors
created or matched by ΑΦΜ, and one notice with its RF per debtor and roll (or as asked)."""

import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook

from debts.management.commands import import_debts as command
from debts.models import CertificationRoll, Debt, Debtor, PaymentNotice
from debts.rf import validate_rf
from debts.rolls import read_roll
from tests.conftest import valid_afm

HEADER = (
    "ΑΦΜ;Ονοματεπώνυμο;ΚΑΕ;Περίοδος;Περιγραφή;Κεφάλαιο;Λήξη;Ημερομηνία βεβαίωσης;Αριθμός καταλόγου"
)


@pytest.fixture
def write_roll(write):
    """A roll CSV: ``HEADER``, then ``lines``; its path."""

    def write_roll(lines: list[str], name="roll.csv"):
        return write("\n".join([HEADER, *lines]) + "\n", name)

    return write_roll


def run(path, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_debts", path, stdout=out, stderr=err, **options)
    return out.getvalue()


def test_a_roll_certifies_debts_and_issues_one_notice_per_debtor(revenue, make_debtor, write_roll):
    known = make_debtor(last_name="ΓΝΩΣΤΟΣ")
    new_afm = valid_afm()
    path = write_roll(
        [
            f"{known.afm};ΓΝΩΣΤΟΣ ΚΩΣΤΑΣ;0311;2026;ΤΚΦ ακινήτου 1;120,50;31/12/2026;01/12/2026;ΒΚ-7/2026",
            f"{known.afm};ΓΝΩΣΤΟΣ ΚΩΣΤΑΣ;0313;2026;ΤΑΠ ακινήτου 1;30.00;2026-12-31;2026-12-01;ΒΚ-7/2026",
            f"{new_afm};ΝΕΟΣ ΝΙΚΟΣ;0311;01/01/2026 - 30/06/2026;ΤΚΦ Α΄ εξαμήνου;80,00;31/12/2026;01/12/2026;ΒΚ-7/2026",
        ]
    )
    output = run(path)

    roll = CertificationRoll.objects.get(number="ΒΚ-7/2026")
    assert roll.certified_on == date(2026, 12, 1)
    assert roll.debts.count() == 3
    assert Debtor.objects.get(afm=new_afm).last_name == "ΝΕΟΣ ΝΙΚΟΣ"
    assert Debtor.objects.get(afm=known.afm).last_name == "ΓΝΩΣΤΟΣ"  # matched, not renamed
    notices = PaymentNotice.objects.order_by("total")
    assert [n.total for n in notices] == [Decimal("80.00"), Decimal("150.50")]
    assert all(validate_rf(n.rf_code) == n.rf_code for n in notices)
    assert notices[1].items.count() == 2
    debt = Debt.objects.get(description="ΤΚΦ Α΄ εξαμήνου")
    assert (debt.period_start, debt.period_end) == (date(2026, 1, 1), date(2026, 6, 30))
    assert debt.status == Debt.Status.OPEN and debt.is_certified
    assert "Οφειλέτες: 1 νέοι, 1 υπάρχοντες" in output
    assert "Ειδοποιητήρια με RF: 2 (230,50 €)" in output


def test_a_new_debtor_s_name_is_kept_as_the_registry_keeps_it(revenue, write_roll):
    """A roll typed by hand («Παπαδοπούλου  Eλένη», its E Latin): the new card keeps the
    name in capitals without accents, one alphabet a word, as the admin's search finds it."""
    afm = valid_afm()
    run(
        write_roll(
            [f"{afm};Παπαδοπούλου  Eλένη;0311;2026;ΤΚΦ;10,00;31/12/2026;01/12/2026;ΒΚ-11/2026"]
        )
    )
    assert Debtor.objects.get(afm=afm).last_name == "ΠΑΠΑΔΟΠΟΥΛΟΥ ΕΛΕΝΗ"


@pytest.mark.parametrize(("notices", "count"), [("per-debt", 2), ("none", 0), ("per-debtor", 1)])
def test_notices_as_asked(revenue, write_roll, notices, count):
    afm = valid_afm()
    row = f"{afm};ΑΛΦΑ;0311;2026;%s;10,00;31/12/2026;01/12/2026;ΒΚ-8/2026"
    run(write_roll([row % "Α", row % "Β"]), notices=notices)
    assert PaymentNotice.objects.count() == count
    assert Debt.objects.count() == 2


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_imported(
    revenue, write_roll, capsys
):
    good = valid_afm()
    path = write_roll(
        [
            f"{good};ΚΑΛΟΣ;0311;2026;ΤΚΦ;10,00;31/12/2026;01/12/2026;ΒΚ-9/2026",
            "012345678;ΛΑΘΟΣ ΑΦΜ;0311;2026;ΤΚΦ;10,00;31/12/2026;01/12/2026;ΒΚ-9/2026",
            f"{good};ΚΑΛΟΣ;9999;2026;ΤΚΦ;10,00;31/12/2026;01/12/2026;ΒΚ-9/2026",
            f"{good};ΚΑΛΟΣ;0311;2026;ΤΚΦ;-5,00;31/12/2026;01/12/2026;ΒΚ-9/2026",
            f"{good};ΚΑΛΟΣ;0311;2026;ΤΚΦ;1,005;31/12/2026;01/12/2026;ΒΚ-9/2026",
            f"{good};ΚΑΛΟΣ;0311;2026;ΤΚΦ;10,00;31/13/2026;01/12/2026;ΒΚ-9/2026",
            f"{good};ΚΑΛΟΣ;1699;2026;ΠΑΡΑΒΟΛΟ;4,50;31/12/2026;01/12/2026;ΒΚ-9/2026",
            f"{good};ΚΑΛΟΣ;0311;2026;ΤΚΦ;10,00;31/12/2026;02/12/2026;ΒΚ-9/2026",
        ]
    )
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="7 σφάλματα"):
        call_command("import_debts", path, stdout=out, stderr=err)
    report = err.getvalue()
    for line, words in [
        (3, "ΑΦΜ «012345678»"),
        (4, "άγνωστος ή ανενεργός ΚΑΕ «9999»"),
        (5, "δεν είναι θετικό ποσό"),
        (6, "«1,005»"),
        (7, "ημερομηνία λήξης «31/13/2026»"),
        (8, "παραβόλου"),
        (9, "άλλη ημερομηνία βεβαίωσης στη γραμμή 2"),
    ]:
        assert f"Γραμμή {line}: " in report and words in report, (line, words, report)
    assert not Debt.objects.exists()
    assert not Debtor.objects.exists()
    assert not CertificationRoll.objects.exists()


def test_a_certification_date_still_to_come_is_refused(revenue, write_roll):
    """A roll dated ahead (2062 for 2026, or not yet approved) would ask its debts now."""
    today = timezone.localdate()
    ahead = today + timedelta(days=1)
    good = valid_afm()
    path = write_roll(
        [
            f"{good};ΚΑΛΟΣ;0311;2026;ΤΚΦ;10,00;31/12/2026;{today:%d/%m/%Y};ΒΚ-9/2026",
            f"{good};ΚΑΛΟΣ;0311;2026;ΤΚΦ;12,00;31/12/2026;{ahead:%d/%m/%Y};ΒΚ-10/2026",
        ]
    )
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 σφάλμα"):
        call_command("import_debts", path, stdout=out, stderr=err)
    assert f"Γραμμή 3: η ημερομηνία βεβαίωσης {ahead:%d/%m/%Y} δεν έχει έρθει ακόμη" in (
        err.getvalue()
    )
    assert not Debt.objects.exists()


def test_a_roll_is_imported_once(revenue, write_roll):
    path = write_roll([f"{valid_afm()};ΑΛΦΑ;0311;2026;ΤΚΦ;10,00;31/12/2026;01/12/2026;ΒΚ-10/2026"])
    run(path)
    with pytest.raises(CommandError, match=r"^1 σφάλμα στο "):
        run(path)
    assert Debt.objects.count() == 1


def test_missing_columns_are_named(revenue, tmp_path):
    path = tmp_path / "roll.csv"
    path.write_text("ΑΦΜ;Περιγραφή\n068933130;ΤΚΦ\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"^1 σφάλμα στο .*: δεν εισήχθη τίποτα\.$"):
        call_command("import_debts", str(path), stderr=err)
    (line,) = err.getvalue().splitlines()
    assert line.startswith("Γραμμή 1: λείπουν οι στήλες: Ονοματεπώνυμο ή επωνυμία, ΚΑΕ, ")
    assert line.endswith("καταλόγου.")


@pytest.mark.parametrize(
    "encoding, end",
    [("utf-8-sig", "\r\n"), ("cp1253", "\r\n"), ("utf-8", "\r")],
    ids=["UTF-8 with BOM", "Windows-1253", "Excel for Mac's line ends"],
)
def test_a_csv_as_greek_excel_saves_it(revenue, tmp_path, encoding, end):
    afm = valid_afm()
    row = f"{afm};ΠΑΠΑΔΟΠΟΥΛΟΣ ΓΕΩΡΓΙΟΣ;0311;2026;ΤΚΦ ακινήτου;10,00;31/12/2026;01/12/2026;ΒΚ-8"
    path = tmp_path / "roll.csv"
    path.write_bytes(f"{HEADER}{end}{row}{end}".encode(encoding))

    run(str(path))

    debt = Debt.objects.get()
    assert (debt.debtor.last_name, debt.description) == ("ΠΑΠΑΔΟΠΟΥΛΟΣ ΓΕΩΡΓΙΟΣ", "ΤΚΦ ακινήτου")


def test_an_afm_stored_as_a_number_keeps_its_leading_zero(revenue, tmp_path):
    book = Workbook()
    book.active.append(HEADER.split(";"))
    # 068933130 and 094014201 as Excel stores them once the column is a number.
    for afm in (68933130, 94014201.0):
        book.active.append(
            [afm, "ΑΛΦΑ", "0311", 2026, "ΤΚΦ", 10, "31/12/2026", "01/12/2026", "ΒΚ-12"]
        )
    path = tmp_path / "roll.xlsx"
    book.save(path)

    run(str(path))

    assert set(Debtor.objects.values_list("afm", flat=True)) == {"068933130", "094014201"}


def test_an_afm_written_with_eight_digits_takes_its_leading_zero(revenue, write_roll):
    # A CSV saved from Excel keeps the number it showed: the old eight-digit form.
    run(write_roll(["68933130;ΑΛΦΑ;0311;2026;ΤΚΦ;10,00;31/12/2026;01/12/2026;ΒΚ-13"]))

    assert Debtor.objects.get().afm == "068933130"


def test_a_roll_another_import_certified_meanwhile_is_refused(revenue, write_roll, monkeypatch):
    path = write_roll([f"{valid_afm()};ΑΛΦΑ;0311;2026;ΤΚΦ;10,00;31/12/2026;01/12/2026;ΒΚ-20"])
    read_before_the_other_committed = read_roll(path)
    run(path)  # the other import
    monkeypatch.setattr(command, "read_roll", lambda _path: read_before_the_other_committed)
    err = io.StringIO()

    with pytest.raises(CommandError, match=r"^1 σφάλμα στο "):
        call_command("import_debts", path, stderr=err)

    assert err.getvalue() == "Γραμμή 2: ο κατάλογος ΒΚ-20 έχει ήδη εισαχθεί.\n"
    assert Debt.objects.count() == 1


def test_a_folder_is_no_roll(db, tmp_path):
    with pytest.raises(CommandError, match="δεν είναι αρχείο"):
        call_command("import_debts", str(tmp_path))


def zip_without_a_workbook(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("roll.txt", HEADER)


def truncated_workbook(path):
    book = Workbook()
    book.active.append(HEADER.split(";"))
    book.save(path)
    path.write_bytes(path.read_bytes()[:-200])


@pytest.mark.parametrize(
    "name, make, message",
    [
        (
            "roll.csv",
            lambda p: p.write_bytes(HEADER.encode() + b"\n\x81\n"),
            "UTF-8 ή Windows-1253",
        ),
        ("roll.xlsx", lambda p: p.write_text(HEADER), "δεν είναι έγκυρο βιβλίο Excel"),
        ("roll.xlsx", zip_without_a_workbook, "δεν είναι έγκυρο βιβλίο Excel"),
        ("roll.xlsx", truncated_workbook, "δεν είναι έγκυρο βιβλίο Excel"),
    ],
    ids=["not UTF-8 nor Windows-1253", "CSV named .xlsx", "zip without a workbook", "truncated"],
)
def test_a_file_that_cannot_be_read_is_refused_with_its_reason(
    revenue, tmp_path, name, make, message
):
    path = tmp_path / name
    make(path)
    err = io.StringIO()

    with pytest.raises(CommandError, match=r"^1 σφάλμα στο "):
        call_command("import_debts", str(path), stderr=err)

    assert err.getvalue().startswith("Γραμμή 1: ") and message in err.getvalue()
    assert not Debt.objects.exists()


def test_a_csv_with_a_nul_byte_is_refused_at_its_line(revenue, write_roll):
    """A NUL (0x00) is in no text people write, and the database keeps none in a text field:
    before, it reached PostgreSQL and failed there with a traceback."""
    afm = valid_afm()
    row = f"{afm};ΝΕΟΣ ΝΙΚΟΣ;0311;2026;ΤΚΦ;80,00;31/12/2026;01/12/2026;ΒΚ-9/2026"
    path = write_roll([row, row.replace("ΝΙΚΟΣ", "ΝΙ\x00ΚΟΣ").replace("ΒΚ-9", "ΒΚ-8")])
    err = io.StringIO()

    with pytest.raises(CommandError, match=r"^1 σφάλμα στο "):
        call_command("import_debts", path, stderr=err)

    assert err.getvalue().startswith("Γραμμή 3: έχει τον χαρακτήρα NUL (0x00)")
    assert not Debt.objects.exists()


def test_an_xlsx_roll_with_typed_cells(revenue, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(";"))
    afm = valid_afm()
    sheet.append(
        [afm, "ΒΗΤΑ", "0311", 2026, "ΤΚΦ", 42.5, date(2026, 12, 31), date(2026, 12, 1), "ΒΚ-11"]
    )
    path = tmp_path / "roll.xlsx"
    book.save(path)
    run(str(path))
    debt = Debt.objects.get()
    assert (debt.debtor.afm, debt.principal, debt.due_date) == (
        afm,
        Decimal("42.50"),
        date(2026, 12, 31),
    )
