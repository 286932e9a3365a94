"""The overview kept rendered in the cache (``thermi_portal.ledger_cache``) changes the moment the
ledger does, for its own citizen only, in each language, and is still right without a cache.

These tests commit (a transactional database), as a real request does: inside a transaction the
cache is not used, and bumps wait for the commit. Each change is checked twice: the page shows it,
and it is the page a render without the cache gives.
"""

import re
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from debts.models import Debt, RevenueType
from debts.services import build_notice, expire_notices
from payments.models import Payment
from payments.services import settle
from tests.test_admin import posted_back

pytestmark = pytest.mark.django_db(transaction=True)


def overview(client, language: str = "el") -> str:
    """The main part of the overview (outside it, each page carries its own CSRF tokens)."""
    with translation.override(language):
        response = client.get(reverse("citizen:overview"))
    assert response.status_code == 200, response.status_code
    return re.search(r"<main.*</main>", response.content.decode(), re.DOTALL).group()


def shown_at_once(client, before: str, language: str = "el") -> str:
    """The overview after a change: not the one ``before`` it, and the one a fresh render gives."""
    page = overview(client, language)
    assert page != before
    cache.clear()
    assert overview(client, language) == page
    return page


@pytest.fixture
def debtor(citizen_client):
    return citizen_client.debtor


@pytest.fixture
def overdue(debtor, make_debt):
    return make_debt(debtor, "200.00", due_date=date(2024, 12, 31), description="ΤΚΦ 2024")


def test_a_second_visit_is_served_from_the_cache(
    citizen_client, overdue, django_assert_num_queries
):
    first = overview(citizen_client)
    # The session, the account and the page come from the cache; the one query reads the
    # debtor's ledger version, which a change through the services raises without any signal.
    with django_assert_num_queries(1):
        assert overview(citizen_client) == first


def test_a_new_notice_shows_at_once(citizen_client, debtor, overdue):
    before = overview(citizen_client)
    notice = build_notice(debtor, debts=[overdue])
    assert notice.formatted_rf in shown_at_once(citizen_client, before)


def test_a_payment_shows_at_once(citizen_client, debtor, overdue):
    notice = build_notice(debtor, debts=[overdue])
    before = overview(citizen_client)
    settle(
        channel=Payment.Channel.BANK,
        reference="DIAS-0001",
        amount=notice.total,
        received_at=timezone.now(),
        notice=notice,
    )
    page = shown_at_once(citizen_client, before)
    assert "ΤΚΦ 2024" not in page
    assert notice.formatted_rf not in page


def test_an_expired_notice_shows_at_once(citizen_client, debtor, overdue):
    notice = build_notice(debtor, debts=[overdue])
    before = overview(citizen_client)
    assert notice.formatted_rf in before
    assert expire_notices(today=notice.valid_until + timedelta(days=1)) == 1
    page = shown_at_once(citizen_client, before)
    assert "ΤΚΦ 2024" in page
    assert notice.formatted_rf not in page


def test_a_settlement_shows_at_once(citizen_client, debtor, overdue, make_settlement):
    before = overview(citizen_client)
    settlement = make_settlement(debtor, [overdue], installments=6)
    assert settlement.number in shown_at_once(citizen_client, before)


def test_an_admin_edit_of_a_debt_shows_at_once(citizen_client, overdue, admin_client):
    before = overview(citizen_client)
    page = reverse("admin:debts_debt_change", args=[overdue.pk])
    data = posted_back(admin_client.get(page), description="ΤΚΦ 2024 (διορθωμένη)")
    assert admin_client.post(page, data).status_code == 302
    assert "ΤΚΦ 2024 (διορθωμένη)" in shown_at_once(citizen_client, before)


def test_a_debt_moved_to_another_debtor_leaves_the_first_overview_at_once(
    citizen_client, overdue, admin_client, make_debtor
):
    """Staff correcting whose a debt is: the debtor who no longer owes it sees that at once."""
    before = overview(citizen_client)
    assert "ΤΚΦ 2024" in before
    page = reverse("admin:debts_debt_change", args=[overdue.pk])
    data = posted_back(admin_client.get(page), debtor=make_debtor().pk)
    assert admin_client.post(page, data).status_code == 302
    assert "ΤΚΦ 2024" not in shown_at_once(citizen_client, before)


def test_a_new_name_of_the_debtor_shows_at_once(citizen_client, debtor):
    before = overview(citizen_client)
    debtor.last_name = "ΠΑΠΑΔΟΠΟΥΛΟΥ"
    debtor.save()
    assert "ΠΑΠΑΔΟΠΟΥΛΟΥ ΓΙΩΡΓΟΣ" in shown_at_once(citizen_client, before)


def test_a_revenue_type_renamed_shows_on_every_overview(citizen_client, overdue):
    before = overview(citizen_client, "en")
    revenue_type = RevenueType.objects.get(pk=overdue.revenue_type_id)
    revenue_type.name_en = "Waste collection and street lighting"
    revenue_type.save()
    page = shown_at_once(citizen_client, before, "en")
    assert "Waste collection and street lighting" in page


def test_the_surcharges_are_those_of_the_day(citizen_client, overdue, today_is):
    today_is(date(2025, 6, 15))
    before = overview(citizen_client)
    today_is(date(2025, 8, 15))
    shown_at_once(citizen_client, before)
    assert str(overdue.surcharge(date(2025, 8, 15))).replace(".", ",") in overview(citizen_client)


def test_a_rolled_back_change_bumps_nothing(
    citizen_client, debtor, overdue, make_debt, django_assert_num_queries
):
    before = overview(citizen_client)
    with pytest.raises(RuntimeError), transaction.atomic():
        make_debt(debtor, "99.00", description="Εγγραφή που αναιρέθηκε")
        raise RuntimeError
    with django_assert_num_queries(1):  # the ledger version, then still the kept render
        assert overview(citizen_client) == before
    assert not Debt.objects.filter(description="Εγγραφή που αναιρέθηκε").exists()


def test_two_citizens_never_see_each_others_overview(client, make_citizen, make_debt):
    alpha, beta = make_citizen(), make_citizen()
    make_debt(alpha.debtor, "11.00", description="Οφειλή Α-111")
    make_debt(beta.debtor, "22.00", description="Οφειλή Β-222")
    for _ in range(2):  # rendered, then kept
        for user, own, other in ((alpha, "Α-111", "Β-222"), (beta, "Β-222", "Α-111")):
            client.force_login(user)
            page = overview(client)
            assert user.debtor.afm in page
            assert own in page
            assert other not in page


def test_greek_and_english_are_kept_apart(citizen_client, debtor, make_debt):
    make_debt(debtor, "45.00", description="Λογαριασμός 2025")
    for _ in range(2):  # rendered, then kept
        greek, english = overview(citizen_client), overview(citizen_client, "en")
        assert "Τέλη καθαριότητας και φωτισμού" in greek
        assert "Cleaning and lighting fees" not in greek
        assert "Cleaning and lighting fees" in english
        assert "Τέλη καθαριότητας και φωτισμού" not in english


def test_the_overview_is_right_without_a_cache(citizen_client, debtor, make_debt, settings, caplog):
    make_debt(debtor, "45.00", description="Λογαριασμός 2025")
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    settings.CACHES = {
        **settings.CACHES,
        "default": {  # nothing listens on port 1
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    assert "Λογαριασμός 2025" in overview(citizen_client)
    make_debt(debtor, "12.00", description="Πρόστιμο στάθμευσης")  # its bump fails
    assert "Πρόστιμο στάθμευσης" in overview(citizen_client)
    assert "Could not bump" in caplog.text
