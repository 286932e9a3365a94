"""Two people acting at once: the row locks and constraints behind the services hold."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from debts.models import NoticeItem, PaymentNotice
from debts.services import build_notice

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
]


def run_together(count, work):
    """Run ``work()`` in ``count`` threads released at the same instant; return the outcomes."""
    barrier = threading.Barrier(count)
    outcomes = []

    def worker():
        try:
            barrier.wait()
            outcomes.append(work())
        except Exception as error:  # the outcome under test
            outcomes.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(outcomes) == count, "a thread did not finish"
    return outcomes


def test_two_notices_for_the_same_debts_at_once_give_one(make_debtor, make_debt):
    debtor = make_debtor()
    debts = [make_debt(debtor, "50.00", due_date=date(2024, 1, 31)), make_debt(debtor, "20.00")]

    outcomes = run_together(4, lambda: build_notice(debtor, debts=debts))

    notices = [o for o in outcomes if isinstance(o, PaymentNotice)]
    refusals = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(notices) == 1, outcomes
    assert [r.code for r in refusals] == ["already_on_notice"] * 3
    assert PaymentNotice.objects.count() == 1
    assert NoticeItem.objects.filter(is_open=True).count() == 2


def test_the_same_payment_reported_four_times_at_once_is_recorded_once(make_debtor, make_debt):
    from django.utils import timezone

    from payments.models import Payment
    from payments.services import record_notice_payment

    debtor = make_debtor()
    notice = build_notice(debtor, debts=[make_debt(debtor, "50.00", due_date=date(2024, 1, 31))])

    outcomes = run_together(
        4,
        lambda: record_notice_payment(
            notice,
            channel=Payment.Channel.BANK,
            amount=notice.total,
            reference="DIAS-42",
            received_at=timezone.now(),
        ),
    )

    assert all(isinstance(o, Payment) for o in outcomes), outcomes
    assert len({o.pk for o in outcomes}) == 1
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.PAID
    assert notice.status_changes.count() == 1
