"""The debtor overview: every group, its totals, and a fixed number of queries."""

from datetime import date
from decimal import Decimal

import pytest

from debts.models import Debt
from debts.selectors import debtor_overview
from debts.services import build_notice
from debts.states import InvalidTransition

AS_OF = date(2025, 6, 15)


@pytest.fixture
def debtor_with_everything(make_debtor, make_everything):
    debtor = make_debtor()
    make_everything(debtor)
    return debtor


def test_groups_and_totals(debtor_with_everything):
    overview = debtor_overview(debtor_with_everything, AS_OF)

    [certified] = overview.certified.lines
    assert certified.debt.description == "ΤΚΦ 2024"
    assert certified.surcharge == Decimal("8.76")  # six started months at 0.73 %
    assert certified.total == Decimal("208.76")
    assert certified.notice is not None and certified.notice.rf_code.startswith("RF")
    assert [line.debt.description for line in overview.uncertified.lines] == ["Λογαριασμός νερού"]
    assert [line.debt.description for line in overview.paravola.lines] == ["Παράβολο ένστασης"]
    [note] = overview.assessment_notes.lines
    assert note.surcharge == Decimal("2.92")  # four started months at 0.73 %
    assert overview.paravola.surcharge == overview.uncertified.surcharge == Decimal("0.00")

    [settlement] = overview.settlements
    assert [debt.description for debt in settlement.debts] == ["ΤΑΠ 2023"]
    assert settlement.next_installment.installment.number == 1
    assert len(settlement.open_installments) == 6
    assert settlement.total == sum(i.amount for i in settlement.settlement.installments.all())

    assert overview.total == (
        Decimal("208.76") + Decimal("45.00") + Decimal("4.50") + Decimal("82.92") + settlement.total
    )


def test_a_debtor_who_owes_nothing(make_debtor):
    overview = debtor_overview(make_debtor(), AS_OF)
    assert overview.total == Decimal("0.00")
    assert not any(group.lines for group in overview.debt_groups)


def test_another_debtors_debts_never_appear(debtor_with_everything, make_debtor, make_debt):
    other = make_debtor()
    make_debt(other, "999.00")
    overview = debtor_overview(other, AS_OF)
    assert [line.debt.principal for line in overview.uncertified.lines] == [Decimal("999.00")]
    assert not overview.settlements


def test_query_count_does_not_grow_with_debts(
    debtor_with_everything, make_debt, django_assert_max_num_queries
):
    with django_assert_max_num_queries(5):
        assert debtor_overview(debtor_with_everything, AS_OF).total > 0
    for n in range(40):
        debt = make_debt(debtor_with_everything, f"{n + 1}.00", due_date=date(2024, 3, 31))
        if n % 4 == 0:
            build_notice(debtor_with_everything, debts=[debt])
    with django_assert_max_num_queries(5):
        overview = debtor_overview(debtor_with_everything, AS_OF)
        assert len(overview.certified.lines) == 41
        assert all(line.notice for line in overview.certified.lines[:40:4])


def test_transitions_outside_the_table_are_refused(make_debtor, make_debt):
    debt = make_debt(make_debtor(), "10.00")
    Debt.states.advance(debt, Debt.Status.CANCELLED, cause="written off in error")
    with pytest.raises(InvalidTransition):
        Debt.states.advance(debt, Debt.Status.OPEN, cause="undo")
    debt.refresh_from_db()
    assert debt.status == Debt.Status.CANCELLED
    assert debt.status_changes.count() == 1
