"""A receipt reaches its payer: a real Celery worker on Redis renders its PDF and emails it over
SMTP to a local server (aiosmtpd), once however often it runs, and the sweep delivers what a
broker down at the commit lost."""

import email
import logging
import socket
import time
from datetime import timedelta
from decimal import Decimal
from email import policy

import pytest
from aiosmtpd.controller import Controller
from allauth.account.models import EmailAddress
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from receipts.models import Receipt
from receipts.services import ReceiptLine, issue_receipt
from receipts.tasks import (
    REQUEUE_AFTER,
    SWEEP_WINDOW,
    deliver_receipt,
    sweep_undelivered,
    undelivered,
)
from receipts.verification import grouped_code, verification_url
from thermi_portal.celery import app

needs_broker = pytest.mark.skipif(
    not settings.CELERY_BROKER_URL, reason="needs a broker for a real worker"
)
LINE = ReceiptLine(
    revenue_code="0311",
    revenue_name="Τέλη καθαριότητας και φωτισμού",
    description="ΤΚΦ 2024",
    period="2024",
    principal=Decimal("100.00"),
    surcharge=Decimal("23.50"),
)


def issue(debtor) -> Receipt:
    with transaction.atomic():
        return issue_receipt(
            series="card",
            debtor=debtor,
            lines=[LINE],
            channel="card",
            channel_label="Κάρτα",
            channel_reference="pi_3QxTest0001",
            received_at=timezone.now(),
        )


def wait_until(condition, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())


def emailed(receipt: Receipt) -> bool:
    return Receipt.objects.filter(pk=receipt.pk, emailed_at__isnull=False).exists()


class Inbox:
    """What the local SMTP server received, as parsed messages."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def send_mail_to(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def smtp_server(settings):
    """A local SMTP server, which Django's SMTP backend sends to; its inbox."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    send_mail_to(settings, controller.port)
    yield inbox
    controller.stop()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def kept_files() -> list:
    return [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]


@pytest.fixture
def worker(monkeypatch):
    """A real worker in a thread of this process, on the configured broker.

    Its connections to the database close after each task, or the test database could not be
    dropped at the end; tasks other tests left queued (for receipts of databases since emptied)
    are purged first.
    """
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


@pytest.fixture
def deliveries():
    """The receipt ids of the deliveries the worker has finished, in order."""
    done = []

    def record(sender=None, args=(), **kwargs):
        if sender.name == deliver_receipt.name:
            done.append(args[0])

    task_postrun.connect(record, weak=False)
    yield done
    task_postrun.disconnect(record)


def test_beat_schedules_the_sweep():
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-undelivered-receipts"]
    app.loader.import_default_modules()
    assert app.tasks[entry["task"]].name == sweep_undelivered.name


@needs_broker
@pytest.mark.django_db(transaction=True)
def test_a_worker_renders_and_emails_the_receipt(make_citizen, smtp_server, worker):
    user = make_citizen()
    receipt = issue(user.debtor)

    assert wait_until(lambda: emailed(receipt))
    receipt.refresh_from_db()
    assert receipt.pdf_rendered_at is not None
    assert receipt.emailed_to == user.email
    (message,) = smtp_server.messages
    assert message["To"] == user.email
    # Python folds the encoded subject after «Subject:»; mail programs unfold it.
    subject = message["Subject"].strip()
    assert subject == f"Απόδειξη είσπραξης {receipt.display_number} · Δήμος Θέρμης"
    body = message.get_body(("plain",)).get_content()
    assert "123,50 €" in body
    assert grouped_code(receipt.verification_code) in body
    assert verification_url(receipt) in body
    (attachment,) = message.iter_attachments()
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == receipt.display_number.replace("/", "-") + ".pdf"
    with receipt.pdf.open("rb") as kept:
        assert attachment.get_content() == kept.read()


@needs_broker
@pytest.mark.django_db(transaction=True)
def test_delivered_twice_it_sends_one_email_and_keeps_one_pdf(
    make_citizen, smtp_server, worker, deliveries
):
    receipt = issue(make_citizen().debtor)
    deliver_receipt.delay(receipt.pk)

    assert wait_until(lambda: deliveries.count(receipt.pk) == 2)
    assert len(smtp_server.messages) == 1
    assert len(kept_files()) == 1
    receipt.refresh_from_db()
    assert kept_files()[0].name == receipt.pdf.name.rsplit("/", 1)[-1]


@needs_broker
@pytest.mark.django_db(transaction=True)
def test_the_sweep_delivers_what_a_broker_down_at_the_commit_lost(
    make_citizen, smtp_server, monkeypatch, settings, caplog
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    # A worker started by an earlier test leaves the root logger at ERROR.
    caplog.set_level(logging.WARNING, logger="receipts.tasks")
    with monkeypatch.context() as patched:
        patched.setattr(deliver_receipt, "delay", broker_down)
        receipt = issue(make_citizen().debtor)  # the payment commits all the same
    assert "Connection refused" in caplog.text
    # One line that says so, not a traceback (a bank file's batches would bury its summary).
    told = [r for r in caplog.records if r.name in ("receipts.tasks", "django.db.backends.base")]
    assert [record.getMessage() for record in told] == [
        "The delivery of 1 receipt(s) was not queued, the broker unreachable (Error 111 "
        "connecting to 127.0.0.1:6379. Connection refused.): the sweep will queue it."
    ]
    assert told[0].exc_info is None
    receipt.refresh_from_db()
    assert not receipt.pdf
    # Not yet: for RECEIPT_SWEEP_AFTER the delivery may just be waiting in the queue.
    assert sweep_undelivered() == 0

    settings.RECEIPT_SWEEP_AFTER = timedelta(0)
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        sweep_undelivered.delay()
        assert wait_until(lambda: emailed(receipt))
    receipt.refresh_from_db()
    assert receipt.pdf
    assert len(smtp_server.messages) == 1
    assert sweep_undelivered() == 0


def test_while_the_mail_server_is_down_the_sweep_queues_each_receipt_once_per_retry_span(
    make_citizen, monkeypatch, settings
):
    """Its task retries it meanwhile; queued every sweep, it would be retried thirty times over
    in an hour's outage."""
    queued = []
    monkeypatch.setattr(deliver_receipt, "delay", queued.append)
    receipt = issue(make_citizen().debtor)  # its task failing, again and again
    settings.RECEIPT_SWEEP_AFTER = timedelta(0)

    assert sweep_undelivered() == 1
    assert sweep_undelivered() == 0
    assert queued == [receipt.pk]
    receipt.refresh_from_db()
    swept = receipt.delivery_requeued_at
    assert swept is not None
    # The retries over, and the receipt still undelivered: queued again.
    Receipt.objects.filter(pk=receipt.pk).update(delivery_requeued_at=swept - REQUEUE_AFTER)
    assert sweep_undelivered() == 1
    assert queued == [receipt.pk, receipt.pk]


def test_a_broker_down_at_the_sweep_leaves_the_receipt_for_the_next_one(
    make_citizen, monkeypatch, settings
):
    receipt = issue(make_citizen().debtor)
    settings.RECEIPT_SWEEP_AFTER = timedelta(0)

    def broker_down(*args, **kwargs):
        raise OperationalError("Connection refused.")

    with monkeypatch.context() as patched, pytest.raises(OperationalError):
        patched.setattr(deliver_receipt, "delay", broker_down)
        sweep_undelivered()

    receipt.refresh_from_db()
    assert receipt.delivery_requeued_at is None
    monkeypatch.setattr(deliver_receipt, "delay", lambda pk: None)
    assert sweep_undelivered() == 1


@pytest.fixture
def later():
    """A moment when what the test issues is past the sweep's delay: five minutes beyond it, so
    a slow machine issuing it a few seconds after this is computed changes nothing (the sweep's
    window is a week)."""
    return timezone.now() + settings.RECEIPT_SWEEP_AFTER + timedelta(minutes=5)


@pytest.mark.parametrize("account", ["none", "unverified"])
def test_no_verified_address_gets_a_pdf_and_no_email_and_is_not_swept_again(
    account, make_debtor, django_user_model, later
):
    debtor = make_debtor()
    if account == "unverified":
        debtor.user = django_user_model.objects.create_user("afm" + debtor.afm)
        debtor.save(update_fields=["user"])
        EmailAddress.objects.create(user=debtor.user, email="typo@example.gr", primary=True)
    receipt = issue(debtor)

    deliver_receipt(receipt.pk)

    receipt.refresh_from_db()
    assert receipt.pdf
    assert (receipt.emailed_to, receipt.emailed_at) == ("", None)
    assert mail.outbox == []
    assert not undelivered(later).exists()


def test_an_address_verified_later_is_swept_and_mailed(make_debtor, make_citizen, later):
    debtor = make_debtor()
    receipt = issue(debtor)
    deliver_receipt(receipt.pk)
    assert not undelivered(later).exists()

    make_citizen(debtor)
    assert list(undelivered(later)) == [receipt]
    deliver_receipt(receipt.pk)
    (message,) = mail.outbox
    assert message.to == [debtor.user.email]


def test_the_primary_verified_address_is_the_one_mailed(make_citizen):
    user = make_citizen(email="primary@example.gr")
    EmailAddress.objects.create(user=user, email="other@example.gr", verified=True, primary=False)
    EmailAddress.objects.create(user=user, email="unverified@example.gr", verified=False)
    receipt = issue(user.debtor)

    deliver_receipt(receipt.pk)

    (message,) = mail.outbox
    assert message.to == ["primary@example.gr"]
    receipt.refresh_from_db()
    assert receipt.emailed_to == "primary@example.gr"


def test_a_mail_server_down_keeps_the_pdf_and_the_retry_sends_once(make_citizen, settings, later):
    receipt = issue(make_citizen().debtor)
    send_mail_to(settings, free_port())  # nothing listens there

    with pytest.raises(ConnectionRefusedError):
        deliver_receipt(receipt.pk)
    receipt.refresh_from_db()
    assert receipt.pdf
    assert receipt.emailed_at is None
    assert list(undelivered(later)) == [receipt]

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    deliver_receipt(receipt.pk)
    deliver_receipt(receipt.pk)
    assert len(mail.outbox) == 1
    assert not undelivered(later).exists()


def test_the_sweep_looks_back_a_week_only(make_citizen):
    receipt = issue(make_citizen().debtor)
    issued = receipt.issued_at

    assert not undelivered(issued).exists()  # perhaps just waiting in the queue
    assert list(undelivered(issued + settings.RECEIPT_SWEEP_AFTER + timedelta(seconds=1))) == [
        receipt
    ]
    assert list(undelivered(issued + SWEEP_WINDOW)) == [receipt]
    # Older than that, what is missing is for people: the PDF renders when asked for.
    assert not undelivered(issued + SWEEP_WINDOW + timedelta(seconds=1)).exists()
