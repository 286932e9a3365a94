"""Settlements approved before their surcharges were frozen by revenue code get them by
migration, as what their debts bore on the approval."""

from datetime import date
from decimal import Decimal

import pytest

from debts.surcharges import surcharge
from tests.migrations import migrate, migrated_back_to

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("debts", "0013_optional_keys_indexed_where_set")]
AFTER = [("debts", "0014_settlement_surcharge_by_code")]


@pytest.fixture
def before_freezing():
    with migrated_back_to(BEFORE) as apps:
        yield apps


def test_a_settlements_surcharges_are_frozen_by_the_codes_that_bore_them(before_freezing):
    apps = before_freezing
    revenue = apps.get_model("debts", "RevenueType").objects
    cleaning = revenue.create(code="0311", name="ΤΚΦ", name_en="Cleaning", kind="fee")
    nursery = revenue.create(
        code="0461", name="Τροφεία", name_en="Nursery", kind="fee", surchargeable=False
    )
    debtor = apps.get_model("debts", "Debtor").objects.create(
        afm="068933130", last_name="ΒΑΒΟΥΛΑ", first_name="ΕΥΤΥΧΙΑ"
    )
    scheme = apps.get_model("debts", "SettlementScheme").objects.create(
        name="ν.4152/2013",
        legal_basis="ν.4152/2013",
        max_installments=24,
        min_installment_amount=Decimal("20.00"),
        annual_interest_rate=Decimal("0.1015"),
        surcharge_writeoff=Decimal("0"),
        late_installment_monthly_rate=Decimal("0.05"),
        misses_before_loss=3,
    )
    approved = date(2026, 6, 1)
    due = date(2024, 1, 31)
    roll = apps.get_model("debts", "CertificationRoll").objects.create(
        number="ΒΚ-1/2024", title="Τέλη 2024", certified_on=date(2024, 1, 1)
    )

    def settled(number: str, surcharge: Decimal, debts: list[tuple]):
        settlement = apps.get_model("debts", "Settlement").objects.create(
            number=number,
            debtor=debtor,
            scheme=scheme,
            approved_on=approved,
            principal=sum((Decimal(principal) for _kind, principal in debts), Decimal(0)),
            surcharge=surcharge,
            annual_interest_rate=Decimal("0.1015"),
            late_installment_monthly_rate=Decimal("0.05"),
            misses_before_loss=3,
        )
        for kind, principal in debts:
            apps.get_model("debts", "Debt").objects.create(
                debtor=debtor,
                revenue_type=kind,
                description=kind.name,
                principal=Decimal(principal),
                due_date=due,
                certified_on=roll.certified_on,
                roll=roll,
                settlement=settlement,
                status="in_settlement",
            )
        return settlement

    bore = surcharge(Decimal("100.00"), due, approved)
    settlement = settled("Ρ-1/2026", bore, [(cleaning, "100.00"), (nursery, "100.00")])
    # One whose debts bear nothing by today's rules (a revenue since made unsurchargeable): by
    # principal, as its receipts were.
    sports = revenue.create(
        code="0462", name="Αθλητικά", name_en="Sports", kind="fee", surchargeable=False
    )
    by_principal = settled("Ρ-2/2026", Decimal("30.00"), [(nursery, "100.00"), (sports, "200.00")])

    apps = migrate(AFTER)

    frozen = apps.get_model("debts", "Settlement").objects
    assert bore > 0
    assert frozen.get(pk=settlement.pk).surcharge_by_code == {"0311": str(bore), "0461": "0.00"}
    assert frozen.get(pk=by_principal.pk).surcharge_by_code == {"0461": "10.00", "0462": "20.00"}
