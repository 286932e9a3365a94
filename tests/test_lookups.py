"""``field__any``: the rows whose field is one of the values, as ``field__in`` finds them."""

import pytest
from django.db.models import Q

from debts.models import Debt, NoticeItem
from debts.services import build_notice

pytestmark = pytest.mark.django_db


def test_any_finds_what_in_finds(make_debtor, make_debt):
    debtor, other = make_debtor(), make_debtor()
    debts = [make_debt(debtor, amount) for amount in ("10.00", "20.00", "30.00")]
    make_debt(other, "40.00")
    notice = build_notice(debtor, debts=debts[:2])
    wanted = [debts[0].pk, debts[2].pk, 987654321]

    assert set(Debt.objects.filter(pk__any=wanted)) == set(Debt.objects.filter(pk__in=wanted))
    assert set(Debt.objects.filter(pk__any=wanted)) == {debts[0], debts[2]}
    # Through a relation, by the related row's id.
    assert set(Debt.objects.filter(notice_items__notice__any=[notice.pk])) == set(debts[:2])
    assert NoticeItem.objects.filter(notice__any=[notice.pk]).update(is_open=True) == 2


def test_no_values_find_nothing_and_leave_the_other_condition_standing(make_debtor, make_debt):
    debtor = make_debtor()
    debt = make_debt(debtor)

    assert not Debt.objects.filter(pk__any=[]).exists()
    assert list(Debt.objects.filter(Q(pk__any=[]) | Q(description__any=[debt.description]))) == [
        debt
    ]
