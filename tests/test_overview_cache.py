"""The overview kept rendered in the cache (``thermi_portal.ledger_cache``) changes the moment the
ledger does, for its own citizen only, in each language, and is still right without a cache.

The page is kept under the debtor's ``ledger_version``, which every writer raises in its own
transaction (the services through ``lock_debtor``, the admin's saves through ``touch_ledgers``):
so a change shows from its commit on, and a change rolled back shows nothing. These tests commit
(a transactional database), as a real request does. Each change is checked twice: the page shows
it, and it is the page a render without the cache gives.
"""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from debts import services
from debts.models import AssessmentNote, Debt, RevenueType
from debts.services import build_notice, expire_notices
from payments.models import Payment
from payments.services import settle
from tests.test_admin import posted_back
from thermi_portal import ledger_cache

pytestmark = pytest.mark.django_db(transaction=True)


def overview(client, language: str = "el") -> str:
    """The main part of the overview (outside it, each page carries its own CSRF tokens)."""
    with translation.override(language):
        response = client.get(reverse("citizen:overview"))
    assert response.status_code == 200, response.status_code
    return re.search(r"<main.*</main>", response.content.decode(), re.DOTALL).group()


def shows(page: str, notice) -> bool:
    """Whether the overview shows ``notice``: its RF to read (in groups) and its link."""
    link = f'href="{reverse("citizen:notice", args=[notice.pk])}"'
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert (link in page) == (notice.formatted_rf in text), "a link without its RF, or back"
    return link in page


def shown_at_once(client, before: str, language: str = "el") -> str:
    """The overview after a change: not the one ``before`` it, and the one a fresh render gives."""
    page = overview(client, language)
    assert page != before
    cache.clear()
    assert overview(client, language) == page
    return page


def assessed(debtor, note: AssessmentNote, revenue) -> Debt:
    """A debt certified by an assessment note."""
    return Debt.objects.create(
        debtor=debtor,
        revenue_type=revenue["tap"],
        description="Διαφορά ΤΑΠ",
        principal=Decimal("30.00"),
        certified_on=note.issued_on,
        due_date=note.issued_on + timedelta(days=30),
        assessment_note=note,
    )


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
    # The session is read, then the account with its card, whose ledger version names the page
    # kept in the cache.
    with django_assert_num_queries(2) as context:
        assert overview(citizen_client) == first
    assert "django_session" in context.captured_queries[0]["sql"]
    assert "debts_debtor" in context.captured_queries[1]["sql"]


def test_a_new_notice_shows_at_once(citizen_client, debtor, overdue):
    before = overview(citizen_client)
    notice = build_notice(debtor, debts=[overdue])
    assert shows(shown_at_once(citizen_client, before), notice)


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
    assert not shows(page, notice)


def test_an_expired_notice_shows_at_once(citizen_client, debtor, overdue):
    notice = build_notice(debtor, debts=[overdue])
    before = overview(citizen_client)
    assert shows(before, notice)
    assert expire_notices(today=notice.valid_until + timedelta(days=1)) == 1
    page = shown_at_once(citizen_client, before)
    assert "ΤΚΦ 2024" in page
    assert not shows(page, notice)


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


def test_an_admin_edit_of_the_debtor_shows_at_once(citizen_client, debtor, admin_client):
    before = overview(citizen_client)
    page = reverse("admin:debts_debtor_change", args=[debtor.pk])
    data = posted_back(admin_client.get(page), last_name="ΠΑΠΑΔΟΠΟΥΛΟΥ")
    assert admin_client.post(page, data).status_code == 302
    assert "ΠΑΠΑΔΟΠΟΥΛΟΥ ΓΙΩΡΓΟΣ" in shown_at_once(citizen_client, before)


def test_a_new_name_of_the_debtor_saved_anywhere_shows_at_once(citizen_client, debtor):
    """The card's own fields come with the version, from the same row: any save shows."""
    before = overview(citizen_client)
    debtor.last_name = "ΠΑΠΑΔΟΠΟΥΛΟΥ"
    debtor.save()
    assert "ΠΑΠΑΔΟΠΟΥΛΟΥ ΓΙΩΡΓΟΣ" in shown_at_once(citizen_client, before)


def test_a_revenue_type_renamed_in_the_admin_shows_on_every_overview(
    citizen_client, overdue, admin_client
):
    before = overview(citizen_client, "en")
    page = reverse("admin:debts_revenuetype_change", args=[overdue.revenue_type_id])
    data = posted_back(admin_client.get(page), name_en="Waste collection and street lighting")
    assert admin_client.post(page, data).status_code == 302
    page = shown_at_once(citizen_client, before, "en")
    assert "Waste collection and street lighting" in page
    assert RevenueType.objects.get(pk=overdue.revenue_type_id).name_en in page


def test_an_assessment_note_renumbered_in_the_admin_shows_at_once(
    citizen_client, debtor, revenue, admin_client
):
    note = AssessmentNote.objects.create(
        number="ΒΣ-2025/17", issued_on=date(2025, 3, 1), reason="Αυθαίρετη κατάληψη"
    )
    assessed(debtor, note, revenue)
    before = overview(citizen_client)
    assert "ΒΣ-2025/17" in before
    page = reverse("admin:debts_assessmentnote_change", args=[note.pk])
    data = posted_back(admin_client.get(page), number="ΒΣ-2025/18")
    assert admin_client.post(page, data).status_code == 302
    assert "ΒΣ-2025/18" in shown_at_once(citizen_client, before)


def test_a_scheme_renamed_in_the_admin_shows_at_once(
    citizen_client, debtor, overdue, make_settlement, admin_client
):
    settlement = make_settlement(debtor, [overdue], installments=6)
    before = overview(citizen_client)
    page = reverse("admin:debts_settlementscheme_change", args=[settlement.scheme_id])
    data = posted_back(admin_client.get(page), name="Πρόγραμμα 48 δόσεων (νέο)")
    assert admin_client.post(page, data).status_code == 302
    assert "Πρόγραμμα 48 δόσεων (νέο)" in shown_at_once(citizen_client, before)


def test_the_surcharges_are_those_of_the_day(citizen_client, overdue, today_is):
    today_is(date(2025, 6, 15))
    before = overview(citizen_client)
    today_is(date(2025, 8, 15))
    shown_at_once(citizen_client, before)
    assert str(overdue.surcharge(date(2025, 8, 15))).replace(".", ",") in overview(citizen_client)


def test_a_rolled_back_change_keeps_the_kept_page(
    citizen_client, debtor, overdue, make_debt, django_assert_num_queries
):
    before = overview(citizen_client)
    with pytest.raises(RuntimeError), transaction.atomic():
        debtor = services.lock_debtor(debtor.pk)
        make_debt(debtor, "99.00", description="Εγγραφή που αναιρέθηκε")
        raise RuntimeError
    with django_assert_num_queries(2):  # the session, the account with its card; the kept page
        assert overview(citizen_client) == before
    assert not Debt.objects.filter(description="Εγγραφή που αναιρέθηκε").exists()


def test_an_overview_takes_at_most_six_queries_whatever_the_number_of_debts(
    citizen_client,
    debtor,
    make_debt,
    make_settlement,
    revenue,
    django_assert_max_num_queries,
):
    """A first visit of the day: nothing kept, the session read from the database."""
    for year in range(2000, 2025):
        build_notice(debtor, debts=[make_debt(debtor, "10.00", due_date=date(year, 12, 31))])
        make_debt(debtor, "5.00", description=f"Αβεβαίωτη {year}")
    for number in range(5):
        note = AssessmentNote.objects.create(
            number=f"ΒΣ-{number}", issued_on=date(2025, 3, 1), reason="Αυθαίρετη κατάληψη"
        )
        assessed(debtor, note, revenue)
    for _ in range(3):
        debts = [make_debt(debtor, "150.00", due_date=date(2023, 6, 30)) for _ in range(4)]
        settlement = make_settlement(debtor, debts, installments=12)
        build_notice(debtor, installments=list(settlement.installments.all()[:2]))
    cache.clear()
    with django_assert_max_num_queries(6):
        page = overview(citizen_client)
    assert page.count('title="Αβεβαίωτη') == 25
    assert settlement.number in page


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
    settings.CACHES = {
        **settings.CACHES,
        "default": {  # nothing listens on port 1
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    assert "Λογαριασμός 2025" in overview(citizen_client)
    with transaction.atomic():
        make_debt(services.lock_debtor(debtor.pk), "12.00", description="Πρόστιμο στάθμευσης")
    assert "Πρόστιμο στάθμευσης" in overview(citizen_client)
    assert "The cache failed" in caplog.text


def test_a_deploy_that_changes_only_static_files_keys_pages_anew(settings, tmp_path):
    """In production a stylesheet's URL carries its content's hash (the collected files'
    manifest): a page kept before a deploy that changed only CSS would link a file gone."""
    settings.STATIC_ROOT = tmp_path
    manifest = tmp_path / "staticfiles.json"
    releases = []
    for content in (None, '{"paths": {"css/portal.css": "css/portal.1.css"}}', '{"paths": {}}'):
        if content is not None:
            manifest.write_text(content)
        ledger_cache.release.cache_clear()
        releases.append(ledger_cache.release())
    ledger_cache.release.cache_clear()
    assert len(set(releases)) == 3
