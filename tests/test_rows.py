"""The two reads made by hand with ``debts.rows`` give what the ORM's own queries give: every
field of every row, the relations read with them, and nothing of another debtor."""

import pytest
from django.contrib.auth import get_user_model
from django.db.models import FilteredRelation, Q

from debts.models import Debt, Debtor
from debts.selectors import open_debts_with_notice
from debts.services import build_notice, cancel_notice
from thermi_portal.auth_backends import account_with_card

pytestmark = pytest.mark.django_db


def fields_of(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


def test_the_account_with_its_card_is_the_orms(make_citizen, django_assert_num_queries):
    citizen = make_citizen()
    expected = get_user_model().objects.select_related("debtor").get(pk=citizen.pk)

    with django_assert_num_queries(1):
        user = account_with_card(str(citizen.pk))  # as the session keeps it
        assert fields_of(user) == fields_of(expected)
        assert fields_of(user.debtor) == fields_of(expected.debtor)
        assert user.debtor.user is user
        assert user.debtor.updated_at.tzinfo is not None  # the database's aware datetime


def test_an_account_without_a_card_knows_it_has_none(django_user_model, django_assert_num_queries):
    staff = django_user_model.objects.create_user(username="tameio9", password="x-y-z-123456")
    expected = django_user_model.objects.get(pk=staff.pk)
    with django_assert_num_queries(1):
        user = account_with_card(staff.pk)
        assert fields_of(user) == fields_of(expected)
        with pytest.raises(Debtor.DoesNotExist):
            user.debtor  # noqa: B018 (read, not queried)


@pytest.mark.parametrize("user_id", [987654321, "not-a-number", ""])
def test_an_unknown_or_tampered_id_is_no_account(make_citizen, user_id):
    make_citizen()
    assert account_with_card(user_id) is None


def test_the_open_debts_with_their_notice_are_the_orms(
    make_debtor, make_everything, make_debt, django_assert_num_queries
):
    debtor, other = make_debtor(), make_debtor()
    rows = make_everything(debtor)
    build_notice(other, debts=[make_debt(other, "70.00")])  # never comes
    cancelled = make_debt(debtor, "30.00", description="Σε ακυρωμένο ειδοποιητήριο")
    cancel_notice(build_notice(debtor, debts=[cancelled]), cause="test")
    build_notice(debtor, debts=[cancelled])  # a closed item and an open one: the open one counts

    expected = {
        debt.pk: debt
        for debt in Debt.objects.filter(
            debtor=debtor, status__in=[Debt.Status.OPEN, Debt.Status.IN_SETTLEMENT]
        )
        .annotate(
            open_item=FilteredRelation("notice_items", condition=Q(notice_items__is_open=True))
        )
        .select_related("revenue_type", "open_item__notice")
    }
    with django_assert_num_queries(1):
        found = open_debts_with_notice(debtor)
        assert {debt.pk for debt, _notice in found} == set(expected)
        for debt, notice in found:
            assert fields_of(debt) == fields_of(expected[debt.pk])
            assert fields_of(debt.revenue_type) == fields_of(expected[debt.pk].revenue_type)
            item = getattr(expected[debt.pk], "open_item", None)
            if item is None:
                assert notice is None
            else:
                assert fields_of(notice) == fields_of(item.notice)

    notices = {debt.pk: notice for debt, notice in found}
    assert notices[rows["certified"].pk] == rows["notice"]
    assert notices[cancelled.pk] is not None and notices[cancelled.pk].status == "open"
    assert notices[rows["water"].pk] is None
    assert rows["paid"].pk not in notices
    assert rows["settlement"].debts.get().pk in notices  # in settlement
