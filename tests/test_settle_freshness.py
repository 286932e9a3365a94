"""A payment shows on the citizen's pages the moment ``settle`` commits, through every channel,
with Django's model signals silenced: freshness is part of the write path (the debtor's ledger
version, raised under ``lock_debtor``), not of a signal some writer may not send."""

import contextlib
from datetime import date

import pytest
from django.db.models import signals
from django.urls import reverse
from django.utils import timezone

from debts.services import build_notice
from payments.models import Channel
from payments.services import settle
from tests.test_overview_cache import overview, shown_at_once
from tests.test_pages_polish import words

pytestmark = pytest.mark.django_db(transaction=True)

# The overview of a debtor who owes nothing.
NOTHING_OWED = "Δεν έχετε ανεξόφλητες οφειλές"


@contextlib.contextmanager
def no_model_signals():
    """No receiver of pre/post save or delete runs meanwhile (as for ``QuerySet.update``)."""
    kept = {}
    for signal in (signals.pre_save, signals.post_save, signals.pre_delete, signals.post_delete):
        kept[signal] = signal.receivers
        signal.receivers = []
        signal.sender_receivers_cache.clear()
    try:
        yield
    finally:
        for signal, receivers in kept.items():
            signal.receivers = receivers
            signal.sender_receivers_cache.clear()


@pytest.mark.parametrize("channel", Channel.values)
def test_a_payment_shows_at_once_whatever_the_channel_and_without_signals(
    citizen_client, make_debt, channel
):
    debtor = citizen_client.debtor
    make_debt(debtor, "200.00", due_date=date(2024, 12, 31), description="ΤΚΦ 2024")
    notice = build_notice(debtor, debts=list(debtor.debts.all()))
    notice_link = f'href="{reverse("citizen:notice", args=[notice.pk])}"'
    before = overview(citizen_client)
    card = citizen_client.get(reverse("citizen:card")).content.decode()
    history = citizen_client.get(reverse("payments:history")).content.decode()
    # What the page shows to read and follow, not an attribute only a screen reader reads.
    assert "ΤΚΦ 2024" in words(before)
    assert notice_link in before
    assert NOTHING_OWED not in before

    with no_model_signals():
        settled = settle(
            channel=channel,
            reference=f"{channel}-0001",
            amount=notice.total,
            received_at=timezone.now(),
            notice=notice,
            tender="cash" if channel == Channel.COUNTER else "",
        )
    assert settled.applied

    page = shown_at_once(citizen_client, before)
    assert "ΤΚΦ 2024" not in page  # not in the text, nor in an attribute
    assert notice_link not in page
    assert NOTHING_OWED in page
    receipt = settled.receipt.display_number
    assert receipt not in card
    assert receipt in citizen_client.get(reverse("citizen:card")).content.decode()
    assert receipt not in history
    assert receipt in citizen_client.get(reverse("payments:history")).content.decode()
