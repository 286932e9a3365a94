"""Bank files shaped as banks send them, written by the tests (and the benchmark) themselves:
camt.054 in its v02 and v08 layouts, camt.053 with its balances, MT940 with the RF in :86:."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

ACCOUNT = "GR1601101250000000012300695"


@dataclass
class Tx:
    """One transaction of an entry."""

    amount: Decimal
    rf: str = ""
    end_to_end: str = "NOTPROVIDED"
    unstructured: str = ""
    tx_id: str = ""
    payer: str = "ΠΑΠΑΔΟΠΟΥΛΟΣ ΓΕΩΡΓΙΟΣ"


@dataclass
class Entry:
    """One ``Ntry``: a credit unless ``debit``; several ``txs`` make a batched entry."""

    reference: str
    txs: list[Tx] = field(default_factory=list)
    debit: bool = False
    reversal: bool = False
    status: str = "BOOK"
    booked: date = date(2026, 12, 4)

    @property
    def amount(self) -> Decimal:
        return sum((tx.amount for tx in self.txs), Decimal(0))


def credit(reference: str, amount, rf: str = "", **tx) -> Entry:
    return Entry(reference, [Tx(Decimal(amount), rf=rf, tx_id=f"{reference}-T", **tx)])


def _tx_xml(tx: Tx, version: int) -> str:
    payer = (
        f"<Dbtr><Pty><Nm>{escape(tx.payer)}</Nm></Pty></Dbtr>"
        if version >= 8
        else f"<Dbtr><Nm>{escape(tx.payer)}</Nm></Dbtr>"
    )
    strd = (
        "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr></Tp>"
        f"<Ref>{escape(tx.rf)}</Ref></CdtrRefInf></Strd>"
        if tx.rf
        else ""
    )
    ustrd = f"<Ustrd>{escape(tx.unstructured)}</Ustrd>" if tx.unstructured else ""
    tx_id = f"<TxId>{escape(tx.tx_id)}</TxId>" if tx.tx_id else ""
    # v02 gives a transaction's amount in its amount details; later versions give it directly.
    amount = f'<Amt Ccy="EUR">{tx.amount}</Amt>'
    if version < 3:
        amount = f"<AmtDtls><TxAmt>{amount}</TxAmt></AmtDtls>"
    return (
        f"<TxDtls><Refs><EndToEndId>{escape(tx.end_to_end)}</EndToEndId>{tx_id}</Refs>"
        f"{amount}<RltdPties>{payer}"
        "<DbtrAcct><Id><IBAN>GR9608100010000001234567890</IBAN></Id></DbtrAcct></RltdPties>"
        f"<RmtInf>{ustrd}{strd}</RmtInf></TxDtls>"
    )


def _entry_xml(entry: Entry, version: int) -> str:
    status = f"<Sts><Cd>{entry.status}</Cd></Sts>" if version >= 8 else f"<Sts>{entry.status}</Sts>"
    reversal = "<RvslInd>true</RvslInd>" if entry.reversal else ""
    return (
        f'<Ntry><Amt Ccy="EUR">{entry.amount}</Amt>'
        f"<CdtDbtInd>{'DBIT' if entry.debit else 'CRDT'}</CdtDbtInd>{reversal}{status}"
        f"<BookgDt><Dt>{entry.booked.isoformat()}</Dt></BookgDt>"
        f"<ValDt><Dt>{entry.booked.isoformat()}</Dt></ValDt>"
        f"<AcctSvcrRef>{escape(entry.reference)}</AcctSvcrRef>"
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly>"
        "</Domn></BkTxCd>"
        f"<NtryDtls>{''.join(_tx_xml(tx, version) for tx in entry.txs)}</NtryDtls></Ntry>"
    )


def summary_of(entries: list[Entry]) -> tuple[int, Decimal]:
    """What a camt's ``TxsSummry`` declares: every entry listed, booked or not, and their net."""
    return len(entries), sum((-e.amount if e.debit else e.amount for e in entries), Decimal(0))


def _summary(summary: tuple[int, Decimal] | None, version: int) -> str:
    """The ``TxsSummry``: its net total as v03 and later write it, or as v02 does."""
    if summary is None:
        return ""
    count, net = summary
    sign = f"<CdtDbtInd>{'DBIT' if net < 0 else 'CRDT'}</CdtDbtInd>"
    total = f"<TtlNetNtry><Amt>{abs(net)}</Amt>{sign}</TtlNetNtry>"
    if version < 3:
        total = f"<TtlNetNtryAmt>{abs(net)}</TtlNetNtryAmt>{sign}"
    return f"<TxsSummry><TtlNtries><NbOfNtries>{count}</NbOfNtries>{total}</TtlNtries></TxsSummry>"


def camt054(
    entries: list[Entry],
    *,
    version: int = 8,
    message_id: str = "NTF-0001",
    summary: tuple | None = None,
) -> str:
    """A notification; ``summary``: the (count, net) its ``TxsSummry`` declares, if any."""
    ns = f"urn:iso:std:iso:20022:tech:xsd:camt.054.001.{version:02d}"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{ns}"><BkToCstmrDbtCdtNtfctn>'
        f"<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>2026-12-04T18:00:00</CreDtTm></GrpHdr>"
        f"<Ntfctn><Id>{message_id}-1</Id><CreDtTm>2026-12-04T18:00:00</CreDtTm>"
        f"<Acct><Id><IBAN>{ACCOUNT}</IBAN></Id></Acct>{_summary(summary, version)}"
        f"{''.join(_entry_xml(entry, version) for entry in entries)}"
        "</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"
    )


def _balance(code: str, amount: Decimal) -> str:
    sign = "DBIT" if amount < 0 else "CRDT"
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="EUR">{abs(amount)}</Amt><CdtDbtInd>{sign}</CdtDbtInd>'
        "<Dt><Dt>2026-12-04</Dt></Dt></Bal>"
    )


def camt053(
    entries: list[Entry],
    *,
    opening: Decimal = Decimal("1000.00"),
    closing: Decimal | None = None,
    version: int = 8,
    message_id: str = "STM-0001",
    summary: tuple | None = None,
) -> str:
    """A day's statement; ``closing`` defaults to what the booked entries make of ``opening``;
    ``summary`` as for ``camt054``."""
    net = sum(
        (-e.amount if e.debit else e.amount for e in entries if e.status == "BOOK"), Decimal(0)
    )
    closing = opening + net if closing is None else closing
    ns = f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version:02d}"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{ns}"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>2026-12-04T23:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>{message_id}-1</Id><CreDtTm>2026-12-04T23:00:00</CreDtTm>"
        f"<Acct><Id><IBAN>{ACCOUNT}</IBAN></Id></Acct>"
        f"{_balance('OPBD', opening)}{_balance('CLBD', closing)}{_summary(summary, version)}"
        f"{''.join(_entry_xml(entry, version) for entry in entries)}"
        "</Stmt></BkToCstmrStmt></Document>"
    )


def mt940(
    lines: list[tuple[str, Decimal, str, str]], *, opening: Decimal = Decimal("500.00")
) -> str:
    """``lines``: (mark C/D/RC/RD, amount, bank reference, :86: text)."""
    net = Decimal(0)
    body = []
    for mark, amount, reference, text in lines:
        net += amount if mark in ("C", "RD") else -amount
        money = f"{amount}".replace(".", ",")
        body.append(f":61:2612041204{mark}{money}NTRFNONREF//{reference}")
        body.append(f":86:{text}")
    closing = opening + net
    return "\n".join(
        [
            ":20:MT940-0001",
            f":25:{ACCOUNT}",
            ":28C:00001/001",
            f":60F:C261203EUR{str(opening).replace('.', ',')}",
            *body,
            f":62F:{'C' if closing >= 0 else 'D'}261204EUR{str(abs(closing)).replace('.', ',')}",
            "-",
        ]
    )
