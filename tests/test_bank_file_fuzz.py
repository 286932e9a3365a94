"""Damaged bank files, made by mutating well-formed ones at random (a fixed seed, so every run
reads the same files): each is read or refused with ``BrokenStatement`` and a message for the
finance officer, never with another error, which the command would show as a traceback. One
damage the reader alone let through is imported whole: a NUL byte."""

import random
from decimal import Decimal

import pytest
from django.core.management.base import CommandError

from payments.models import Payment, StatementEntry
from payments.statement_files import BrokenStatement, read_statement
from tests.bank_files import Entry, Tx, camt053, camt054, credit, mt940
from tests.test_bank_statement_import import run

RF = "RF18539007547034"

WELL_FORMED = {
    "camt.054 v08": camt054(
        [
            credit("R1", "10.00", rf=RF),
            credit("R2", "20.50", unstructured="RF18 5390 0754 7034"),
            Entry("R3", [Tx(Decimal("5.00"), rf=RF, tx_id="a"), Tx(Decimal("6.00"), tx_id="b")]),
            Entry("R4", [Tx(Decimal("3.00"))], debit=True),
        ],
        summary=(4, Decimal("38.50")),
    ),
    "camt.054 v02": camt054([credit("R1", "10.00", rf=RF), credit("R2", "0.00")], version=2),
    "camt.053": camt053(
        [
            credit("R1", "10.00", rf=RF),
            Entry("R4", [Tx(Decimal("3.00"))], debit=True),
            Entry("R5", [Tx(Decimal("1.00"))], status="PDNG"),
        ]
    ),
    "MT940": mt940(
        [
            ("C", Decimal("10.00"), "B1", f"{RF} ΠΛΗΡΩΜΗ ΤΕΛΩΝ"),
            ("D", Decimal("2.00"), "B2", "ΠΡΟΜΗΘΕΙΑ"),
            ("RC", Decimal("1.00"), "B3", "ΕΠΙΣΤΡΟΦΗ"),
        ]
    ),
}

# What damage brings into a file: markup cut or doubled, entities (one undeclared, one declared
# in a DTD), bytes that are not UTF-8, amounts and dates that are no amounts or dates, tags of
# MT940 where they do not belong.
SHARDS = [
    b"<", b">", b"</Ntry>", b"<Ntry>", b"&amp;", b"&x;", b"\x00", b"\xff\xfe", b"-", b"\n",
    b"9999999999999999.99", b"1e5", b"NaN", b"Infinity", b"-1.00", b"0,00", b",", b".",
    b"2026-02-30", b"CRDT", b"DBIT", b"BOOK", b"PDNG", b"EUR", b"USD", b":61:", b":86:",
    b"<![CDATA[x]]>", b"<!DOCTYPE a [<!ENTITY x 'y'>]>", b'<Amt Ccy="EUR">', b"</Amt>",
]  # fmt: skip


def damaged(data: bytes, rng: random.Random) -> bytes:
    """``data`` with one to four cuts, insertions, overwritten bytes, truncations, copies of a
    part of itself elsewhere, or an element's text replaced."""
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        where, how = rng.randrange(len(data) + 1), rng.random()
        if how < 0.2:
            del data[where : where + rng.randint(1, 40)]
        elif how < 0.45:
            data[where:where] = rng.choice(SHARDS)
        elif how < 0.6 and data:
            data[min(where, len(data) - 1)] = rng.randrange(256)
        elif how < 0.7:
            del data[where:]
        elif how < 0.85 and data:
            start = rng.randrange(len(data))
            data[where:where] = data[start : start + rng.randint(1, 200)]
        else:
            opens = data.find(b">", where)
            closes = data.find(b"<", opens + 1) if opens >= 0 else -1
            if closes > opens >= 0:
                data[opens + 1 : closes] = rng.choice(SHARDS)
    return bytes(data)


@pytest.mark.parametrize("shape", WELL_FORMED)
def test_a_damaged_file_is_read_or_refused_with_a_message(shape, tmp_path):
    rng = random.Random(shape)
    path = tmp_path / "statement"
    outcomes = {"read": 0, "refused": 0}
    for _ in range(600):
        path.write_bytes(damaged(WELL_FORMED[shape].encode(), rng))
        try:
            read_statement(path)
        except BrokenStatement as refused:
            assert str(refused).strip(), "a refusal says why"
            outcomes["refused"] += 1
        else:
            outcomes["read"] += 1
    assert outcomes["read"] and outcomes["refused"] > 100, outcomes


def test_an_mt940_with_a_nul_byte_is_refused_and_records_nothing(db, write):
    """Read, it went as far as the database, which keeps no NUL in a text field: a traceback,
    the batch rolled back."""
    text = WELL_FORMED["MT940"].replace("ΠΛΗΡΩΜΗ", "ΠΛΗΡ\x00ΩΜΗ")

    with pytest.raises(CommandError, match=r"NUL \(0x00\) στη γραμμή 6"):
        run(write(text, name="damaged.sta"))

    assert not Payment.objects.exists() and not StatementEntry.objects.exists()
