"""An installment of a settlement is collected under the real revenue codes (ΚΑΕ) of the
settlement's debts: its receipt has a line per code, its part in proportion to the principal the
code has in the settlement, to the cent; the collections report sums those lines, and a reversal
mirrors them."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from debts.models import NoticeItem, RevenueType
from debts.services import build_notice
from payments.services import _split, reverse_receipt, settle
from receipts.pdf import receipt_html, render_receipt_pdf
from receipts.reports import collections
from tests.test_receipt_pdf import flat, pdf_text

CENT = Decimal("0.01")
BANK = "Τράπεζα (RF μέσω ΔΙΑΣ)"
# The settlement's debts: principal per code that no installment divides evenly.
PRINCIPALS = {"0311": Decimal("100.00"), "0313": Decimal("200.00"), "0321": Decimal("33.33")}


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def revenue(revenue):
    revenue["space"] = RevenueType.objects.create(
        code="0321",
        name="Τέλος χρήσης κοινόχρηστων χώρων",
        name_en="Use of public space",
        kind=RevenueType.Kind.FEE,
        surchargeable=True,
    )
    return revenue


@pytest.fixture
def settlement(make_debtor, make_debt, make_settlement, revenue):
    """Over three codes (0311 twice), its first installment overdue: it bears a late charge."""
    debtor = make_debtor()
    due = date(2024, 1, 31)
    debts = [
        make_debt(debtor, "60.00", kind="cleaning", due_date=due),
        make_debt(debtor, "40.00", kind="cleaning", due_date=due),
        make_debt(debtor, "200.00", kind="tap", due_date=due),
        make_debt(debtor, "33.33", kind="space", due_date=due),
    ]
    return make_settlement(debtor, debts, installments=3, first_due_in_days=-20)


def pay(notice, reference):
    return settle(
        channel="bank",
        reference=reference,
        amount=notice.total,
        received_at=timezone.now(),
        notice=notice,
    ).receipt


def pay_first(settlement):
    first = settlement.installments.get(number=1)
    notice = build_notice(settlement.debtor, installments=[first])
    item = NoticeItem.objects.get(notice=notice)
    return first, item, pay(notice, "DIAS-1")


def report_rows() -> dict:
    """The report's CSV, by (channel, code): principal, surcharge, total as Decimal."""
    out = io.StringIO()
    today = timezone.localdate().isoformat()
    call_command("collections_report", "--from", today, "--to", today, stdout=out)
    rows = [line.split(";") for line in out.getvalue().splitlines()]
    collected = rows[1 : rows.index([""]) - 1]
    return {
        (row[1], row[2]): [Decimal(cell.replace(",", ".")) for cell in row[3:]] for row in collected
    }


def test_an_installment_is_reported_under_each_real_code_adding_up_exactly(settlement):
    _first, item, receipt = pay_first(settlement)
    assert item.surcharge > 0  # a late charge, split as the principal is

    rows = report_rows()

    assert set(rows) == {(BANK, code) for code in PRINCIPALS}
    assert sum(row[0] for row in rows.values()) == item.principal
    assert sum(row[1] for row in rows.values()) == item.surcharge
    assert sum(row[2] for row in rows.values()) == receipt.total == item.principal + item.surcharge
    weight = sum(PRINCIPALS.values())
    for code, principal in PRINCIPALS.items():
        got = rows[(BANK, code)]
        assert abs(got[0] - item.principal * principal / weight) < CENT
        assert abs(got[1] - item.surcharge * principal / weight) < CENT
        assert got[0] == got[0].quantize(CENT) and got[1] == got[1].quantize(CENT)


def test_the_receipt_prints_a_clear_line_per_code_and_its_total_is_unchanged(settlement):
    first, item, receipt = pay_first(settlement)

    assert receipt.total == item.principal + item.surcharge
    assert [line["revenue_code"] for line in receipt.lines] == ["0311", "0313", "0321"]
    assert sum(line["amount"] for line in receipt.line_amounts) == receipt.total
    html = flat(receipt_html(receipt))
    text = flat(pdf_text(render_receipt_pdf(receipt)))
    assert ", 0313" not in html and ", 0313" not in text
    for code, name in [
        ("0311", "Τέλη καθαριότητας και φωτισμού"),
        ("0313", "Τέλος ακίνητης περιουσίας"),
        ("0321", "Τέλος χρήσης κοινόχρηστων χώρων"),
    ]:
        description = f"{first} — μέρος για ΚΑΕ {code} ({name})"
        assert description in {line["description"] for line in receipt.lines}
        assert description in html
        assert flat(description) in text


def test_a_reversal_cancels_the_installment_out_code_by_code(settlement, admin_user):
    _first, _item, receipt = pay_first(settlement)

    reversal = reverse_receipt(receipt, reason="επιστροφή τράπεζας", actor=admin_user)

    assert [(line["revenue_code"], line["principal"]) for line in reversal.lines] == [
        (line["revenue_code"], str(-Decimal(line["principal"]))) for line in receipt.lines
    ]
    rows = report_rows()
    assert set(rows) == {(BANK, code) for code in PRINCIPALS}
    assert all(amounts == [0, 0, 0] for amounts in rows.values())
    report = collections(timezone.localdate(), timezone.localdate())
    assert report.total == report.receipts_total == 0


def test_a_single_code_settlement_keeps_its_one_line(make_debtor, make_debt, make_settlement):
    """As before the split (this one passes on the old code too: it guards what must not move)."""
    debtor = make_debtor()
    debts = [make_debt(debtor, amount, due_date=date(2024, 1, 31)) for amount in ("70.00", "30.01")]
    settlement = make_settlement(debtor, debts, installments=3, first_due_in_days=-20)

    first, item, receipt = pay_first(settlement)

    assert receipt.lines == [
        {
            "revenue_code": "0311",
            "revenue_name": "Ρύθμιση οφειλών",
            "description": str(first),
            "period": first.due_date.strftime("%d/%m/%Y"),
            "principal": str(item.principal),
            "surcharge": str(item.surcharge),
        }
    ]
    assert report_rows() == {(BANK, "0311"): [item.principal, item.surcharge, receipt.total]}


@pytest.mark.parametrize(
    "amount, weights, parts",
    [
        ("100.00", ["1", "1", "1"], ["33.34", "33.33", "33.33"]),  # ties: the earlier code
        ("0.02", ["1", "1", "1"], ["0.01", "0.01", "0.00"]),
        ("10.00", ["100.00", "200.00", "33.33"], ["3.00", "6.00", "1.00"]),
        ("10.01", ["100.00", "200.00", "33.33"], ["3.00", "6.01", "1.00"]),
        ("0.00", ["5", "7"], ["0.00", "0.00"]),
    ],
)
def test_the_split_is_to_the_cent_with_the_remainder_to_the_largest_fractions(
    amount, weights, parts
):
    split = _split(Decimal(amount), [Decimal(w) for w in weights])
    assert split == [Decimal(p) for p in parts]
    assert sum(split) == Decimal(amount)


def test_over_a_settlements_installments_the_cents_of_ties_go_round_its_codes():
    """Two codes of equal principal, six installments of an odd cent each: the codes' totals
    end a cent apart at most, not six."""
    totals = [Decimal(0), Decimal(0)]
    for number in range(1, 7):
        for code, part in enumerate(_split(Decimal("50.01"), [Decimal(150)] * 2, first=number)):
            totals[code] += part
    assert sum(totals) == Decimal("300.06")
    assert abs(totals[0] - totals[1]) <= Decimal("0.01")
