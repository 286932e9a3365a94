"""Two payments of the notice a certificate request waits on, at the same instant, on
PostgreSQL: the notice's lock and the unique request of a certificate leave exactly one."""

import threading
import uuid
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, connections, transaction

from debts.models import Property
from payments.models import Channel
from receipts.certificates import _issue, request_certificate, revoke_certificate
from receipts.models import Certificate, CertificateRequest
from receipts.tasks import deliver_certificate
from tests.test_concurrency import run_together
from tests.test_settle_races import paying

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
]


@pytest.fixture
def awaiting(debtor, make_debt):
    home = Property.objects.create(
        debtor=debtor, address="Βασ. Όλγας 3", supply_number="123456789", area=Decimal(70)
    )
    make_debt(debtor, "55.00", kind="tap", tap_property=home)
    return request_certificate(debtor, home.pk).request


def test_a_bank_and_a_counter_payment_at_once_issue_one_certificate(awaiting):
    outcomes = run_together(
        paying(awaiting.notice, "DIAS-1"),
        paying(awaiting.notice, "ΤΑΜ-1", channel=Channel.COUNTER, tender="cash"),
    )

    assert sorted(outcome.applied for outcome in outcomes) == [False, True]
    assert Certificate.objects.get().request == awaiting
    call_command("check_ledger")


def test_the_database_refuses_a_second_certificate_of_one_request(awaiting):
    with transaction.atomic():
        _issue([(awaiting.tap_property, awaiting)], issued_by=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        _issue([(awaiting.tap_property, awaiting)], issued_by=None)
    assert Certificate.objects.count() == 1


def test_two_requests_for_one_property_at_once_wait_on_one_notice(awaiting, debtor):
    outcomes = run_together(
        lambda: request_certificate(debtor, awaiting.tap_property_id),
        lambda: request_certificate(debtor, awaiting.tap_property_id),
    )

    assert {outcome.request for outcome in outcomes} == {awaiting}
    assert CertificateRequest.objects.count() == 1


def test_one_form_sent_twice_at_once_issues_one_certificate(debtor):
    """A double click: both sendings of one form wait on the debtor's lock, and the second finds
    the certificate the first issued."""
    home = Property.objects.create(
        debtor=debtor, address="Βασ. Όλγας 5", supply_number="123456780", area=Decimal(70)
    )
    form_token = uuid.uuid4()

    outcomes = run_together(
        lambda: request_certificate(debtor, home.pk, form_token=form_token),
        lambda: request_certificate(debtor, home.pk, form_token=form_token),
    )

    certificate = Certificate.objects.get()
    assert [outcome.certificate for outcome in outcomes] == [certificate, certificate]
    assert certificate.form_token == form_token


def test_the_database_refuses_one_forms_token_on_a_second_certificate(debtor):
    home = Property.objects.create(
        debtor=debtor, address="Βασ. Όλγας 5", supply_number="123456780", area=Decimal(70)
    )
    form_token = uuid.uuid4()
    with transaction.atomic():
        _issue([(home, None)], debtor=debtor, issued_by=None, form_token=form_token)
    with pytest.raises(IntegrityError), transaction.atomic():
        _issue([(home, None)], debtor=debtor, issued_by=None, form_token=form_token)
    assert Certificate.objects.count() == 1


def test_a_certificate_revoked_while_its_delivery_runs_is_not_mailed(
    debtor, make_citizen, admin_user, mailoutbox, settings, tmp_path
):
    """Revoked by a colleague after the delivery rendered the PDF and before it took the row to
    mail it: the mail must not carry it as valid. Whether it is revoked is read under the row's
    lock, which the revocation takes too."""
    settings.MEDIA_ROOT = tmp_path
    make_citizen(debtor)
    home = Property.objects.create(
        debtor=debtor, address="Βασ. Όλγας 7", supply_number="123456781", area=Decimal(70)
    )
    certificate = request_certificate(debtor, home.pk).certificate

    def revoke():
        try:
            with transaction.atomic():
                revoke_certificate(certificate, reason="Λάθος ακίνητο", actor=admin_user)
        finally:
            connections.close_all()

    row_locks = []

    def revoked_before_the_mailing_lock(execute, sql, params, many, context):
        """The revocation commits just before the delivery locks the row for the mail (its
        second lock of the row, the first being the PDF's)."""
        if 'FROM "receipts_certificate"' in sql and "FOR UPDATE" in sql:
            row_locks.append(sql)
            if len(row_locks) == 2:
                revoker = threading.Thread(target=revoke)
                revoker.start()
                revoker.join(timeout=10)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(revoked_before_the_mailing_lock):
        deliver_certificate(certificate.pk)

    assert len(row_locks) == 2
    certificate.refresh_from_db()
    assert certificate.revocation_or_none is not None
    assert certificate.pdf and not certificate.emailed_at
    assert mailoutbox == []
