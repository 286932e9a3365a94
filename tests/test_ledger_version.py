"""What a service writes shows on the citizen's overview the moment it commits, with Django's
signals silenced: every service takes ``lock_debtor`` first, which raises the debtor's
``ledger_version`` in the statement that locks the row, and the kept page is found by it
(``thermi_portal.ledger_cache``). A write without the lock is the one thing that does not show.

These tests commit (a transactional database), as a real request does.
"""

import threading
from datetime import date, timedelta

import pytest
from django.db import OperationalError, connection, connections, transaction

from debts import services
from debts.models import Debt, Debtor
from tests.test_overview_cache import overview, shows
from tests.test_settle_freshness import no_model_signals

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def without_signals():
    """No receiver of a model's signals runs, as for a write that sends none."""
    with no_model_signals():
        yield


@pytest.fixture
def debtor(citizen_client):
    return citizen_client.debtor


@pytest.fixture
def overdue(debtor, make_debt):
    return make_debt(debtor, "200.00", due_date=date(2024, 12, 31), description="ΤΚΦ 2024")


def test_an_update_in_a_transaction_that_locked_the_debtor_shows_at_once(
    citizen_client, debtor, overdue, without_signals
):
    before = overview(citizen_client)
    # Without the lock nothing tells the cache: the page kept before is served (which is why
    # every writer of a ledger takes the lock).
    Debt.objects.filter(pk=overdue.pk).update(description="ΤΚΦ 2024 (χωρίς κλείδωμα)")
    assert overview(citizen_client) == before

    with transaction.atomic():
        services.lock_debtor(debtor.pk)
        Debt.objects.filter(pk=overdue.pk).update(description="ΤΚΦ 2024 (διορθωμένη)")

    assert "ΤΚΦ 2024 (διορθωμένη)" in overview(citizen_client)


def test_notices_built_cancelled_and_expired_show_at_once_without_signals(
    citizen_client, debtor, overdue, without_signals
):
    assert "ΤΚΦ 2024" in overview(citizen_client)
    notice = services.build_notice(debtor, debts=[overdue])
    assert shows(overview(citizen_client), notice)

    services.cancel_notice(notice, cause="test")
    assert not shows(overview(citizen_client), notice)

    renewed = services.build_notice(debtor, debts=[overdue])
    assert shows(overview(citizen_client), renewed)
    assert services.expire_notices(today=renewed.valid_until + timedelta(days=1)) == 1
    assert not shows(overview(citizen_client), renewed)


def test_locking_the_debtor_raises_its_ledger_version_and_needs_a_transaction(debtor):
    with transaction.atomic():
        assert services.lock_debtor(debtor.pk).ledger_version == debtor.ledger_version + 1
    with pytest.raises(transaction.TransactionManagementError):
        services.lock_debtor(debtor.pk)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
def test_the_lock_is_for_no_key_update(debtor):
    """It queues the other writers of the ledger, but not a foreign-key check pointing a row at
    the debtor (FOR KEY SHARE): the earlier deadlock fix stands on that."""
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                services.lock_debtor(debtor.pk)
                locked.set()
                release.wait(timeout=10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM debts_debtor WHERE id = %s FOR KEY SHARE NOWAIT", [debtor.pk]
            )
        with pytest.raises(OperationalError), transaction.atomic():
            Debtor.objects.select_for_update(no_key=True, nowait=True).get(pk=debtor.pk)
    finally:
        release.set()
        holder.join(timeout=10)
