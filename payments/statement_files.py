"""Reading bank statements: ISO 20022 camt.054 and camt.053 (any version) and SWIFT MT940.

Reads only, writes nothing: a file is read whole (streamed, never held as a tree) into plain
transactions before anything is recorded, so a broken file (not XML, another schema, truncated,
a DTD with entities, totals that do not add up) is refused with a clear message and changes
nothing. Batched entries (several transactions in one entry) are split into their transactions.
"""

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from lxml import etree

from debts.money import CENT, LARGEST, ZERO, euros
from debts.rf import InvalidRF, validate_rf
from debts.text_files import NulByte, read_text

CAMT_NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.(05[34])\.001\.(\d{2})$")
# A namespace declaration in a file's head (its prefix, if any, then its quoted name).
XMLNS = re.compile(rb"""\bxmlns(?::[\w.-]+)?\s*=\s*(["'])(.*?)\1""", re.DOTALL)
# An RF in free text: "RF" and two check digits, then up to 21 characters, maybe in groups.
RF_IN_TEXT = re.compile(r"RF\s?\d{2}(?:\s?[0-9A-Z]){1,21}", re.IGNORECASE)
# An amount as banks write it: ISO 20022's decimal (a plus sign, a leading or trailing point and
# more decimals allowed) or MT940's comma; its cents are checked apart. Its sign is the indicator's.
AMOUNT = re.compile(r"\+?(?:\d{1,20}(?:[.,]\d*)?|[.,]\d+)", re.ASCII)


class BrokenStatement(ValueError):
    """A file that is not a bank statement this portal reads; the message says why."""


class Kind:
    """What a booked transaction is to the municipality: only a payment is money to settle."""

    PAYMENT = "payment"  # a credit: money paid in
    DEBIT = "debit"  # money paid out of the account
    RETURN = "return"  # a reversal (a credit returned, a debit undone)


@dataclass(frozen=True, slots=True)
class Transaction:
    """One booked transaction, as the bank told it."""

    account: str
    bank_reference: str
    transaction_id: str
    kind: str
    credit: bool
    amount: Decimal
    booked_on: date
    value_on: date | None
    rf: str
    remittance: str
    payer: str
    payer_account: str
    # The id the banks gave the transaction itself (not the payer's end-to-end id), which a
    # camt.053 repeats for a credit a camt.054 told under another entry reference.
    bank_id: str = ""
    # What a camt entry holds, with how many alike came before it in the file (``_content``):
    # its key when the bank gave it no reference (``counted_key``); and, as ``content_key``,
    # kept with it when the bank gave one. A file that gives it a reference may come before or
    # after one that did not.
    content: tuple = ()

    @property
    def signed_amount(self) -> Decimal:
        """What it did to the account's balance."""
        return self.amount if self.credit else -self.amount

    @property
    def counted_key(self) -> str:
        """Its entry's key by what it holds and how many alike came before it in the file, as
        when the bank gave it no reference. Made when an import looks it up, not as the file is
        read: the reading is the one step of an import that no worker process shares."""
        return _content_key(self.content) if self.content else ""

    @property
    def content_key(self) -> str:
        """What its entry holds, whatever else alike the file holds: alike entries of one file
        share it, and an import tells them apart by their order (``_known``)."""
        return _content_key((self.content[0], "*")) if self.content else ""

    @property
    def known_by_content(self) -> bool:
        """Whether its key is what it holds (``_fallback_reference``): the bank gave it no
        reference of its own."""
        return self.bank_reference.startswith(CONTENT_KEY)


@dataclass
class Report:
    """One account's part of a file (a camt ``Stmt``/``Ntfctn``, an MT940 statement), with the
    totals the bank declared for it, to check the transactions against."""

    account: str
    opening: Decimal | None = None
    closing: Decimal | None = None
    # It opens on an interim balance (MT940 :60M:, camt ITBD): a page that goes on from the
    # one before it, whose closing balance must be its opening.
    continued: bool = False
    declared_count: int | None = None
    declared_net: Decimal | None = None
    net: Decimal = ZERO  # of the booked entries, which move the balance
    entries: int = 0
    # Every entry listed, booked or not: what a camt's summary (``TxsSummry``) may count.
    listed: int = 0
    listed_net: Decimal = ZERO


@dataclass
class StatementFile:
    """What a file holds: its format and message id, the reports, and every booked transaction."""

    format: str
    version: str
    message_id: str
    sha256: str
    reports: list[Report] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)
    not_booked: int = 0
    no_money: int = 0
    # How many entries with no reference of their own each set of contents has had so far in
    # the file (across its reports: a file may report one account twice).
    alike: Counter = field(default_factory=Counter)

    def add(self, transaction: Transaction) -> None:
        """Keep a booked transaction. One of no money (a fee waived, interest of nothing, as
        month-end statements carry) is no payment and moves no balance: only counted."""
        if transaction.amount:
            self.transactions.append(transaction)
        else:
            self.no_money += 1


def named_rf(*candidates: str) -> str:
    """The first RF the payer gave: a whole candidate that is an RF, else one found in the text
    of any; else the first thing that looks like an RF (malformed, for a person), else ""."""
    texts = [text.strip() for text in candidates if text and text.strip()]
    for text in texts:
        try:
            return validate_rf(text)
        except InvalidRF:
            pass
    found = [match.group(0) for text in texts for match in RF_IN_TEXT.finditer(text)]
    for candidate in found:
        try:
            return validate_rf(candidate)
        except InvalidRF:
            pass
    looks_like_rf = [text for text in texts if text[:2].upper() == "RF"]
    return (found or looks_like_rf or [""])[0].replace(" ", "")[:140]


def _money(text: str | None, what: str) -> Decimal:
    """Euros and cents as banks write them (``AMOUNT``), no more than the ledger's money fields
    hold."""
    written = (text or "").strip()
    value = Decimal(written.replace(",", ".")) if AMOUNT.fullmatch(written) else None
    if value is None or value > LARGEST or value != value.quantize(CENT):
        raise BrokenStatement(
            _("Μη έγκυρο ποσό «%(value)s» (%(what)s).") % {"value": text, "what": what}
        )
    return value


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip()[:10]).date()
    except ValueError as error:
        raise BrokenStatement(_("Μη έγκυρη ημερομηνία «%(value)s».") % {"value": text}) from error


# How the key of an entry without a reference of the bank's begins (``_fallback_reference``).
CONTENT_KEY = "SHA-"


def _fallback_reference(statement: StatementFile, account: str, *parts) -> str:
    """For an entry the bank gave no reference of its own: a checksum of what it holds (the
    payer's RF and text among it) and of how many alike came before it in the file. Two alike
    payments of a day stay two; the same day in an overlapping file gives the same keys."""
    return _content_key(_content(statement, account, *parts))


def _content(statement: StatementFile, account: str, *parts) -> tuple:
    """What an entry holds, and how many alike came before it in the file: (parts, count), the
    parts the counter's own key (a file's hundred thousand entries keep one tuple each)."""
    parts = (account, *parts)
    statement.alike[parts] += 1
    return parts, statement.alike[parts]


def _content_key(content: tuple) -> str:
    parts, count = content
    text = "|".join(map(str, (*parts, count)))
    return CONTENT_KEY + hashlib.sha256(text.encode()).hexdigest()[:32]


def read_statement(path: str | Path) -> StatementFile:
    """Read a statement file of any supported format, or raise ``BrokenStatement``."""
    path = Path(path)
    with path.open("rb") as stream:
        head = stream.read(4096)
    sha = _file_sha256(path)
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"<"):
        statement = _read_camt(path, head, sha)
    elif start.startswith((b":20:", b"{1:")) or b"\n:20:" in head or b"\r\n:20:" in head:
        statement = _read_mt940(path, sha)
    else:
        raise BrokenStatement(_("Το αρχείο δεν είναι camt.053, camt.054 ή MT940."))
    _check_totals(statement)
    return statement


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def after_another(statement: StatementFile) -> list[tuple[Report, Report]]:
    """(report, the one before it) for each report of an account that opens on another balance
    than the one the account's report before it in the file closed on: movements the file
    does not hold lie between them."""
    last: dict[str, Report] = {}
    found = []
    for report in statement.reports:
        before = last.get(report.account)
        known = before is not None and None not in (before.closing, report.opening)
        if known and before.closing != report.opening:
            found.append((report, before))
        last[report.account] = report
    return found


def _check_totals(statement: StatementFile) -> None:
    """Refuse a file whose transactions disagree with its own totals: it was cut or altered."""
    for report, before in after_another(statement):
        if report.continued:  # a page of the same statement: one between them is missing
            raise BrokenStatement(
                _(
                    "Μια σελίδα του λογαριασμού %(account)s ανοίγει με υπόλοιπο %(opening)s, "
                    "ενώ η προηγούμενη έκλεισε με %(closing)s: λείπει σελίδα από το αρχείο."
                )
                % {
                    "account": report.account,
                    "opening": euros(report.opening),
                    "closing": euros(before.closing),
                }
            )
    for report in statement.reports:
        balances = report.opening is not None and report.closing is not None
        if balances and report.opening + report.net != report.closing:
            raise BrokenStatement(
                _(
                    "Τα υπόλοιπα του λογαριασμού %(account)s δεν συμφωνούν με τις κινήσεις: "
                    "αρχικό %(opening)s + κινήσεις %(net)s ≠ τελικό %(closing)s."
                )
                % {
                    "account": report.account,
                    "opening": euros(report.opening),
                    "net": euros(report.net),
                    "closing": euros(report.closing),
                }
            )
        # Banks count a summary over every entry listed or over the booked ones: either agrees.
        counts, nets = {report.listed, report.entries}, {report.listed_net, report.net}
        if report.declared_count is not None and report.declared_count not in counts:
            found = str(report.listed)
            if report.entries != report.listed:
                found += " " + ngettext(
                    "(%(booked)s λογιστικοποιημένη)",
                    "(%(booked)s λογιστικοποιημένες)",
                    report.entries,
                ) % {"booked": report.entries}
            raise BrokenStatement(
                ngettext(
                    "Το αρχείο δηλώνει %(declared)s εγγραφή αλλά περιέχει %(found)s.",
                    "Το αρχείο δηλώνει %(declared)s εγγραφές αλλά περιέχει %(found)s.",
                    report.declared_count,
                )
                % {"declared": report.declared_count, "found": found}
            )
        if report.declared_net is not None and report.declared_net not in nets:
            raise BrokenStatement(
                _(
                    "Το αρχείο δηλώνει καθαρό σύνολο %(declared)s αλλά οι κινήσεις του κάνουν %(net)s."
                )
                % {"declared": euros(report.declared_net), "net": euros(report.listed_net)}
            )


# --- ISO 20022 camt.053 / camt.054 ---------------------------------------------------------

# What is read under each element the parser stops at: paths of child tags, namespace left out.
PATHS = {
    "account": "Id/IBAN Id/Othr/Id",
    "balance": "Tp/CdOrPrtry/Cd Tp/CdOrPrtry/Prtry Amt CdtDbtInd",
    # The net total as v03 and later write it (``TtlNetNtry``), and as v02 does.
    "summary": (
        "TtlNtries/NbOfNtries TtlNtries/TtlNetNtry/Amt TtlNtries/TtlNetNtry/CdtDbtInd "
        "TtlNtries/TtlNetNtryAmt TtlNtries/CdtDbtInd"
    ),
    "entry": (
        "Amt CdtDbtInd RvslInd Sts Sts/Cd Sts/Prtry BookgDt/Dt BookgDt/DtTm ValDt/Dt ValDt/DtTm "
        "AcctSvcrRef NtryRef AddtlNtryInf NtryDtls/TxDtls BkTxCd/Domn/Fmly/SubFmlyCd"
    ),
    # A transaction's amount: ``Amt`` from v03, ``AmtDtls/TxAmt/Amt`` in v02.
    "detail": (
        "Amt AmtDtls/TxAmt/Amt Refs/AcctSvcrRef Refs/TxId Refs/EndToEndId RmtInf/Ustrd RmtInf/Strd/CdtrRefInf/Ref "
        "RltdPties/Dbtr/Pty/Nm RltdPties/Dbtr/Nm RltdPties/DbtrAcct/Id/IBAN RtrInf CdtDbtInd"
    ),
}
# The bank transaction codes' sub-families of an entry that returns a payment (ISO 20022
# ExternalBankTransactionSubFamily1Code): the reversal due to a payment's return, or to a request
# to cancel it. A transfer the municipality sent that comes back (the payee's account closed) is
# booked so, as a credit, without a reversal indicator.
RETURN_SUBFAMILIES = {"RRTN", "RPCR"}


def _read_camt(path: Path, head: bytes, sha: str) -> StatementFile:
    """Stream the file with lxml, entities and network off, stopping only at the elements read
    and clearing each entry once read. The namespace is read from the file's head, so the parser
    is told which elements to stop at; the root it then finds must be that ``Document``."""
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise BrokenStatement(_("Το αρχείο περιέχει DTD· ένα αρχείο τράπεζας δεν έχει."))
    # Whichever declaration carries it: after an ``xmlns:xsi``, quoted either way, or prefixed.
    declared = (
        CAMT_NAMESPACE.match(match.group(2).decode(errors="replace"))
        for match in XMLNS.finditer(head)
    )
    found = next(filter(None, declared), None)
    if found is None:
        raise BrokenStatement(_("Το XML δεν είναι camt.053 ή camt.054."))
    ns = "{" + found.group(0) + "}"
    statement = StatementFile(
        format=f"camt.{found.group(1)}", version=found.group(2), message_id="", sha256=sha
    )
    plans = {name: _plan(paths.split(), ns) for name, paths in PATHS.items()}
    reports = {f"{ns}Stmt", f"{ns}Ntfctn", f"{ns}Rpt"}
    entry, account, balance, summary = f"{ns}Ntry", f"{ns}Acct", f"{ns}Bal", f"{ns}TxsSummry"
    message_id, header, document = f"{ns}MsgId", f"{ns}GrpHdr", f"{ns}Document"
    events = etree.iterparse(
        str(path),
        events=("start", "end"),
        tag=[*reports, entry, account, balance, summary, message_id],
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
    )
    report = None
    try:
        for event, element in events:
            tag = element.tag
            if event == "start":
                if tag in reports:
                    if element.getroottree().getroot().tag != document:
                        raise BrokenStatement(_("Το XML δεν είναι camt.053 ή camt.054."))
                    report = Report(account="")
                    statement.reports.append(report)
                continue
            if tag == entry:
                _read_entry(element, plans, report, statement)
                _forget(element)
            elif tag == account and element.getparent().tag in reports:
                text = _read(element, plans["account"])[0]
                report.account = text["Id/IBAN"] or text["Id/Othr/Id"]
            elif tag in (balance, summary) and report is None:
                raise BrokenStatement(_("Το XML δεν είναι camt.053 ή camt.054."))
            elif tag == balance:
                _read_balance(_read(element, plans["balance"])[0], report)
                _forget(element)
            elif tag == summary:
                _read_summary(_read(element, plans["summary"])[0], report)
                _forget(element)
            elif tag == message_id and element.getparent().tag == header:
                statement.message_id = (element.text or "").strip()
    except etree.XMLSyntaxError as error:
        raise BrokenStatement(
            _("Το αρχείο δεν είναι έγκυρο ή πλήρες XML: %(error)s") % {"error": error}
        ) from error
    if not statement.reports:
        raise BrokenStatement(_("Το XML δεν είναι camt.053 ή camt.054."))
    return statement


def _forget(element) -> None:
    """Free a read element and the siblings before it: the tree never grows with the file."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _plan(paths: list[str], ns: str) -> tuple[dict, dict[str, str]]:
    """``paths`` as a tree of qualified tags, each mapping to [the path that ends there or None,
    the tags below it that lead on]; and "" for every path, so that a path the file lacks reads
    as "" while one misspelt in this code raises ``KeyError``."""
    tree: dict = {}
    for path in paths:
        *above, last = path.split("/")
        level = tree
        for part in above:
            level = level.setdefault(ns + part, [None, {}])[1]
        level.setdefault(ns + last, [None, {}])[0] = path
    return tree, dict.fromkeys(paths, "")


def _read(element, plan: tuple[dict, dict[str, str]]) -> tuple[dict[str, str], dict[str, list]]:
    """The text at each of the plan's paths under ``element`` ("" where the file has none), as
    ``findtext`` gives it, and the elements there in document order, as ``findall`` lists them.
    One walk that goes down only where a path leads: on thousands of entries with a dozen fields
    each, an ElementPath search per field costs several times the parse."""
    tree, blank = plan
    text, elements = blank.copy(), {}
    _walk(element, tree, text, elements)
    return text, elements


def _walk(element, tree: dict, text: dict[str, str], elements: dict[str, list]) -> None:
    """``_read``'s walk: depth first, so each path's elements come in document order."""
    for child in element:
        step = tree.get(child.tag)
        if step is not None:
            path, below = step
            if path is not None:
                if path in elements:
                    elements[path].append(child)
                else:
                    elements[path] = [child]
                    text[path] = (child.text or "").strip()
            if below:
                _walk(child, below, text, elements)


def _read_balance(text: dict[str, str], report: Report) -> None:
    code = text["Tp/CdOrPrtry/Cd"] or text["Tp/CdOrPrtry/Prtry"]
    amount = _money(text["Amt"], "Bal")
    if text["CdtDbtInd"] == "DBIT":
        amount = -amount
    if code in ("OPBD", "PRCD") and report.opening is None:
        report.opening = amount
    elif code == "CLBD":
        report.closing = amount
    elif code == "ITBD":
        # A page's interim balance: the first it lists opens it (a page that goes on from
        # another), a later one closes it (a page another goes on from).
        if report.opening is None:
            report.opening, report.continued = amount, True
        elif report.closing is None:
            report.closing = amount


def _read_summary(text: dict[str, str], report: Report) -> None:
    count = text["TtlNtries/NbOfNtries"]
    net = text["TtlNtries/TtlNetNtry/Amt"] or text["TtlNtries/TtlNetNtryAmt"]
    sign_code = text["TtlNtries/TtlNetNtry/CdtDbtInd"] or text["TtlNtries/CdtDbtInd"]
    if count:
        if not (count.isascii() and count.isdigit() and len(count) <= 18):
            raise BrokenStatement(
                _("Μη έγκυρο πλήθος εγγραφών «%(value)s» (NbOfNtries).") % {"value": count}
            )
        report.declared_count = int(count)
    if net:
        sign = -1 if sign_code == "DBIT" else 1
        report.declared_net = sign * _money(net, "TtlNetNtry")


def _read_entry(entry, plans: dict, report: Report | None, statement: StatementFile) -> None:
    """Split one ``Ntry`` into its booked transactions."""
    if report is None:
        raise BrokenStatement(_("Εγγραφή εκτός κατάστασης λογαριασμού."))
    text, elements = _read(entry, plans["entry"])
    # v02 writes the status as text; later versions as a code, or a proprietary one.
    booked = (text["Sts/Cd"] or text["Sts/Prtry"] or text["Sts"]) == "BOOK"
    debit = text["CdtDbtInd"] == "DBIT"
    try:
        amount = _money(text["Amt"], "Ntry/Amt")
    except BrokenStatement:
        if booked:
            raise
        amount = ZERO  # an entry not booked is not read: only counted, for the summary
    report.listed += 1
    report.listed_net += -amount if debit else amount
    if not booked:
        statement.not_booked += 1
        return
    report.entries += 1
    currency = elements["Amt"][0].get("Ccy") if "Amt" in elements else ""
    if currency != "EUR":
        raise BrokenStatement(
            _("Εγγραφή σε νόμισμα «%(currency)s»: ο λογαριασμός του Δήμου είναι σε ευρώ.")
            % {"currency": currency}
        )
    reversal = text["RvslInd"].strip().lower() in ("true", "1")  # an XML boolean
    returned = reversal or text["BkTxCd/Domn/Fmly/SubFmlyCd"] in RETURN_SUBFAMILIES
    kind = Kind.RETURN if returned else Kind.DEBIT if debit else Kind.PAYMENT
    report.net += -amount if debit else amount
    value_on = _date(text["ValDt/Dt"] or text["ValDt/DtTm"])
    # A booked entry without its booking day is booked on its value day.
    booked_on = _date(text["BookgDt/Dt"] or text["BookgDt/DtTm"]) or value_on
    if booked_on is None:
        raise BrokenStatement(_("Εγγραφή χωρίς ημερομηνία λογιστικοποίησης."))
    details = [_read(detail, plans["detail"]) for detail in elements.get("NtryDtls/TxDtls", ())]
    # The bank's reference is unique for the account; ``NtryRef`` only within its report (often
    # 1, 2, 3… each day, another in the camt.053 than in the camt.054), so an entry with no
    # other is keyed by what it holds, which both files tell alike: not by its ``NtryRef``, nor
    # by a value date one of them may leave out.
    entry_reference = text["AcctSvcrRef"]
    named = entry_reference or text["NtryRef"]
    if len(details) > 1:
        amounts = [
            _money(detail["Amt"] or detail["AmtDtls/TxAmt/Amt"] or None, "TxDtls/Amt")
            for detail, _ in details
        ]
        # A batch may net a transaction the other way (a credit returned among the day's):
        # each its own direction, the entry's unless it says otherwise.
        debits = [(detail["CdtDbtInd"] or text["CdtDbtInd"]) == "DBIT" for detail, _ in details]
        signed = (
            -part if out != debit else part for part, out in zip(amounts, debits, strict=True)
        )
        if sum(signed, ZERO) != amount:
            raise BrokenStatement(
                _("Η ομαδική εγγραφή %(ref)s: οι συναλλαγές της δεν αθροίζουν το ποσό της.")
                % {"ref": named or booked_on}
            )
    else:
        amounts, debits = [amount], [debit]
    paid = [_paid_with(text, detail, alone=len(details) <= 1) for detail in details or [None]]
    content = _content(
        statement,
        report.account,
        booked_on,
        kind,
        *amounts,
        *(_tx_ids(detail) for detail, _ in details),
        # Each RF and text as they are («rf|text» once they are joined), no string made anew.
        *(part for rf, remittance, _payer, _account in paid for part in (rf, remittance)),
    )
    entry_reference = entry_reference or _content_key(content)
    seen = set()
    transactions = zip(details or [None], amounts, debits, strict=True)
    for index, (detail, part, out) in enumerate(transactions, 1):
        transaction_id = _tx_ids(detail[0]) if detail is not None else ""
        if not transaction_id or transaction_id in seen:
            transaction_id = f"{transaction_id}#{index}"
        seen.add(transaction_id)
        rf, remittance, payer, payer_account = paid[index - 1]
        statement.add(
            Transaction(
                account=report.account,
                bank_reference=entry_reference,
                transaction_id=transaction_id,
                kind=_kind(kind, detail, out, out != debit),
                credit=not out,
                amount=part,
                booked_on=booked_on,
                value_on=value_on,
                rf=rf,
                remittance=remittance,
                payer=payer,
                payer_account=payer_account,
                bank_id=_bank_id(detail[0]) if detail is not None else "",
                content=content,
            )
        )


def _kind(entry_kind: str, detail: tuple[dict, dict] | None, out: bool, netted: bool) -> str:
    """A transaction's kind: its entry's, unless it returns a payment (its return's details,
    ``RtrInf``, in any entry) or goes against its batch: money out among credits is a debit,
    money in among debits one coming back. Only a credit of a credit entry is a payment."""
    if entry_kind == Kind.RETURN or (detail is not None and "RtrInf" in detail[1]):
        return Kind.RETURN
    if netted:
        return Kind.DEBIT if out else Kind.RETURN
    return entry_kind


def _bank_id(text: dict[str, str]) -> str:
    return text["Refs/AcctSvcrRef"] or text["Refs/TxId"]


def _tx_ids(text: dict[str, str]) -> str:
    """A transaction's own id in the entry: the bank's, else the payer's end-to-end id."""
    end_to_end = text["Refs/EndToEndId"]
    if end_to_end == "NOTPROVIDED":
        end_to_end = ""
    return _bank_id(text) or end_to_end


def _paid_with(
    entry: dict[str, str], detail: tuple[dict, dict] | None, *, alone: bool
) -> tuple[str, ...]:
    """A transaction's RF, remittance text, payer and payer's IBAN. From its ``TxDtls``: the RF
    from ``Strd/CdtrRefInf/Ref``, else ``EndToEndId``, else the unstructured text; else, for
    the one transaction of its entry (``alone``), the entry's own free text, which is all there
    is to read without transaction details."""
    if detail is None:
        return named_rf(entry["AddtlNtryInf"]), entry["AddtlNtryInf"][:500], "", ""
    text, elements = detail
    unstructured = " ".join((u.text or "").strip() for u in elements.get("RmtInf/Ustrd", ()))
    structured = text["RmtInf/Strd/CdtrRefInf/Ref"]
    end_to_end = text["Refs/EndToEndId"]
    rf = named_rf(structured, end_to_end if end_to_end[:2].upper() == "RF" else "", unstructured)
    remittance = (structured + " " + unstructured).strip()
    if not rf and alone and entry["AddtlNtryInf"]:
        rf, remittance = named_rf(entry["AddtlNtryInf"]), remittance or entry["AddtlNtryInf"]
    return (
        rf,
        remittance[:500],
        (text["RltdPties/Dbtr/Pty/Nm"] or text["RltdPties/Dbtr/Nm"])[:200],
        text["RltdPties/DbtrAcct/Id/IBAN"][:34],
    )


# --- SWIFT MT940 ---------------------------------------------------------------------------

MT940_LINE = re.compile(
    r"^(?P<value>\d{6})(?P<booked>\d{4})?(?P<mark>R?[CD])[A-Z]?(?P<amount>\d+,\d{0,2})"
    r"(?P<type>[NSF][A-Z0-9]{3})(?P<customer>[^\r\n]*?)(?://(?P<bank>[^\r\n]*))?$"
)
# The markers of :86: subfields (?20, ?21…), which some banks use and may cut an RF across.
MT940_SUBFIELD = re.compile(r"\?\d{2}")
MT940_BALANCE = re.compile(
    r"^(?P<mark>[CD])(?P<date>\d{6})(?P<ccy>[A-Z]{3})(?P<amount>\d+,\d{0,2})$"
)


def _mt940_date(text: str) -> date:
    return date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))


def _mt940_booked(value_on: date, written: str | None) -> date:
    """The booking date a :61: line gives as month and day only: in the year that puts it
    nearest its value date (booked on 31 December for a value of 2 January is the year before)."""
    if not written:
        return value_on
    month, day = int(written[:2]), int(written[2:])
    years = (value_on.year - 1, value_on.year, value_on.year + 1)
    candidates = []
    for year in years:
        try:
            candidates.append(date(year, month, day))
        except ValueError:  # 29 February in a year without it
            continue
    if not candidates:
        raise ValueError(f"{written} (MMDD)")
    return min(candidates, key=lambda booked: abs(booked - value_on))


def _mt940_fields(text: str):
    """(tag, value) pairs, continuation lines joined to their field."""
    tag, lines = None, []
    # At \n alone (``read_text`` ends every line so), not at ``splitlines``'s other breaks (form
    # feed, U+2028…), which may sit inside a field's free text.
    for line in text.split("\n"):
        found = re.match(r"^:(\d{2}[A-Z]?):(.*)$", line)
        if found:
            if tag:
                yield tag, "\n".join(lines)
            tag, lines = found.group(1), [found.group(2)]
        elif line.strip() in ("-", "-}") or line.startswith(("{", "-}")):
            # The text block's end, alone or with SWIFT's trailer block on its line
            # («-}{5:{CHK:…}}»), or the next message's header.
            if tag:
                yield tag, "\n".join(lines)
            tag, lines = None, []
        elif tag:
            lines.append(line)
    if tag:
        yield tag, "\n".join(lines)


def _read_mt940(path: Path, sha: str) -> StatementFile:
    """An MT940 in UTF-8 or in Windows-1253 (``read_text``): the RF and amounts are ASCII in
    both; names and free text are Greek in either."""
    statement = StatementFile(format="mt940", version="", message_id="", sha256=sha)
    try:
        fields = list(_mt940_fields(read_text(path)))
    except UnicodeDecodeError as error:
        raise BrokenStatement(
            _("Το αρχείο MT940 δεν είναι κείμενο UTF-8 ή Windows-1253.")
        ) from error
    except NulByte as error:
        raise BrokenStatement(
            _(
                "Το αρχείο MT940 έχει τον χαρακτήρα NUL (0x00) στη γραμμή %(line)s: δεν είναι "
                "αρχείο κειμένου."
            )
            % {"line": error.line}
        ) from error
    try:
        _read_mt940_fields(statement, fields)
    except BrokenStatement:
        raise
    except ValueError as error:  # a date that is no date
        raise BrokenStatement(
            _("Μη έγκυρη ημερομηνία σε κίνηση MT940: %(error)s") % {"error": error}
        ) from error
    if not statement.reports:
        raise BrokenStatement(_("Το αρχείο MT940 δεν έχει πεδίο :25: (λογαριασμό)."))
    for report in statement.reports:
        # Every MT940 statement opens and closes on a balance: one missing was cut off.
        for balance, tag in ((report.opening, ":60F:"), (report.closing, ":62F:")):
            if balance is None:
                raise BrokenStatement(
                    _(
                        "Η κατάσταση MT940 του λογαριασμού %(account)s δεν έχει υπόλοιπο "
                        "%(field)s: το αρχείο είναι κομμένο ή ελλιπές."
                    )
                    % {"account": report.account, "field": tag}
                )
    return statement


def _read_mt940_fields(statement: StatementFile, fields: list[tuple[str, str]]) -> None:
    report, pending = None, None
    for tag, value in [*fields, ("END", "")]:
        if pending is not None and tag != "86":
            statement.add(_mt940_transaction(statement, *pending, ""))
            pending = None
        if tag == "20":
            statement.message_id = statement.message_id or value.strip()
        elif tag == "25":
            report = Report(account=value.strip().split("/")[-1])
            statement.reports.append(report)
        elif tag in ("60F", "60M", "62F", "62M"):
            balance = MT940_BALANCE.match(value.strip())
            if report is None or balance is None:
                raise BrokenStatement(_("Μη έγκυρο υπόλοιπο MT940 «%(value)s».") % {"value": value})
            if balance.group("ccy") != "EUR":
                raise BrokenStatement(
                    _(
                        "Λογαριασμός σε νόμισμα «%(currency)s»: ο λογαριασμός του Δήμου είναι σε ευρώ."
                    )
                    % {"currency": balance.group("ccy")}
                )
            amount = _money(balance.group("amount"), tag)
            amount = -amount if balance.group("mark") == "D" else amount
            if tag.startswith("60") and report.opening is None:
                report.opening, report.continued = amount, tag == "60M"
            elif tag.startswith("62"):
                report.closing = amount
        elif tag == "61":
            line = MT940_LINE.match(value.split("\n")[0].strip())
            if report is None or line is None:
                raise BrokenStatement(_("Μη έγκυρη κίνηση MT940 «%(value)s».") % {"value": value})
            pending = (report, line)
        elif tag == "86" and pending is not None:
            statement.add(_mt940_transaction(statement, *pending, value))
            pending = None


def _mt940_rf(flat: str, text: str) -> str:
    """The RF of a :86: text, read as it is (``flat``) and with its lines and subfields joined
    (an RF cut across ?20/?21 or a line). Cut, an RF's first part alone passes the check
    digits one time in 97: where both readings give a valid RF, the longer is the whole one."""
    readings = [named_rf("".join(MT940_SUBFIELD.split(text.replace("\n", "")))), named_rf(flat)]
    valid = []
    for rf in readings:
        try:
            valid.append(validate_rf(rf))
        except InvalidRF:
            continue
    return max(valid, key=len) if valid else readings[1] or readings[0]


def _mt940_transaction(statement: StatementFile, report: Report, line, text: str) -> Transaction:
    mark = line.group("mark")
    amount = _money(line.group("amount"), ":61:")
    # A reversal (RC, RD), or an item returned (SWIFT's type RTI: a refund of the
    # municipality's sent back, its text often naming the notice it refunded).
    returned = mark.startswith("R") or line.group("type")[1:] == "RTI"
    kind = Kind.RETURN if returned else Kind.DEBIT if mark == "D" else Kind.PAYMENT
    # A reversed credit (RC) takes money out; a reversed debit (RD) puts it back.
    credit = mark in ("C", "RD")
    report.net += amount if credit else -amount
    report.entries += 1
    value_on = _mt940_date(line.group("value"))
    booked_on = _mt940_booked(value_on, line.group("booked"))
    customer = (line.group("customer") or "").strip()
    bank = (line.group("bank") or "").strip()
    flat = " ".join(text.split())
    # Without the bank's own reference, the customer's ("NONREF", "DIAS", the RF) tells no two
    # payments apart: the key is then what the line holds.
    reference = bank or _fallback_reference(
        statement, report.account, value_on, booked_on, mark, amount, customer, flat
    )
    return Transaction(
        account=report.account,
        bank_reference=reference[:100],
        transaction_id=customer if customer and customer != "NONREF" and bank else "#1",
        kind=kind,
        credit=credit,
        amount=amount,
        booked_on=booked_on,
        value_on=value_on,
        rf=_mt940_rf(flat, text),
        remittance=flat[:500],
        payer="",
        payer_account="",
    )
