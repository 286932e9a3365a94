"""The citizen's pages, through the test client: what they show, in Greek and English, and what
they refuse. Today is fixed, so every surcharge on the page is a known figure."""

import html as html_module
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from debts.models import AssessmentNote, Debt, NoticeItem, ParavoloType, PaymentNotice
from debts.services import build_notice, cancel_notice
from payments.models import Payment
from payments.services import settle

TODAY = date(2025, 6, 15)


@pytest.fixture(autouse=True)
def fixed_today(today_is):
    return today_is(TODAY)


@pytest.fixture
def debtor(citizen_client):
    return citizen_client.debtor


@pytest.fixture
def everything(debtor, make_everything):
    """A debt in every group, a settlement, a paid debt and a notice on the certified debt."""
    return make_everything(debtor)


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def text_of(html: str) -> str:
    """The page's words without tags and with spaces made plain, for reading figures."""
    words = html_module.unescape(re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ")
    return re.sub(r"\s+", " ", words)


# --- Overview --------------------------------------------------------------------------------


def test_overview_groups_totals_surcharges_and_open_notice(citizen_client, everything):
    html = html_of(citizen_client.get(reverse("citizen:overview")))
    text = text_of(html)

    assert '<html lang="el">' in html
    assert html.count("<h1") == 1
    for heading in (
        "Βεβαιωμένες οφειλές",
        "Οφειλές σε ρύθμιση",
        "Αβεβαίωτες οφειλές",
        "Βεβαιωτικά σημειώματα",
        "Παράβολα",
    ):
        assert f">{heading}</h2>" in html
    # 200 € due 31/12/2024: six started months at 0.73 % by 15/06/2025.
    assert "ΤΚΦ 2024" in text and "200,00 € 8,76 € 208,76 €" in text
    # 80 € due 17/01/2025: four started months.
    assert "80,00 € 2,92 € 82,92 €" in text
    assert "45,00 € 0,00 € 45,00 €" in text
    assert "4,50 € 0,00 € 4,50 €" in text
    notice = everything["notice"]
    assert f'href="{reverse("citizen:notice", args=[notice.pk])}"' in html
    assert notice.formatted_rf in text_of(html)

    settlement = everything["settlement"]
    first = settlement.installments.get(number=1)
    assert f"Ρύθμιση {settlement.number}" in text
    assert "Δόση 1, λήξη " + (TODAY + timedelta(days=20)).strftime("%d/%m/%Y") in text
    assert f"{first.amount:.2f}".replace(".", ",") in text
    remaining = sum(i.amount for i in settlement.installments.all())
    total = Decimal("208.76") + Decimal("45.00") + Decimal("4.50") + Decimal("82.92") + remaining
    assert f"οφείλετε συνολικά {total:.2f}".replace(".", ",") in text
    assert "Εξοφλημένη οφειλή" not in text

    assert f'href="{reverse("surcharges")}">Πώς υπολογίζονται οι προσαυξήσεις</a>' in html
    assert f'href="{reverse("citizen:notice_new")}"' in html
    assert "κάρτα" not in text.lower()  # no card payment before payments by card exist


def test_overview_in_english(citizen_client, everything):
    html = html_of(citizen_client.get("/en" + reverse("citizen:overview")))
    assert '<html lang="en">' in html
    text = text_of(html)
    assert "Cleaning and lighting fees" in text
    assert "200.00 € 8.76 € 208.76 €" in text
    assert everything["notice"].formatted_rf in text
    # Day first, as on the Greek page: 15/06/2025, never the American 06/15/2025.
    assert "On 15/06/2025 you owe" in text
    assert "Permanent settlement, 24 installments" in text
    assert "Πάγια ρύθμιση" not in text
    due = (TODAY + timedelta(days=20)).strftime("%d/%m/%Y")
    assert f"Installment 1, due {due}" in text


def test_overview_of_a_citizen_who_owes_nothing(citizen_client):
    text = text_of(html_of(citizen_client.get(reverse("citizen:overview"))))
    assert "Δεν έχετε ανεξόφλητες οφειλές" in text


def test_how_surcharges_are_computed_is_a_public_page(client):
    """The same for everyone: the overview links it rather than carrying it on every visit."""
    text = text_of(html_of(client.get(reverse("surcharges"))))
    assert "Πώς υπολογίζονται οι προσαυξήσεις" in text
    assert "0,73 % του κεφαλαίου για κάθε μήνα" in text
    assert "παγώνει" in text
    assert "μετρά 3 μήνες καθυστέρησης" in text
    english = text_of(html_of(client.get("/en" + reverse("surcharges"))))
    assert "How late-payment surcharges are calculated" in english


def test_the_surcharges_page_explains_the_completed_month_rule_when_set(settings, client):
    settings.SURCHARGE_MONTH_RULE = "completed"
    text = text_of(html_of(client.get(reverse("surcharges"))))
    assert "Μετρούν μόνο οι μήνες που έχουν συμπληρωθεί" in text
    assert "μετρά 2 μήνες καθυστέρησης και επιβαρύνεται με 1,46 €" in text


def test_overview_in_ten_queries_whatever_the_number_of_debts(
    citizen_client, debtor, make_debt, make_settlement, revenue, django_assert_max_num_queries
):
    for n in range(30):
        debt = make_debt(debtor, f"{n + 1}.00", due_date=date(2024, 3, 31))
        make_debt(debtor, f"{n + 1}.50", description=f"Λογαριασμός {n}")
        make_debt(debtor, "4.50", kind="paravolo", description=f"Παράβολο {n}")
        note = AssessmentNote.objects.create(number=f"ΒΣ-{n}", issued_on=TODAY, reason="ΤΑΠ")
        Debt.objects.create(
            debtor=debtor,
            revenue_type=revenue["tap"],
            description=f"Διαφορά ΤΑΠ {n}",
            principal=Decimal("30.00"),
            certified_on=TODAY,
            due_date=date(2025, 2, 1),
            assessment_note=note,
        )
        if n % 3 == 0:
            build_notice(debtor, debts=[debt])
    for _ in range(3):
        settled = make_debt(debtor, "900.00", due_date=date(2024, 1, 31))
        settlement = make_settlement(debtor, [settled], installments=12, first_due_in_days=-20)
        build_notice(debtor, installments=[settlement.installments.get(number=2)])

    with django_assert_max_num_queries(10):
        html = html_of(citizen_client.get(reverse("citizen:overview")))
    # The 10 certified debts on notices; the installments on a notice are not the next ones.
    assert html.count('class="portal-rf"') == 10


@pytest.mark.parametrize("language", ["el", "en"])
def test_every_page_in_greek_and_english(citizen_client, everything, language):
    prefix = "" if language == "el" else "/en"
    paravolo_type = ParavoloType.objects.create(
        name="Παράβολο", name_en="Fee", revenue_type=everything["paravolo"].revenue_type, amount=1
    )
    paths = [
        reverse("citizen:overview"),
        reverse("citizen:card"),
        reverse("citizen:notices"),
        reverse("citizen:notice", args=[everything["notice"].pk]),
        reverse("citizen:notice_new"),
        reverse("citizen:paravola"),
        reverse("citizen:paravolo_issue", args=[paravolo_type.pk]),
    ]
    pages = [citizen_client.get(prefix + path) for path in paths]
    pages.append(citizen_client.post(prefix + paths[4], {"debts": [everything["water"].pk]}))
    for page in pages:
        html = html_of(page)
        assert f'<html lang="{language}">' in html
        assert html.count("<h1") == 1
        assert page["Content-Language"] == language


def test_the_overview_needs_a_login(client):
    response = client.get(reverse("citizen:overview"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=/debts/")


def test_staff_without_a_card_get_the_explanation(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("citizen:overview"))
    assert response.status_code == 403
    assert "δεν έχει καρτέλα οφειλέτη" in response.content.decode()


@pytest.mark.parametrize(
    ("method", "asked", "then"),
    [
        ("get", "/debts/", "%2Fdebts%2F"),
        # The page asked for, its query too, not the overview every time.
        ("get", "/notices/?page=2", "%2Fnotices%2F%3Fpage%3D2"),
        # A form posted is not posted again: on to the overview.
        ("post", "/notices/new/confirm/", "%2Fdebts%2F"),
    ],
)
def test_an_account_without_a_password_sets_one_first(citizen_client, method, asked, then):
    user = User.objects.get(debtor=citizen_client.debtor)
    user.set_unusable_password()
    user.save()
    citizen_client.force_login(user)
    response = getattr(citizen_client, method)(asked)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_set_password')}?next={then}"


# --- Home and navigation ---------------------------------------------------------------------


def test_home_offers_taxisnet_first_then_email(client):
    html = html_of(client.get("/"))
    taxisnet = html.index(f'action="{reverse("taxisnet_login")}"')
    email = html.index(f'href="{reverse("account_login")}"')
    assert taxisnet < email
    assert 'method="post" action="' + reverse("taxisnet_login") in html
    assert "Σύνδεση με TaxisNet" in html and "Σύνδεση με email και κωδικό" in html
    assert 'aria-label="Κύριο μενού"' not in html


def test_home_sends_a_logged_in_citizen_to_their_debts(citizen_client):
    response = citizen_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("citizen:overview")
    assert citizen_client.get("/en/")["Location"] == "/en/debts/"


def test_the_menu_of_a_logged_in_citizen(citizen_client):
    html = html_of(citizen_client.get(reverse("citizen:card")))
    for name in ("overview", "card", "notices", "notice_new", "paravola"):
        assert f'href="{reverse(f"citizen:{name}")}"' in html
    assert f'href="{reverse("payments:history")}"' in html
    assert f'href="{reverse("receipts:certificates")}"' in html
    assert f'href="{reverse("account_email")}"' in html
    assert f'<a class="govgr-link" href="{reverse("citizen:card")}" aria-current="page">' in html
    assert html.count('aria-current="page"') == 1  # the page shown, and only it
    # Logging out is a POST, with its CSRF token.
    logout = html.index(f'action="{reverse("account_logout")}"')
    assert 'method="post"' in html[logout - 40 : logout]
    assert "csrfmiddlewaretoken" in html[logout : logout + 400]


# --- Debtor card -----------------------------------------------------------------------------


def test_the_card_holds_identity_every_debt_with_history_settlements_and_payments(
    citizen_client, debtor, everything
):
    debtor.tax_office = "Ζ' Θεσσαλονίκης"
    debtor.street, debtor.postal_code, debtor.city = "Βασ. Όλγας 12", "57001", "Θέρμη"
    debtor.phone = "2310000000"
    debtor.save()
    notice = everything["notice"]
    receipt = settle(
        channel=Payment.Channel.BANK,
        reference="DIAS-1",
        amount=notice.total,
        received_at=timezone.now(),
        notice=notice,
    ).receipt
    Debt.states.advance(everything["water"], Debt.Status.CANCELLED, cause="λάθος χρέωση")

    html = html_of(citizen_client.get(reverse("citizen:card")))
    text = text_of(html)
    assert debtor.afm in text and "ΠΑΠΑΔΟΠΟΥΛΟΣ" in text and "ΓΙΩΡΓΟΣ" in text
    assert "Βασ. Όλγας 12, 57001 Θέρμη" in text and "Ζ' Θεσσαλονίκης" in text
    assert "2310000000" in text
    for description in ("ΤΚΦ 2024", "Εξοφλημένη οφειλή", "Λογαριασμός νερού", "ΤΑΠ 2023"):
        assert description in text
    for status in ("Εξοφλημένη", "Ακυρωμένη", "Σε ρύθμιση", "Ανοικτή"):
        assert status in text
    assert "από «Ανοικτή» σε «Ακυρωμένη» (λάθος χρέωση)" in text
    assert "Βεβαιωτικό σημείωμα ΒΣ-9/2025" in text
    assert f"Ρύθμιση {everything['settlement'].number}" in text
    assert notice.formatted_rf in text  # the payments table
    assert f"{notice.total:.2f}".replace(".", ",") in text
    # The debt shows what paid it: the receipt, principal and surcharge apart.
    line = receipt.line_amounts[0]
    principal, surcharge = (f"{line[k]:.2f}".replace(".", ",") for k in ("principal", "surcharge"))
    assert (
        f"απόδειξη {receipt.display_number}, κεφάλαιο {principal} €, προσαυξήσεις {surcharge} €"
        in text
    )


def test_the_card_of_a_citizen_with_nothing(citizen_client):
    text = text_of(html_of(citizen_client.get(reverse("citizen:card"))))
    assert "Δεν έχει καταχωριστεί καμία οφειλή σας." in text
    assert "Δεν έχει καταχωριστεί καμία πληρωμή σας." in text


def test_the_card_in_english(citizen_client, everything):
    html = html_of(citizen_client.get("/en" + reverse("citizen:card")))
    assert '<html lang="en">' in html
    assert "Property tax" in html


# --- Notices ---------------------------------------------------------------------------------


def test_notice_list_newest_first_and_detail(citizen_client, debtor, everything, make_debt):
    older = everything["notice"]
    newer = build_notice(debtor, debts=[everything["water"]])
    cancel_notice(newer, cause="test")

    html = html_of(citizen_client.get(reverse("citizen:notices")))
    assert text_of(html).index(newer.formatted_rf) < text_of(html).index(older.formatted_rf)
    assert "Ακυρώθηκε" in html and "Προς πληρωμή" in html

    url = reverse("citizen:notice", args=[older.pk])
    greek = html_of(citizen_client.get(url))
    assert older.valid_until.strftime("%d/%m/%Y") in text_of(greek)
    assert "208,76 €" in text_of(greek)
    english = html_of(citizen_client.get("/en" + url))
    assert "208.76 €" in text_of(english)
    for html in (greek, english):
        big_rf = html.partition('class="portal-rf portal-rf--big">')[2].partition("</p>")[0]
        assert text_of(big_rf).strip() == older.formatted_rf  # in groups of four
        assert f'data-copy="{older.rf_code}"' in html
        assert f"notices/{older.pk}/pdf/" in html


def test_a_notice_past_its_validity_asks_for_a_new_one_before_the_sweep(citizen_client, everything):
    notice = everything["notice"]
    url = reverse("citizen:notice", args=[notice.pk])
    assert "Πώς πληρώνεται" in text_of(html_of(citizen_client.get(url)))

    PaymentNotice.objects.filter(pk=notice.pk).update(
        valid_until=timezone.localdate() - timedelta(days=1)
    )
    text = text_of(html_of(citizen_client.get(url)))
    assert "Η ισχύς του ειδοποιητηρίου έληξε" in text
    assert "Πώς πληρώνεται" not in text
    expired = PaymentNotice.Status.EXPIRED.label
    for page in (url, reverse("citizen:notices")):
        tags = re.findall(r'class="portal-tag[^"]*">([^<]+)<', html_of(citizen_client.get(page)))
        assert tags == [expired], page


def test_notice_pdf_inline_and_as_download(citizen_client, everything):
    notice = everything["notice"]
    url = reverse("citizen:notice_pdf", args=[notice.pk])
    response = citizen_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{notice.rf_code}.pdf"'
    assert response.content.startswith(b"%PDF")
    download = citizen_client.get(url + "?download=1")
    assert download["Content-Disposition"] == f'attachment; filename="{notice.rf_code}.pdf"'


# --- Building a notice -----------------------------------------------------------------------


def post_choice(client, **ids):
    return client.post(reverse("citizen:notice_new"), ids)


def test_build_a_notice_choose_review_confirm(citizen_client, debtor, everything):
    water, assessed = everything["water"], everything["assessed"]
    first = everything["settlement"].installments.get(number=1)
    notice = everything["notice"]

    choice = html_of(citizen_client.get(reverse("citizen:notice_new")))
    for debt in (water, assessed, everything["paravolo"]):
        assert f'name="debts" value="{debt.pk}" id="debt-{debt.pk}"' in choice
        assert f'<label class="govgr-checkboxes__label" for="debt-{debt.pk}">' in choice
    assert f'name="installments" value="{first.pk}"' in choice
    # The debt on an open notice is shown with its RF and cannot be ticked.
    assert f'name="debts" value="{everything["certified"].pk}"' not in choice
    assert "Είναι ήδη στο ειδοποιητήριο" in choice and notice.formatted_rf in text_of(choice)

    review = html_of(
        post_choice(citizen_client, debts=[water.pk, assessed.pk], installments=[first.pk])
    )
    text = text_of(review)
    assert "Ελέγξτε το ειδοποιητήριο πριν το δημιουργήσετε" in text
    assert PaymentNotice.objects.count() == 1  # nothing built yet
    change = re.search(r'href="([^"]*notices/new/\?[^"]*)"', review).group(1)
    ticked = html_of(citizen_client.get(change.replace("&amp;", "&")))
    assert f'value="{water.pk}" id="debt-{water.pk}" checked' in ticked
    total = re.search(r'name="total" value="([0-9.]+)"', review).group(1)
    valid_until = re.search(r"Ισχύει έως (\d\d/\d\d/\d{4})", text).group(1)

    response = citizen_client.post(
        reverse("citizen:notice_confirm"),
        {"debts": [water.pk, assessed.pk], "installments": [first.pk], "total": total},
        follow=True,
    )
    built = PaymentNotice.objects.exclude(pk=notice.pk).get()
    assert response.redirect_chain == [(reverse("citizen:notice", args=[built.pk]), 302)]
    # What the review showed is what the notice froze.
    assert built.total == Decimal(total)
    assert built.valid_until.strftime("%d/%m/%Y") == valid_until
    assert f"{built.total:.2f}".replace(".", ",") + " €" in text
    assert built.origin == PaymentNotice.Origin.CITIZEN
    assert built.created_by.debtor == debtor
    assert set(built.items.values_list("debt", "installment")) == {
        (water.pk, None),
        (assessed.pk, None),
        (None, first.pk),
    }
    page = text_of(html_of(response))
    assert f"Δημιουργήθηκε το ειδοποιητήριο {built.formatted_rf}" in page
    assert "Πληρωμή με κάρτα" in page  # the button, on the notice just built


def test_the_review_shows_the_surcharge_frozen_to_the_validity_date(citizen_client, everything):
    assessed = everything["assessed"]
    text = text_of(html_of(post_choice(citizen_client, debts=[assessed.pk])))
    # Due 17/01/2025: the fifth month starts on 18/06, so the notice stays valid to 17/06.
    assert "2,92 €, παγωμένες έως 17/06/2025" in text
    assert "Ισχύει έως 17/06/2025" in text
    assert "82,92 €" in text


def test_nothing_picked_is_refused_on_the_page(citizen_client, everything):
    html = html_of(post_choice(citizen_client))
    assert 'class="govgr-error-summary"' in html
    assert "<title>Σφάλμα: Νέο ειδοποιητήριο" in html
    # The summary leads to the choice, which says what is wrong where a screen reader reads it.
    assert '<a class="govgr-link" href="#choice">Επιλέξτε τουλάχιστον μία οφειλή.</a>' in html
    assert 'id="choice" aria-describedby="choice-hint choice-error"' in html
    error = re.search(r'<p class="govgr-error-message" id="choice-error">(.*?)</p>', html, re.S)
    assert "Επιλέξτε τουλάχιστον μία οφειλή." in error.group(1)


def test_a_refusal_when_nothing_is_left_to_pick_links_nowhere(citizen_client, debtor, make_debt):
    debt = make_debt(debtor, "12.00")
    build_notice(debtor, debts=[debt])
    html = html_of(post_choice(citizen_client, debts=[debt.pk]))
    assert 'class="govgr-error-summary"' in html
    assert 'href="#choice"' not in html and 'id="choice"' not in html


def test_another_debtors_debt_is_not_found(citizen_client, everything, make_debtor, make_debt):
    stranger = make_debt(make_debtor(), "99.00")
    water = everything["water"]
    html = html_of(post_choice(citizen_client, debts=[water.pk, stranger.pk]))
    assert "Κάποια από τις οφειλές που επιλέξατε δεν βρέθηκε." in html
    assert f'value="{water.pk}" id="debt-{water.pk}" checked' in html
    assert "99,00" not in html

    response = citizen_client.post(
        reverse("citizen:notice_confirm"),
        {"debts": [stranger.pk], "total": "99.00"},
        follow=True,
    )
    assert "Κάποια από τις οφειλές που επιλέξατε δεν βρέθηκε." in html_of(response)
    assert not NoticeItem.objects.filter(debt=stranger).exists()
    assert PaymentNotice.objects.count() == 1


@pytest.mark.parametrize("garbled", ["abc", "-3", "1e3", "99999999999999999999999"])
def test_a_garbled_id_is_refused_clearly(citizen_client, everything, garbled):
    html = html_of(post_choice(citizen_client, debts=[garbled]))
    assert "Η επιλογή σας δεν διαβάστηκε." in html
    response = citizen_client.post(
        reverse("citizen:notice_confirm"), {"debts": [garbled], "total": "1.00"}, follow=True
    )
    assert "Η επιλογή σας δεν διαβάστηκε." in html_of(response)
    assert PaymentNotice.objects.count() == 1


def test_a_confirmation_sent_twice_shows_the_notice_it_built(citizen_client, everything):
    water = everything["water"]
    confirm = {"debts": [water.pk], "total": "45.00"}
    first = citizen_client.post(reverse("citizen:notice_confirm"), confirm)
    second = citizen_client.post(reverse("citizen:notice_confirm"), confirm, follow=True)

    built = PaymentNotice.objects.get(items__debt=water)
    assert first["Location"] == reverse("citizen:notice", args=[built.pk])
    assert second.redirect_chain == [(first["Location"], 302)]
    assert "έχει ήδη δημιουργηθεί" in html_of(second)


def test_a_debt_taken_by_another_notice_meanwhile_is_refused(citizen_client, debtor, everything):
    water, paravolo = everything["water"], everything["paravolo"]
    taken = build_notice(debtor, debts=[water])
    response = citizen_client.post(
        reverse("citizen:notice_confirm"),
        {"debts": [water.pk, paravolo.pk], "total": "49.50"},
        follow=True,
    )
    html = html_of(response)
    assert response.redirect_chain[0][0].startswith(reverse("citizen:notice_new") + "?")
    assert f"ειδοποιητήριο {taken.formatted_rf}" in html
    assert not NoticeItem.objects.filter(debt=paravolo).exists()


def test_amounts_other_than_those_reviewed_build_nothing(citizen_client, everything):
    assessed = everything["assessed"]
    response = citizen_client.post(
        reverse("citizen:notice_confirm"), {"debts": [assessed.pk], "total": "80.00"}, follow=True
    )
    assert "Τα ποσά άλλαξαν" in html_of(response)
    assert not NoticeItem.objects.filter(debt=assessed).exists()


def test_when_everything_is_on_notices_there_is_nothing_to_pick(citizen_client, debtor, make_debt):
    build_notice(debtor, debts=[make_debt(debtor, "12.00")])
    text = text_of(html_of(citizen_client.get(reverse("citizen:notice_new"))))
    assert "είναι ήδη σε ανοικτά ειδοποιητήρια" in text


# --- Παράβολα --------------------------------------------------------------------------------


@pytest.fixture
def objection(revenue):
    return ParavoloType.objects.create(
        name="Παράβολο ένστασης κατά προστίμου",
        name_en="Fee for an objection to a fine",
        revenue_type=revenue["paravolo"],
        amount=Decimal("4.50"),
        legal_basis="Απόφαση Δημοτικού Συμβουλίου",
        description="Κατατίθεται με την ένσταση κατά προστίμου.",
        description_en="Paid with an objection to a fine.",
    )


def test_the_catalogue_lists_active_paravola(citizen_client, objection, revenue):
    ParavoloType.objects.create(
        name="Παλιό παράβολο",
        name_en="Old fee",
        revenue_type=revenue["paravolo"],
        amount=Decimal("1.00"),
        active=False,
    )
    text = text_of(html_of(citizen_client.get(reverse("citizen:paravola"))))
    assert "Παράβολο ένστασης κατά προστίμου" in text
    assert "4,50 €" in text and "Απόφαση Δημοτικού Συμβουλίου" in text
    assert "Κατατίθεται με την ένσταση κατά προστίμου." in text
    assert "Παλιό παράβολο" not in text
    english = text_of(html_of(citizen_client.get("/en" + reverse("citizen:paravola"))))
    assert "Fee for an objection to a fine" in english and "4.50 €" in english
    assert "Paid with an objection to a fine." in english
    assert "Κατατίθεται" not in english


def test_a_citizen_with_an_empty_card_issues_a_paravolo(citizen_client, debtor, objection):
    url = reverse("citizen:paravolo_issue", args=[objection.pk])
    assert "Έκδοση παραβόλου και ειδοποιητηρίου" in html_of(citizen_client.get(url))
    assert not Debt.objects.filter(debtor=debtor).exists()  # a GET issues nothing

    response = citizen_client.post(url, follow=True)

    debt = Debt.objects.get(debtor=debtor)
    assert (debt.paravolo_type, debt.revenue_type, debt.principal) == (
        objection,
        objection.revenue_type,
        Decimal("4.50"),
    )
    assert debt.description == objection.name and not debt.is_certified
    notice = PaymentNotice.objects.get(items__debt=debt)
    assert notice.total == Decimal("4.50") and notice.origin == PaymentNotice.Origin.CITIZEN
    assert response.redirect_chain == [(reverse("citizen:notice", args=[notice.pk]), 302)]
    assert f"Πληρώστε το με τον κωδικό {notice.formatted_rf}" in html_of(response)
    card = text_of(html_of(citizen_client.get(reverse("citizen:card"))))
    assert "(Παράβολο ένστασης κατά προστίμου)" in card


def test_an_inactive_paravolo_is_not_found(citizen_client, debtor, objection):
    objection.active = False
    objection.save()
    url = reverse("citizen:paravolo_issue", args=[objection.pk])
    assert citizen_client.get(url).status_code == 404
    assert citizen_client.post(url).status_code == 404
    assert not Debt.objects.filter(debtor=debtor).exists()


def test_issuing_a_paravolo_again_while_one_waits_gives_the_same_notice(
    citizen_client, debtor, objection
):
    url = reverse("citizen:paravolo_issue", args=[objection.pk])
    citizen_client.post(url)
    again = citizen_client.post(url, follow=True)

    debt = Debt.objects.get(debtor=debtor)  # one debt, not two
    notice = PaymentNotice.objects.get(items__debt=debt)
    assert again.redirect_chain == [(reverse("citizen:notice", args=[notice.pk]), 302)]
    assert "Έχετε ήδη απλήρωτο παράβολο" in html_of(again)

    cancel_notice(notice, cause="test")
    citizen_client.post(url)  # the same unpaid παράβολο, on a new notice
    assert Debt.objects.get(debtor=debtor) == debt
    assert PaymentNotice.objects.filter(items__debt=debt, status="open").exclude(pk=notice.pk)


def test_the_database_keeps_one_unpaid_paravolo_of_a_type(debtor, objection):
    fields = {
        "debtor": debtor,
        "revenue_type": objection.revenue_type,
        "paravolo_type": objection,
        "description": objection.name,
        "principal": objection.amount,
    }
    Debt.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Debt.objects.create(**fields)
