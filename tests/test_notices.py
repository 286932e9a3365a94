"""Payment notices: grouping debts under one RF, the refusals, cancellation and expiry."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from debts import rf
from debts.models import Debt, NoticeChange, NoticeItem, ParavoloType, PaymentNotice
from debts.selectors import debtor_overview, open_notice_holding
from debts.services import (
    build_notice,
    cancel_notice,
    expire_notices,
    issue_paravolo,
    preview_notice,
)
from debts.states import InvalidTransition
from debts.surcharges import add_months, last_day_before_increase


@pytest.fixture
def fixed_today(today_is):
    return today_is(date(2026, 3, 10))


@pytest.fixture
def citizen(make_debtor):
    return make_debtor(afm="068933130", last_name="ΒΑΒΟΥΛΑ", first_name="ΕΥΤΥΧΙΑ")


@pytest.fixture
def two_debts(citizen, make_debt):
    return [
        make_debt(citizen, "120.00", due_date=date(2023, 6, 30)),
        make_debt(citizen, "35.50"),
    ]


def test_build_a_notice_from_two_debts(settings, citizen, two_debts):
    settings.NOTICE_VALIDITY_DAYS = 10
    notice = build_notice(citizen, debts=two_debts)

    today = timezone.localdate()
    valid_until = min(
        today + timedelta(days=10), last_day_before_increase(date(2023, 6, 30), today)
    )
    assert notice.valid_until == valid_until
    assert notice.status == PaymentNotice.Status.OPEN
    assert notice.origin == PaymentNotice.Origin.CITIZEN
    certified, uncertified = (notice.items.get(debt=debt) for debt in two_debts)
    # The certified debt's surcharge is frozen at the last day the notice can be paid.
    assert certified.surcharge == two_debts[0].surcharge(valid_until) > 0
    assert uncertified.surcharge == Decimal("0.00")
    assert notice.total == Decimal("155.50") + certified.surcharge

    parts = rf.parse_rf(notice.rf_code)
    assert parts.creditor_code == settings.RF_CREDITOR_CODE
    assert rf.accepts_amount(notice.rf_code, notice.total)
    assert not rf.accepts_amount(notice.rf_code, notice.total + Decimal("0.01"))


@pytest.mark.parametrize("days_to_next_month", [0, 1, 5, 20])
def test_default_validity_never_charges_an_early_payer_more(
    settings, citizen, make_debt, fixed_today, days_to_next_month
):
    """Paying on any day the notice is valid costs what paying today would."""
    settings.NOTICE_VALIDITY_DAYS = 10
    today = fixed_today
    # A debt whose next surcharge month starts ``days_to_next_month + 1`` days from today.
    due = add_months(today + timedelta(days=days_to_next_month), -7)
    debt = make_debt(citizen, "500.00", due_date=due)
    notice = build_notice(citizen, debts=[debt])
    assert notice.valid_until == today + timedelta(days=min(days_to_next_month, 10))
    assert notice.items.get().surcharge == debt.surcharge(today)


def test_frozen_as_of_an_explicit_validity_date(citizen, two_debts):
    valid_until = timezone.localdate() + timedelta(days=40)
    notice = build_notice(citizen, debts=two_debts[:1], valid_until=valid_until)
    assert notice.items.get().surcharge == two_debts[0].surcharge(valid_until)


def _refused(code, citizen, **kwargs):
    before = (PaymentNotice.objects.count(), NoticeItem.objects.count())
    with pytest.raises(ValidationError) as error:
        build_notice(citizen, **kwargs)
    assert error.value.code == code
    assert (PaymentNotice.objects.count(), NoticeItem.objects.count()) == before
    return error.value


def test_another_debtors_debt_is_refused_as_unknown(citizen, two_debts, make_debtor, make_debt):
    stranger_debt = make_debt(make_debtor(), "10.00")
    _refused("unknown_debt", citizen, debts=[two_debts[0], stranger_debt])


def test_a_tampered_id_is_refused(citizen, two_debts):
    _refused("unknown_debt", citizen, debts=[Debt(pk=999_999_999)])


def test_an_empty_set_is_refused(citizen):
    _refused("empty", citizen, debts=[])


@pytest.mark.parametrize("status", [Debt.Status.PAID, Debt.Status.CANCELLED])
def test_paid_or_cancelled_debts_are_refused(citizen, two_debts, status):
    Debt.states.advance(two_debts[1], status, cause="test")
    _refused("not_open", citizen, debts=two_debts)


def test_a_past_validity_date_is_refused(citizen, two_debts):
    _refused("past", citizen, debts=two_debts, valid_until=timezone.localdate() - timedelta(days=1))


def test_a_debt_already_on_an_open_notice_waits_for_its_cancellation(citizen, two_debts):
    first = build_notice(citizen, debts=two_debts[:1])
    error = _refused("already_on_notice", citizen, debts=two_debts)
    assert first.formatted_rf in error.message

    cancel_notice(first, cause="citizen regrouped")
    second = build_notice(citizen, debts=two_debts)
    assert second.items.count() == 2
    assert second.rf_code != first.rf_code


def test_the_database_keeps_a_debt_on_one_open_notice(citizen, two_debts):
    first = build_notice(citizen, debts=two_debts[:1])
    other = build_notice(citizen, debts=two_debts[1:])
    with pytest.raises(IntegrityError), transaction.atomic():
        NoticeItem.objects.create(notice=other, debt=two_debts[0], principal=1, surcharge=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentNotice.objects.filter(pk=other.pk).update(rf_code=first.rf_code)


def test_cancellation_is_recorded_and_happens_once(citizen, two_debts, admin_user):
    notice = build_notice(citizen, debts=two_debts)
    cancel_notice(notice, cause="wrong debts", actor=admin_user)
    change = NoticeChange.objects.get(notice=notice)
    assert (change.from_status, change.to_status, change.actor) == ("open", "cancelled", admin_user)
    assert not notice.items.filter(is_open=True).exists()
    with pytest.raises(InvalidTransition):
        cancel_notice(notice, cause="again")
    assert NoticeChange.objects.filter(notice=notice).count() == 1


def test_expiry_frees_the_debts_and_reruns_harmlessly(citizen, two_debts):
    today = timezone.localdate()
    notice = build_notice(citizen, debts=two_debts, valid_until=today)
    assert expire_notices(today) == 0
    assert expire_notices(today + timedelta(days=1)) == 1
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.EXPIRED
    assert expire_notices(today + timedelta(days=1)) == 0
    assert NoticeChange.objects.filter(notice=notice, to_status="expired").count() == 1
    build_notice(citizen, debts=two_debts)


def test_a_notice_past_its_validity_frees_its_debts_before_the_nightly_sweep(
    citizen, two_debts, today_is
):
    """The sweep runs at night and beat may miss a run: a lapsed notice holds nothing meanwhile."""
    today = timezone.localdate()
    lapsed = build_notice(citizen, debts=two_debts, valid_until=today)
    today_is(today + timedelta(days=1))

    overview = debtor_overview(citizen)
    lines = overview.certified.lines + overview.uncertified.lines
    assert len(lines) == 2 and all(line.notice is None for line in lines)
    assert overview.has_lines_without_notice
    ids = [debt.pk for debt in two_debts]
    assert open_notice_holding(citizen, debt_ids=ids, installment_ids=[]) is None
    assert preview_notice(citizen, debts=two_debts).total > 0
    lapsed.refresh_from_db()
    assert lapsed.status == PaymentNotice.Status.OPEN, "a preview writes nothing"

    fresh = build_notice(citizen, debts=two_debts[:1])

    lapsed.refresh_from_db()
    assert lapsed.status == PaymentNotice.Status.EXPIRED
    assert NoticeChange.objects.get(notice=lapsed).cause == "validity ended"
    assert not lapsed.items.filter(is_open=True).exists()
    assert fresh.items.get().debt == two_debts[0]
    assert expire_notices() == 0


def test_a_lapsed_notice_does_not_stop_a_settlement(citizen, two_debts, today_is, make_settlement):
    today = timezone.localdate()
    lapsed = build_notice(citizen, debts=two_debts[:1], valid_until=today)
    today_is(today + timedelta(days=1))

    settlement = make_settlement(citizen, two_debts[:1])

    lapsed.refresh_from_db()
    assert lapsed.status == PaymentNotice.Status.EXPIRED
    assert list(settlement.debts.all()) == two_debts[:1]


def test_a_paravolo_asked_again_after_its_notice_lapsed_gets_a_new_notice(
    citizen, revenue, today_is
):
    objection = ParavoloType.objects.create(
        name="Παράβολο ένστασης", revenue_type=revenue["paravolo"], amount=Decimal("4.50")
    )
    first = issue_paravolo(citizen, objection)
    assert issue_paravolo(citizen, objection).notice == first.notice
    today_is(first.notice.valid_until + timedelta(days=1))

    again = issue_paravolo(citizen, objection)

    assert not again.created, "the same unpaid παράβολο, not a second debt"
    assert again.notice != first.notice
    assert again.notice.items.get().debt == first.notice.items.get().debt
    first.notice.refresh_from_db()
    assert first.notice.status == PaymentNotice.Status.EXPIRED


def test_a_settled_debt_is_paid_by_installments_not_directly(citizen, make_debt, make_settlement):
    debts = [make_debt(citizen, "600.00", due_date=date(2023, 1, 31))]
    settlement = make_settlement(citizen, debts, installments=6, first_due_in_days=3)
    _refused("not_open", citizen, debts=debts)

    first = settlement.installments.get(number=1)
    notice = build_notice(citizen, installments=[first])
    # Valid until the installment falls due, so no late charge is frozen into it.
    assert notice.valid_until == first.due_date
    assert notice.total == first.amount
    assert rf.accepts_amount(notice.rf_code, first.amount)
    _refused("already_on_notice", citizen, installments=[first])


def test_another_debtors_installment_is_refused(citizen, make_debtor, make_debt, make_settlement):
    other = make_debtor()
    debt = make_debt(other, "300.00", due_date=date(2023, 1, 31))
    settlement = make_settlement(other, [debt], installments=3, first_due_in_days=0)
    _refused("unknown_debt", citizen, installments=[settlement.installments.first()])


def test_what_a_notice_froze_cannot_change_until_it_is_cancelled(citizen, two_debts):
    notice = build_notice(citizen, debts=two_debts[:1])
    debt = Debt.objects.get(pk=two_debts[0].pk)
    debt.description = "ΤΚΦ 2023, διορθωμένη περιγραφή"
    debt.full_clean()
    debt.principal = Decimal("99.00")
    with pytest.raises(ValidationError) as error:
        debt.full_clean()
    [refusal] = error.value.error_dict["__all__"]
    assert refusal.code == "on_open_notice"
    assert notice.formatted_rf in refusal.message

    cancel_notice(notice, cause="principal corrected")
    debt.full_clean()


def test_a_refused_transition_says_why_in_greek(citizen, two_debts):
    notice = build_notice(citizen, debts=two_debts)
    cancel_notice(notice, cause="test")
    with pytest.raises(InvalidTransition) as error:
        cancel_notice(notice, cause="again")
    assert error.value.messages == [
        f"«{notice.formatted_rf}» είναι «Ακυρώθηκε» και δεν μπορεί να γίνει «Ακυρώθηκε»."
    ]
