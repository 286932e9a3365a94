"""Defects found in the review of the day's small fixes (the lead's review)."""

import importlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from debts.models import PaymentNotice, registry_name
from debts.selectors import cause_as_read, owed_today
from debts.services import build_notice
from payments.models import Channel


@pytest.fixture
def lapsed_and_open(make_debtor, make_debt):
    """Two notices: one past its validity the nightly sweep has not recorded yet, one open."""
    debtor = make_debtor()
    lapsed = build_notice(debtor, debts=[make_debt(debtor, "10.00")])
    current = build_notice(debtor, debts=[make_debt(debtor, "20.00")])
    PaymentNotice.objects.filter(pk=lapsed.pk).update(
        valid_until=timezone.localdate() - timedelta(days=1)
    )
    return lapsed, current


@pytest.mark.parametrize(
    ("status", "which"),
    [(PaymentNotice.Status.OPEN, "current"), (PaymentNotice.Status.EXPIRED, "lapsed")],
)
def test_the_notices_filtered_by_status_are_those_the_list_shows_so(
    admin_client, lapsed_and_open, status, which
):
    """The list shows each notice's status today; its filter picks by the same, or «Προς
    πληρωμή» lists a notice it shows as «Έληξε», and «Έληξε» misses it."""
    lapsed, current = lapsed_and_open
    changelist = reverse("admin:debts_paymentnotice_changelist")
    response = admin_client.get(changelist, {"status__exact": status})
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert shown == [{"lapsed": lapsed, "current": current}[which]]


def test_the_notices_ordered_by_status_go_by_their_status_today(admin_client, lapsed_and_open):
    lapsed, current = lapsed_and_open
    changelist = reverse("admin:debts_paymentnotice_changelist")
    cl = admin_client.get(changelist).context["cl"]
    column = [getattr(f, "__name__", f) for f in cl.list_display].index("notice_status")
    for direction, first in (("", lapsed), ("-", current)):  # «expired» < «open»
        shown = admin_client.get(changelist, {"o": f"{direction}{column}"}).context["cl"]
        assert shown.result_list[0] == first, direction


NAMES_TYPED = [
    # Every letter a look-alike, one typed on the other keyboard: the alphabet of the others.
    ("\u039cike", "MIKE"),  # Greek Μ
    ("\u039aate Smith", "KATE SMITH"),  # Greek Κ
    ("T\u03bfm", "TOM"),  # Greek ο
    ("ΜAΡΙΑ", "ΜΑΡΙΑ"),  # Latin A in a Greek name
    ("ΚAΤΕ", "ΚΑΤΕ"),
    # As before: the other letters tell.
    ("ΠAΠAΔOΠOYΛOΣ", "ΠΑΠΑΔΟΠΟΥΛΟΣ"),
    ("\u0397elen", "HELEN"),
    ("Παπαδopoulos", "ΠΑΠΑΔOPOULOS"),
    ("Ζάιμης", "ΖΑΪΜΗΣ"),
]


@pytest.mark.parametrize(("typed", "kept"), NAMES_TYPED)
def test_a_name_all_of_look_alikes_keeps_the_alphabet_most_of_it_was_typed_in(typed, kept):
    """«Μike» (Μ typed on the Greek keyboard) was made the Greek ΜΙΚΕ: every Latin letter
    looked Greek, so the run went Greek before the Greek letters were asked, and the cashier
    typing «Mike» found nobody. As «Ηelen» is HELEN, a slip of one letter is the other's."""
    assert registry_name(typed) == kept


def test_migration_0015_keeps_names_as_registry_name_does():
    """The migration carries its own copy of the rule (models change; a migration must not):
    the names it writes are those the admin and rolls write today."""
    migration = importlib.import_module("debts.migrations.0015_debtor_names_as_registry")
    typed_names = [typed for typed, _kept in NAMES_TYPED] + [
        # Each branch of the rule: hyphens and apostrophes joining two alphabets, a diaeresis
        # kept or written where an accent parted two vowels, spaces, digits, lower case.
        "Παπαδοπούλου-Smith",
        "O'Brien-Κωνσταντίνου",
        "ΠAΠAΔOΠOYΛOY-ΜΑΡΙΝΟΥ",
        "Νικολαΐδης",
        "Μπόικος",
        "Κάουφμαν",
        "Αίγινα",
        "Ευάγγελος",
        "J\u03bfhn  Smith",
        "  Market   Ltd 2 ",
        "ΑΦΟΙ Ζάιμη Ο.Ε.",
        "",
    ]
    for typed in typed_names:
        assert migration._registry_name(typed) == registry_name(typed), typed


@pytest.mark.parametrize("typed", ["πουλοπουλου ραισα", "ραισα πουλοπουλου", "ΡΑΙΣΑ"])
def test_the_admin_finds_a_diaeresis_typed_without_one_after_other_words(
    admin_client, make_debtor, typed
):
    """The spellings varied the first three places of the whole term where a diaeresis may
    stand: ΠΟΥΛΟΠΟΥΛΟΥ's three ΟΥ took them, and ΡΑΪΣΑ typed after it was never tried."""
    debtor = make_debtor(last_name="ΠΟΥΛΟΠΟΥΛΟΥ", first_name="ΡΑΪΣΑ")
    make_debtor(last_name="ΠΟΥΛΟΠΟΥΛΟΥ", first_name="ΜΑΡΙΑ")
    found = admin_client.get(reverse("admin:debts_debtor_changelist"), {"q": typed})
    assert list(found.context["cl"].result_list) == [debtor]


def test_owed_today_posts_a_settlement_s_surcharges_apart_from_its_principal(
    make_debtor, make_debt, make_settlement
):
    """«Οφειλή σήμερα» counted an installment's principal whole as principal, where the
    installment pays also the surcharges the settlement took in, and its receipt (and the
    collections report) posts them as surcharges: the row now splits it as the receipt will."""
    debtor = make_debtor()
    debt = make_debt(debtor, "300.00", due_date=date(2024, 1, 31))
    settlement = make_settlement(debtor, [debt], installments=3)
    assert settlement.surcharge > 0
    installments = settlement.installments.all()

    (row,) = owed_today(debtor)["rows"]

    assert row.principal == Decimal("300.00")
    assert row.surcharge == settlement.surcharge  # no installment late yet
    assert row.interest == sum(i.interest for i in installments)
    assert row.total == sum(i.amount for i in installments)


def test_the_notices_status_filter_counts_by_the_status_shown(admin_client, lapsed_and_open):
    """With the admin's counts shown, each choice counts the notices it lists."""
    changelist = reverse("admin:debts_paymentnotice_changelist")
    html = admin_client.get(changelist, {"_facets": "True"}).content.decode()
    assert f"{PaymentNotice.Status.OPEN.label} (1)" in html
    assert f"{PaymentNotice.Status.EXPIRED.label} (1)" in html


@pytest.mark.parametrize("language", ["el", "en"])
@pytest.mark.parametrize("channel", Channel)
def test_a_payment_s_cause_names_its_channel_as_payments_labels_it(channel, language):
    """``debts`` may not import ``payments``, so ``cause_as_read`` keeps its own copy of the
    channels' labels: a channel added, or a label changed, in ``payments.models.Channel`` shows
    here, not as a debt's history that says another name or fails on the card page."""
    with translation.override(language):
        said = cause_as_read(f"{channel} payment ΤΑΜ-1")  # as payments.services records it
        assert said == translation.gettext("πληρωμή: %(channel)s") % {"channel": channel.label}
