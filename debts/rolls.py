"""Certification rolls (βεβαιωτικοί κατάλογοι) from CSV or XLSX: every row checked before
anything is written, then debtors, debts and notices created in bulk, in one transaction.

The rules are the receivables' own: an ΑΦΜ passes its check digit, a revenue code is known and
active (and not a παράβολο's, which is never certified), amounts are positive euros and cents,
a roll is imported once; notices freeze their amounts through ``services.draft_notice`` and take
fresh RFs through ``services.unused_rf_codes``, as ``build_notice`` does.
"""

import csv
import io
import re
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from stdnum.gr import vat

from .bulk import insert_new
from .models import (
    LOOK_ALIKE_GREEK,
    LOOK_ALIKE_LATIN,
    CertificationRoll,
    Debt,
    Debtor,
    PaymentNotice,
    RevenueType,
    registry_name,
)
from .money import CENT, LARGEST
from .services import default_valid_until, draft_notice, touch_ledgers, unused_rf_codes
from .surcharges import unknown_rate
from .text_files import NulByte, read_text
from .validators import normalize_afm

# The columns, each with the headers it is recognised by (in any case, with or without accents).
COLUMNS = {
    "afm": ("ΑΦΜ", "AFM"),
    "name": ("Ονοματεπώνυμο ή επωνυμία", "Ονοματεπώνυμο", "Επωνυμία", "Name"),
    "revenue_code": ("ΚΑΕ", "Κωδικός εσόδου", "Revenue code"),
    "period": ("Περίοδος", "Period"),
    "description": ("Περιγραφή", "Description"),
    "principal": ("Κεφάλαιο", "Ποσό", "Principal", "Amount"),
    "due_date": ("Λήξη", "Ημερομηνία λήξης", "Due date"),
    "certified_on": ("Ημερομηνία βεβαίωσης", "Certification date"),
    "roll": ("Αριθμός καταλόγου", "Κατάλογος", "Roll number", "Roll"),
}
OPTIONAL = {"period"}
TEXT_COLUMNS = ("afm", "name", "revenue_code", "description", "roll")
RUNS = 3  # of an import refused by a unique key that a concurrent import took (``import_roll``)


class Notices:
    """Which notices an imported roll issues."""

    PER_DEBTOR = "per-debtor"  # one per debtor and roll
    PER_DEBT = "per-debt"
    NONE = "none"
    CHOICES = (PER_DEBTOR, PER_DEBT, NONE)


@dataclass(frozen=True)
class RollRow:
    line: int
    afm: str
    name: str
    revenue_code: str
    period_start: date | None
    period_end: date | None
    description: str
    principal: Decimal
    due_date: date
    certified_on: date
    roll: str


class BadRoll(ValueError):
    """A roll with bad rows; ``errors`` lists each as (line, reason)."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__(f"{len(errors)} bad rows")
        self.errors = errors

    @classmethod
    def at(cls, line: int, reason: str) -> "BadRoll":
        """A roll refused for one reason, at one line (the file, at its first)."""
        return cls([(line, reason)])


@dataclass
class RollSummary:
    rows: int = 0
    rolls: int = 0
    debtors_created: int = 0
    debtors_matched: int = 0
    debts: int = 0
    principal: Decimal = Decimal(0)
    notices: int = 0
    notice_total: Decimal = Decimal(0)
    roll_numbers: list[str] = field(default_factory=list)


# The look-alike capitals ``registry_name`` reads (``debts.models``), casefolded as ``_as_read``
# compares: a header, name or roll number typed partly on the Latin keyboard («ΠAΠAΔOΠOYΛOΣ»,
# «BK-7/2026») reads the same.
LOOK_ALIKES = str.maketrans(LOOK_ALIKE_LATIN.casefold(), LOOK_ALIKE_GREEK.casefold())


def _as_read(text) -> str:
    """A roll number as people read it: case, accents, spacing and Latin look-alike letters
    aside, so «BK-7/2026» typed on the Latin keyboard is ΒΚ-7/2026; its dots are its own
    (ΒΚ-7.1/2026 is not ΒΚ-71/2026)."""
    letters = unicodedata.normalize("NFD", str(text or "").casefold())
    bare = "".join(c for c in letters if not unicodedata.combining(c))
    return " ".join(bare.translate(LOOK_ALIKES).split())


def _plain(text) -> str:
    """A header or a name as it is compared: as read (``_as_read``), and its dots aside too
    («ΠΕΡΙΟΔΟΣ» as Greek capitals are written, «Α.Φ.Μ.»)."""
    return " ".join(_as_read(text).replace(".", "").split())


HEADERS = {_plain(name): column for column, names in COLUMNS.items() for name in names}


def _xlsx_rows(path: Path):
    """(sheet row number, values) of the first sheet's rows; a file that is no workbook, or a
    damaged one, a bad roll. openpyxl gives empty rows for the rows a sheet leaves out, so the
    count from 1 is the row number Excel shows."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet, *others = book.worksheets
            _refuse_other_rows(others)
            # Read-only, openpyxl stops at the size the sheet declares, which some programs
            # write short: the rows past it would be left out without a word.
            sheet.reset_dimensions()
            yield from enumerate(sheet.iter_rows(values_only=True), 1)
        finally:
            book.close()
    except BadRoll:  # a ValueError, said as it is
        raise
    # Not a zip; a zip without a workbook's parts or sheets; a part that is not XML, or not what
    # openpyxl expects in it.
    except (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        IndexError,
        SyntaxError,
        ValueError,
        TypeError,
    ) as error:
        raise BadRoll.at(1, _("το αρχείο δεν είναι έγκυρο βιβλίο Excel (XLSX)")) from error


def _refuse_other_rows(sheets) -> None:
    """Refuse a workbook with rows on a sheet after the first: read from the first alone, the
    rest of the roll would be left out without a word, and the roll, then imported, could not
    take it. A sheet of blank cells is no matter."""
    for sheet in sheets:
        sheet.reset_dimensions()
        if any(_text(value) for row in sheet.iter_rows(values_only=True) for value in row):
            message = _(
                "το βιβλίο έχει γραμμές και στο φύλλο «%(sheet)s»: ένας κατάλογος διαβάζεται "
                "από ένα φύλλο· βάλτε όλες τις γραμμές του στο πρώτο, ή κάθε φύλλο σε δικό "
                "του αρχείο"
            )
            raise BadRoll.at(1, message % {"sheet": sheet.title})


def _csv_rows(path: Path):
    """(line number, values) of the rows, split at ; or , (whichever the header has more of).
    The number is the line a row starts on, as a text editor counts it: ``line_num`` is the
    line a row ends on, past any line breaks quoted in its cells, so a row starts after the
    previous one ends (a blank line is a row of its own)."""
    try:
        text = read_text(path)
    except UnicodeDecodeError as error:
        raise BadRoll.at(1, _("το αρχείο δεν είναι κείμενο UTF-8 ή Windows-1253")) from error
    except NulByte as error:
        raise BadRoll.at(
            error.line, _("έχει τον χαρακτήρα NUL (0x00): το αρχείο δεν είναι κείμενο CSV")
        ) from error
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    ended = 0
    try:
        for values in reader:
            if reader.line_num > ended + 1 and _swallowed(values, delimiter):
                stray = _(
                    'ένα εισαγωγικό (") ανοίγει κελί που κλείνει στη γραμμή %(end)s, και οι '
                    "γραμμές ανάμεσα γίνονται ένα κελί: αφαιρέστε το ή κλείστε το"
                )
                raise BadRoll.at(ended + 1, stray % {"end": reader.line_num})
            yield ended + 1, values
            ended = reader.line_num
    except csv.Error as error:
        raise BadRoll.at(
            reader.line_num, _("το αρχείο δεν είναι έγκυρο CSV: %(error)s") % {"error": error}
        ) from error


# A field of a roll's row that only an ΑΦΜ is: eight or nine digits (Excel drops a leading 0).
AFM_LIKE = re.compile(r"\d{8,9}")


def _swallowed(values: list[str], delimiter: str) -> bool:
    """Whether a cell quoted over several lines holds rows of the roll, whole or cut (the
    next row's quoted cell may close it), an ΑΦΜ among their fields: a stray quote opened it,
    not a line break typed in a description (one that lists months, commas and all)."""
    return any(
        line.count(delimiter) >= 2
        and any(AFM_LIKE.fullmatch(field.strip()) for field in line.split(delimiter))
        for value in values
        for line in value.split("\n")[1:]
    )


def _header_errors(header, columns: list[str | None]) -> list[str]:
    """What the header lacks, and the columns it gives twice under two names (the later would
    silently take the earlier's place)."""
    errors = []
    missing = [COLUMNS[c][0] for c in COLUMNS if c not in columns and c not in OPTIONAL]
    if missing:
        errors.append(_("λείπουν οι στήλες: %(names)s") % {"names": ", ".join(missing)})
    for column in COLUMNS:
        names = [_text(name) for name, c in zip(header, columns, strict=True) if c == column]
        if len(names) > 1:
            errors.append(
                _("οι στήλες %(names)s δίνουν το ίδιο στοιχείο· κρατήστε μόνο μία")
                % {"names": ", ".join(f"«{name}»" for name in names)}
            )
    return errors


# How every file of Excel 97–2003 (an OLE2 compound file) begins.
OLE2 = bytes.fromhex("d0cf11e0a1b11ae1")


def _raw_rows(path: Path):
    """(line number, header-keyed values) of each row after the header, blank rows left out."""
    with path.open("rb") as stream:
        if stream.read(len(OLE2)) == OLE2:
            raise BadRoll.at(
                1, _("το αρχείο είναι βιβλίο Excel 97–2003 (.xls): αποθηκεύστε το ως XLSX ή CSV")
            )
    xlsx = path.suffix.lower() in (".xlsx", ".xlsm")
    rows = _xlsx_rows(path) if xlsx else _csv_rows(path)
    first, header = next(rows, (1, None))
    if header is None:
        raise BadRoll.at(1, _("το αρχείο είναι κενό"))
    columns = [HEADERS.get(_plain(name)) for name in header]
    errors = _header_errors(header, columns)
    if errors:
        raise BadRoll([(first, message) for message in errors])
    for line, values in rows:
        if values and any(_text(value) for value in values):
            yield line, {c: v for c, v in zip(columns, values, strict=False) if c}


def _text(value) -> str:
    """A cell as text. A whole number a workbook holds as a float (as programs other than
    Excel write 068933130: «6.893313E7») is its digits: «68933130.0» would lose its dot in the
    ΑΦΜ's cleaning and become another ΑΦΜ."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip() if value is not None else ""
    return " ".join(text.split()) if "  " in text or "\n" in text or "\t" in text else text


DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def _date(value) -> date:
    """A date from a cell: a date, «31/12/2026» (also with . or -), or «2026-12-31»."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    found = DAY_MONTH_YEAR.fullmatch(text)
    if found:
        day, month, year = map(int, found.groups())
        return date(year, month, day)
    return date.fromisoformat(text)


class AmountError(ValueError):
    """An amount refused with its own reason (``args[0]``), said to the officer as it is."""


def _too_many_decimals(written: str) -> AmountError:
    return AmountError(_("το κεφάλαιο «%(value)s» έχει πάνω από δύο δεκαδικά") % {"value": written})


def _grouped(whole: str, separator: str) -> bool:
    """Whether ``whole`` is digits in threes after the first one to three («12.345.678»)."""
    return bool(re.fullmatch(rf"\d{{1,3}}(?:{re.escape(separator)}\d{{3}})+", whole))


def _amount(value) -> Decimal:
    """Euros from a cell: a number, or text whose last . or , is the decimal separator, the
    other grouping thousands («1.500,00» as Greek Excel writes it, «1,500.00»). More than two
    decimals are refused, not rounded."""
    if _is_number(value):
        # The 15 significant digits Excel shows: a sum it computed (10,10 + 20,20) is stored
        # as 30.299999999999997, which is 30,30 to whoever wrote it.
        written = f"{value:.15g}"
        amount = Decimal(written)
    else:
        written = _text(value).replace("€", "").strip()
        amount = Decimal(_decimal_text(written))
    if not amount.is_finite():
        raise InvalidOperation(written)
    if amount != amount.quantize(CENT):
        raise _too_many_decimals(written)
    return amount.quantize(CENT)


def _decimal_text(written: str) -> str:
    """``written`` as ``Decimal`` reads it. Three digits after a lone separator («1.500»,
    «1,500») may be thousands or decimals, and a separator twice («1.500.000») leaves the
    cents out: both refused, not guessed."""
    at = max(written.rfind("."), written.rfind(","))
    if at < 0 or not re.fullmatch(r"[+-]?[\d.,]*\d", written):
        return written
    whole, point, cents = written[:at], written[at], written[at + 1 :]
    other = "," if point == "." else "."
    digits = whole.lstrip("+-")
    if point in digits or (len(cents) == 3 and re.fullmatch(r"[1-9]\d{0,2}", digits)):
        if not _grouped(f"{digits}{point}{cents}", point):
            raise InvalidOperation(written)
        if point in digits:
            raise AmountError(
                _("το κεφάλαιο «%(value)s» δεν γράφει λεπτά· γράψτε τα, π.χ. «1.500.000,00»")
                % {"value": written}
            )
        raise AmountError(
            _(
                "το κεφάλαιο «%(value)s» μπορεί να είναι χιλιάδες ή δεκαδικά· γράψτε και τα "
                "λεπτά, π.χ. «1.500,00» για χίλια πεντακόσια ευρώ"
            )
            % {"value": written}
        )
    if other in digits and not _grouped(digits, other):
        raise AmountError(
            _("το κεφάλαιο «%(value)s» δεν χωρίζει τις χιλιάδες ανά τρία ψηφία")
            % {"value": written}
        )
    if len(cents) > 2:
        raise _too_many_decimals(written)
    return f"{whole.replace(other, '')}.{cents}"


def _period(value) -> tuple[date | None, date | None]:
    """«2026», or two dates with a dash or slash-free separator («01/01/2026 - 30/06/2026»)."""
    text = _text(value)
    if not text:
        return None, None
    if text.isdigit() and len(text) == 4:
        return date(int(text), 1, 1), date(int(text), 12, 31)
    for separator in (" - ", " – ", "–", " έως "):
        if separator in text:
            start, end = (part.strip() for part in text.split(separator, 1))
            return _date(start), _date(end)
    raise ValueError(text)


def _is_number(value) -> bool:
    """Whether a cell holds a number (an XLSX's; a CSV's cells are text)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _revenue_code(value, revenue: dict) -> str:
    """The code as the cell shows it. A cell Excel holds as a number shows 311 for «0311»: its
    digits, zero-padded to four when that is a known code and they are not. Text stays as it is
    written, a CSV's among it."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        return _text(value)
    code, padded = str(value), str(value).zfill(4)
    return padded if code not in revenue and padded in revenue else code


def _afm_checks(afm: str) -> bool:
    """Nine digits with the mod-11 check digit (``stdnum.gr.vat``'s rule, without its cleaning
    of any Unicode, which costs a 100,000-row roll seconds)."""
    return len(afm) == 9 and afm.isdigit() and vat.calc_check_digit(afm[:8]) == afm[8]


def read_roll(path: str | Path) -> list[RollRow]:
    """Every row of the file, checked; ``BadRoll`` with every bad row if any is bad."""
    path = Path(path)
    revenue = {rt.code: rt for rt in RevenueType.objects.filter(active=True).only("code", "kind")}
    errors: list[tuple[int, str]] = []
    rows: list[RollRow] = []
    certified: dict[str, tuple[date, int, str]] = {}
    named: dict[str, tuple[str, int]] = {}
    first_lines: dict[RollRow, int] = {}
    date_labels = (("due_date", _("λήξης")), ("certified_on", _("βεβαίωσης")))
    today = timezone.localdate()
    for line, raw in _raw_rows(path):
        row_errors = []

        def bad(message, row_errors=row_errors):
            row_errors.append(message)

        for column in TEXT_COLUMNS:
            if isinstance(raw.get(column), date):
                # Excel makes «7/2026» typed in a General cell a date; read as text, it would
                # be another roll number, name or ΑΦΜ than the one written.
                bad(
                    _("η στήλη «%(column)s» έχει ημερομηνία (%(value)s): γράψτε την ως κείμενο")
                    % {"column": COLUMNS[column][0], "value": _text(raw[column])}
                )
        afm = _text(raw.get("afm"))
        if not (len(afm) == 9 and afm.isdigit()):
            afm = normalize_afm(afm)
        if not (_afm_checks(afm) and afm != "000000000"):
            bad(_("ΑΦΜ «%(value)s» μη έγκυρος") % {"value": _text(raw.get("afm"))})
        name = _text(raw.get("name"))
        if not name or len(name) > 200:
            bad(_("λείπει το ονοματεπώνυμο ή η επωνυμία (έως 200 χαρακτήρες)"))
        else:
            first = named.setdefault(afm, (name, line))
            if _plain(first[0]) != _plain(name):
                # One of the two ΑΦΜ is likely mistyped: its debts would go to another person.
                bad(
                    _("ο ΑΦΜ %(afm)s έχει άλλο ονοματεπώνυμο στη γραμμή %(line)s («%(name)s»)")
                    % {"afm": afm, "line": first[1], "name": first[0]}
                )
        code = _revenue_code(raw.get("revenue_code"), revenue)
        if code not in revenue:
            bad(_("άγνωστος ή ανενεργός ΚΑΕ «%(code)s»") % {"code": code})
        elif revenue[code].kind == RevenueType.Kind.PARAVOLO:
            bad(_("ο ΚΑΕ «%(code)s» είναι παραβόλου, που δεν βεβαιώνεται") % {"code": code})
        description = _text(raw.get("description"))
        if not description or len(description) > 300:
            bad(_("λείπει η περιγραφή (έως 300 χαρακτήρες)"))
        principal = None
        try:
            principal = _amount(raw.get("principal"))
            if not Decimal(0) < principal <= LARGEST:
                raise InvalidOperation
        except AmountError as error:
            bad(error.args[0])
        except (InvalidOperation, ValueError):
            bad(
                _("το κεφάλαιο «%(value)s» δεν είναι θετικό ποσό με έως δύο δεκαδικά")
                % {"value": _text(raw.get("principal"))}
            )
        dates = {}
        for column, label in date_labels:
            try:
                dates[column] = _date(raw.get(column))
            except ValueError:
                refusal = (
                    _(
                        "μη έγκυρη ημερομηνία %(what)s «%(value)s»: το Excel δείχνει έτσι μια "
                        "ημερομηνία σε στήλη με μορφή αριθμού· δώστε στη στήλη μορφή ημερομηνίας "
                        "και αποθηκεύστε ξανά"
                    )
                    if _is_number(raw.get(column))
                    else _("μη έγκυρη ημερομηνία %(what)s «%(value)s»")
                )
                bad(refusal % {"what": label, "value": _text(raw.get(column))})
        if dates.get("certified_on", today) > today:
            # A debt is owed once certified: a roll dated ahead is a typing slip (2062 for 2026)
            # or one not yet approved, and its debts would be asked of the debtors now.
            bad(
                _("η ημερομηνία βεβαίωσης %(value)s δεν έχει έρθει ακόμη")
                % {"value": date_format(dates["certified_on"], "SHORT_DATE_FORMAT")}
            )
        if "due_date" in dates and unknown_rate(dates["due_date"]):
            bad(unknown_rate(dates["due_date"]).removesuffix("."))  # the line's reason ends it
        try:
            period = _period(raw.get("period"))
            if period[0] and period[1] and period[1] < period[0]:
                raise ValueError
        except ValueError:
            period = (None, None)
            bad(_("μη έγκυρη περίοδος «%(value)s»") % {"value": _text(raw.get("period"))})
        roll = _text(raw.get("roll"))
        if not roll or len(roll) > 32:
            bad(_("λείπει ο αριθμός καταλόγου (έως 32 χαρακτήρες)"))
        elif "certified_on" in dates:
            # One roll however its number is typed: as its first row writes it.
            first = certified.setdefault(_as_read(roll), (dates["certified_on"], line, roll))
            roll = first[2]
            if first[0] != dates["certified_on"]:
                bad(
                    _("ο κατάλογος %(roll)s έχει άλλη ημερομηνία βεβαίωσης στη γραμμή %(line)s")
                    % {"roll": roll, "line": first[1]}
                )
        if not row_errors:
            row = RollRow(
                line, afm, name, code, *period, description, principal, **dates, roll=roll
            )
            # The same debt twice is a row pasted twice more often than two debts alike: it
            # would be certified, and asked of the debtor, twice.
            same = first_lines.setdefault(replace(row, line=0, name=""), line)
            if same != line:
                bad(
                    _(
                        "η γραμμή είναι ίδια με τη γραμμή %(line)s· αν είναι δύο οφειλές, "
                        "ξεχωρίστε τες στην περιγραφή"
                    )
                    % {"line": same}
                )
        if row_errors:
            errors.extend((line, message) for message in row_errors)
            continue
        rows.append(row)
    # Every roll's number, compared as people read it (a few thousand in a municipality's life).
    for number in sorted(CertificationRoll.objects.values_list("number", flat=True)):
        if _as_read(number) in certified:
            errors.append(
                (
                    certified[_as_read(number)][1],
                    _("ο κατάλογος %(roll)s έχει ήδη εισαχθεί") % {"roll": number},
                )
            )
    if errors:
        raise BadRoll(sorted(errors))
    if not rows:
        raise BadRoll.at(1, _("το αρχείο δεν έχει γραμμές κάτω από την επικεφαλίδα"))
    return rows


def import_roll(rows: list[RollRow], *, notices: str = Notices.PER_DEBTOR) -> RollSummary:
    """Certify ``rows`` (as ``read_roll`` returns them): their rolls, debtors created or matched
    by ΑΦΜ, the debts, and the notices asked for, with fresh RFs; all or nothing.

    Another import may commit, meanwhile, a debtor this one creates (another roll of the same
    people) or one of its rolls (the same file twice): the unique key refuses this one, rolled
    back whole. A roll now certified is then a ``BadRoll``, as ``read_roll`` would have said;
    otherwise the import runs again, to match the debtors the other created. A third refusal
    in a row is no race, and is raised.
    """
    for attempt in range(1, RUNS + 1):
        try:
            return _certify(rows, notices)
        except IntegrityError:
            lines = {}
            for row in rows:
                lines.setdefault(row.roll, row.line)
            taken = CertificationRoll.objects.filter(number__in=lines)
            errors = [
                (lines[number], _("ο κατάλογος %(roll)s έχει ήδη εισαχθεί") % {"roll": number})
                for number in taken.order_by("number").values_list("number", flat=True)
            ]
            if errors:
                raise BadRoll(errors) from None
            if attempt == RUNS:
                raise


@transaction.atomic
def _certify(rows: list[RollRow], notices: str) -> RollSummary:
    summary = RollSummary(rows=len(rows))
    first_row = {}
    for row in rows:
        first_row.setdefault(row.roll, row)
    rolls = {
        roll.number: roll
        for roll in CertificationRoll.objects.bulk_create(
            CertificationRoll(
                number=number,
                title=_("Βεβαιωτικός κατάλογος %(number)s") % {"number": number},
                certified_on=row.certified_on,
            )
            for number, row in first_row.items()
        )
    }
    summary.rolls, summary.roll_numbers = len(rolls), sorted(rolls)
    debtors = _debtors(rows, summary)
    revenue = {
        rt.code: rt for rt in RevenueType.objects.filter(code__in={r.revenue_code for r in rows})
    }
    debts = [
        Debt(
            debtor=debtors[row.afm],
            revenue_type=revenue[row.revenue_code],
            description=row.description,
            period_start=row.period_start,
            period_end=row.period_end,
            principal=row.principal,
            due_date=row.due_date,
            certified_on=row.certified_on,
            roll=rolls[row.roll],
        )
        for row in rows
    ]
    insert_new(debts)
    summary.debts = len(debts)
    summary.principal = sum((debt.principal for debt in debts), Decimal(0))
    if notices != Notices.NONE:
        _issue_notices(debts, per_debt=notices == Notices.PER_DEBT, summary=summary)
    return summary


def _debtors(rows: list[RollRow], summary: RollSummary) -> dict[str, Debtor]:
    """The debtors of ``rows`` by ΑΦΜ: matched, or created with the name the roll gives; the
    ledgers of those matched are touched, so their pages show the new debts at once."""
    afms = {row.afm: row.name for row in rows}
    found = {d.afm: d for d in Debtor.objects.filter(afm__in=list(afms)).only("pk", "afm")}
    touch_ledgers(Debtor.objects.filter(pk__in=[d.pk for d in found.values()]))
    created = [
        Debtor(afm=afm, last_name=registry_name(name))
        for afm, name in afms.items()
        if afm not in found
    ]
    insert_new(created)
    summary.debtors_matched, summary.debtors_created = len(found), len(created)
    return found | {debtor.afm: debtor for debtor in created}


def _issue_notices(debts: list[Debt], *, per_debt: bool, summary: RollSummary) -> None:
    today = timezone.localdate()
    groups = defaultdict(list)
    for debt in debts:
        groups[debt.pk if per_debt else (debt.debtor.afm, debt.roll.number)].append(debt)
    drafts = [
        (group, draft_notice(group, [], today=today, valid_until=_valid_until(group, today)))
        for group in groups.values()
    ]
    codes = unused_rf_codes([draft.total for _group, draft in drafts])
    issued_at = timezone.now()
    made = [
        PaymentNotice(
            debtor=group[0].debtor,
            rf_code=code,
            origin=PaymentNotice.Origin.MUNICIPALITY,
            issued_at=issued_at,
            valid_until=draft.valid_until,
            total=draft.total,
        )
        for (group, draft), code in zip(drafts, codes, strict=True)
    ]
    insert_new(made)
    items = []
    for notice, (_group, draft) in zip(made, drafts, strict=True):
        for item in draft.items:
            item.notice = notice
            items.append(item)
    insert_new(items)
    summary.notices = len(made)
    summary.notice_total = sum((notice.total for notice in made), Decimal(0))


def _valid_until(debts: list[Debt], today: date) -> date:
    """A roll's notice goes by post: payable until its debts fall due, when that is later than
    the usual validity (a week's would end before it arrives), and never past the day a
    surcharge of its would grow (``default_valid_until``'s rule)."""
    earliest_due = min(debt.due_date for debt in debts)
    return default_valid_until(debts, [], today, not_before=earliest_due)
