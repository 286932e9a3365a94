"""The refusals finance staff read write amounts as people do in Greek, «1.234,50 €», as the
rest of their pages and commands do: not «1234.50 €», where the point reads as a thousands
separator."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError
from django.utils import timezone

from payments import card
from payments.services import apply_unapplied, settle
from tests.bank_files import camt054, credit
from tests.test_bank_statement_import import run
from tests.test_counter import FINANCE, staff_user  # noqa: F401 (fixture)


def paid(reference, amount, **fields):
    return settle(
        channel=fields.pop("channel", "bank"),
        reference=reference,
        amount=Decimal(amount),
        received_at=timezone.now(),
        **fields,
    ).payment


def test_pooled_money_short_of_a_notice(make_notice, staff_user):  # noqa: F811
    notice = make_notice("2000.00")
    first = paid("DIAS-A", "1500.00", rf=notice.rf_code)
    second = paid("DIAS-B", "20.00", rf=notice.rf_code)

    with pytest.raises(ValidationError) as refused:
        apply_unapplied(first, notice, actor=staff_user(FINANCE), together=(second,))

    assert "(1.520,00 € μαζί)" in refused.value.messages[0]
    assert "(2.000,00 €)" in refused.value.messages[0]


def test_a_card_refund_beyond_what_can_be_refunded(make_notice):
    notice = make_notice("1200.00")
    payment = paid("pi_amounts", "1200.00", channel="card", notice=notice)

    with pytest.raises(ValidationError) as refused:
        card.refund_card_payment(
            payment,
            amount=Decimal("1300.00"),
            expected_refundable=Decimal("1200.00"),
            reverse=True,
            reason="Δοκιμή",
            actor=None,
        )

    assert refused.value.messages == ["Επιστρέφεται από 0,01 € έως 1.200,00 €."]


def test_a_bank_entry_seen_again_with_another_amount(make_notice, write):
    notice = make_notice("1200.00")
    run(write(camt054([credit("BR-1", notice.total, notice.rf_code)]), "first.xml"))

    with pytest.raises(CommandError, match=re.escape("με ποσό 1.200,00 €, όχι 1.201,00 €")):
        run(write(camt054([credit("BR-1", "1201.00", notice.rf_code)]), "second.xml"))
