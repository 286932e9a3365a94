"""Entries imported before content keys were stored: those the bank gave no reference were keyed
by what they held, and that key becomes their content key, so a camt.053 imported after the
upgrade still finds them."""

from datetime import date
from decimal import Decimal

import pytest

from tests.migrations import migrate, migrated_back_to

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("payments", "0017_pooled_payments")]
AFTER = [("payments", "0018_statement_entry_content_key")]


@pytest.fixture
def before_content_keys():
    with migrated_back_to(BEFORE) as apps:
        yield apps


def test_an_entry_keyed_by_what_it_held_gets_that_key_as_its_content_key(before_content_keys):
    apps = before_content_keys
    statement = apps.get_model("payments", "BankStatement").objects.create(
        format="camt.054", file_name="054.xml", file_sha256="0" * 64
    )
    entries = apps.get_model("payments", "StatementEntry").objects
    shared = {
        "statement": statement,
        "account": "GR1601101250000000012300695",
        "kind": "debit",
        "credit": False,
        "amount": Decimal("12.00"),
        "booked_on": date(2026, 12, 4),
    }
    without = entries.create(bank_reference="SHA-" + "a" * 32, transaction_id="#1", **shared)
    referenced = entries.create(bank_reference="2026120400017", transaction_id="#1", **shared)
    shared["statement"] = apps.get_model("payments", "BankStatement").objects.create(
        format="mt940", file_name="day.sta", file_sha256="1" * 64
    )
    mt940_line = entries.create(bank_reference="SHA-" + "b" * 32, transaction_id="#1", **shared)

    apps = migrate(AFTER)

    entries = apps.get_model("payments", "StatementEntry").objects
    assert entries.get(pk=without.pk).content_key == "SHA-" + "a" * 32
    assert entries.get(pk=referenced.pk).content_key == ""
    assert entries.get(pk=mt940_line.pk).content_key == ""  # MT940's lines keep no contents
