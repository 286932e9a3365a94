"""Tasks run by a real Celery worker on the configured broker (Redis under `make test`)."""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone

from debts.models import PaymentNotice
from debts.services import build_notice
from debts.tasks import expire_notices
from thermi_portal.celery import app

pytestmark = pytest.mark.django_db(transaction=True)


def test_beat_schedules_the_expiry_sweep():
    entry = settings.CELERY_BEAT_SCHEDULE["expire-notices"]
    app.loader.import_default_modules()
    assert app.tasks[entry["task"]].name == expire_notices.name


@pytest.mark.skipif(not settings.CELERY_BROKER_URL, reason="needs a broker for a real worker")
def test_a_worker_on_redis_expires_notices(make_debtor, make_debt, today_is):
    debtor = make_debtor()
    notice = build_notice(debtor, debts=[make_debt(debtor, "12.00")])
    today_is(timezone.localdate() + timedelta(days=settings.NOTICE_VALIDITY_DAYS + 1))

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        expire_notices.delay()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            notice.refresh_from_db()
            if notice.status == PaymentNotice.Status.EXPIRED:
                break
            time.sleep(0.1)
    assert notice.status == PaymentNotice.Status.EXPIRED
