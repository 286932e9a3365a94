"""What a cashier met at the counter, found by a review from the counter's side: each test
the page as the cashier used it, and what it must do."""

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from debts.models import Debt, Debtor, Property
from debts.services import build_notice, create_settlement
from payments.admin import SEARCH_LIMIT
from payments.models import Payment, Tender
from payments.services import settle
from receipts.models import Certificate, Receipt
from tests.conftest import valid_afm
from tests.test_counter import (  # noqa: F401 (fixtures)
    CASHIER,
    _ledger_stays_clean,
    cashier,
    counter_url,
    messages_of,
    staff_user,
)
from tests.test_tap_certificate_admin import issue


def pay_lines_by_pos(client, debtor, debts, slip: str, total: str):
    """Debts picked, reviewed, and paid by card with the POS slip ``slip``."""
    url = counter_url("counter_debtor", debtor.pk)
    review = client.post(url, {"debts": [debt.pk for debt in debts]})
    assert str(review.context["draft"].total) == total
    return client.post(
        url,
        {
            "debts": [debt.pk for debt in debts],
            "total": total,
            "confirm": "1",
            "tender": Tender.POS,
            "pos_slip": slip,
            "cash_reference": review.context["form"]["cash_reference"].value(),
        },
    )


def test_a_slip_typed_again_for_the_same_payers_other_debts_is_refused(
    client,
    cashier,  # noqa: F811
    debtor,
    make_debt,
):
    """Two card payments of one payer at the POS, of the same amount for other debts, and the
    first slip's number typed again: the second money is not the first form sent twice. It was
    taken for it, «not recorded again», and the second debt stayed open with its money
    unrecorded."""
    september = make_debt(debtor, "50.00", kind="nursery", description="Τροφεία Σεπτεμβρίου")
    october = make_debt(debtor, "50.00", kind="nursery", description="Τροφεία Οκτωβρίου")
    pay_lines_by_pos(client, debtor, [september], "RRN-7", "50.00")

    response = pay_lines_by_pos(client, debtor, [october], "RRN-7", "50.00")

    assert response.status_code == 200, "the page is shown again, with the refusal"
    assert any(
        "«RRN-7» έχει ήδη καταχωριστεί για άλλη πληρωμή" in message
        for message in messages_of(response)
    )
    assert Payment.objects.count() == 1 and Receipt.objects.count() == 1
    october.refresh_from_db()
    assert october.status == Debt.Status.OPEN
    assert not october.notice_items.exists(), "no notice is left behind for the refused money"


def test_the_same_lines_sent_twice_by_pos_are_recorded_once(
    client,
    cashier,  # noqa: F811
    debtor,
    make_debt,
):
    """The double click the check is there for still gets what the first recorded."""
    september = make_debt(debtor, "50.00", kind="nursery", description="Τροφεία Σεπτεμβρίου")
    first = pay_lines_by_pos(client, debtor, [september], "RRN-8", "50.00")
    url = counter_url("counter_debtor", debtor.pk)
    data = {
        "debts": [september.pk],
        "total": "50.00",
        "confirm": "1",
        "tender": Tender.POS,
        "pos_slip": "RRN-8",
        "cash_reference": "ΤΑΜ-" + "0" * 32,
    }

    second = client.post(url, data)

    assert second["Location"] == first["Location"]
    assert any("δεν καταχωρίστηκε ξανά" in message for message in messages_of(second))
    assert Payment.objects.count() == 1 and Receipt.objects.count() == 1


@pytest.mark.parametrize("typed", ["EL068933130", "EL 068933130", "el 068-933-130"])
def test_the_cashier_finds_the_debtor_and_receipts_by_afm_with_its_el_prefix(
    client,
    cashier,  # noqa: F811
    debtor,
    debts,
    typed,
):
    """An ΑΦΜ as a VAT number prints it, «EL 068933130», as the debtor's form itself takes it:
    the counter said «Δεν βρέθηκε οφειλέτης», and the receipts' list found none."""
    response = client.get(counter_url(), {"q": typed})

    assert response["Location"] == counter_url("counter_debtor", debtor.pk)

    notice = build_notice(debtor, debts=debts[:1])
    settled = settle(
        channel=Payment.Channel.COUNTER,
        reference="ΤΑΜ-1",
        amount=notice.total,
        received_at=timezone.now(),
        notice=notice,
        tender=Tender.CASH,
        recorded_by=cashier,
    )
    found = client.get(reverse("admin:receipts_receipt_changelist"), {"q": typed})
    assert list(found.context["cl"].result_list) == [settled.receipt]


def test_a_name_is_not_read_as_an_afm(client, cashier, make_debtor):  # noqa: F811
    """«Ελένη» and the like keep finding by name only."""
    eleni = make_debtor(last_name="ΕΛΕΥΘΕΡΙΟΥ", first_name="ΕΛΕΝΗ")
    make_debtor(last_name="ΠΑΠΑΔΟΠΟΥΛΟΣ")

    response = client.get(counter_url(), {"q": "Ελευθερίου"})

    assert response["Location"] == counter_url("counter_debtor", eleni.pk)


def test_the_certificate_the_cashier_asked_for_is_handed_over_with_the_receipt(
    client,
    cashier,  # noqa: F811
    debtor,
    make_debt,
):
    """A certificate of no ΤΑΠ debt asked at the counter for a property that owes: the cashier
    is sent to take the notice, and its payment issues the certificate. The page after the
    payment showed the receipt only: the certificate the payer came for was not to be found
    there."""
    home = Property.objects.create(
        debtor=debtor, address="Κ. Καραμανλή 40", supply_number="55566677", area=Decimal(60)
    )
    make_debt(debtor, "35.00", kind="tap", tap_property=home)
    asked = issue(client, debtor.afm, "55566677")
    form = client.get(asked["Location"]).context["form"]

    done = client.post(
        asked["Location"],
        {"tender": Tender.CASH, "cash_reference": form["cash_reference"].value()},
        follow=True,
    )

    certificate = Certificate.objects.get()
    page = done.content.decode()
    assert f"Εκδόθηκε η βεβαίωση μη οφειλής ΤΑΠ {certificate.display_number}." in page
    assert reverse("admin:receipts_certificate_pdf", args=[certificate.pk]) in page


@pytest.mark.parametrize(
    ("in_the_roll", "typed"),
    [
        ("Παπαδοπούλου Μαρία", "παπαδοπουλου"),  # as an ERP writes names, found without accents
        ("Παπαδοπούλου Μαρία", "ΠΑΠΑΔΟΠΟΥΛΟΥ"),
        ("ΠAΠAΔOΠOYΛOY MAPIA", "Παπαδοπούλου"),  # A, O, Y, M, P typed on the Latin keyboard
    ],
)
def test_a_debtor_a_roll_created_is_found_by_name_typed_any_way(
    client,
    cashier,  # noqa: F811
    revenue,
    write,
    in_the_roll,
    typed,
):
    """A roll names a new debtor as its file writes the name: the card kept it so, accents,
    small letters and Latin look-alikes included, while the search looks for names as the
    registry keeps them (capitals, no accents). The cashier typing the name without its
    accents, or in Greek, was told «Δεν βρέθηκε οφειλέτης»."""
    afm = valid_afm()
    path = write(
        "ΑΦΜ;Ονοματεπώνυμο;ΚΑΕ;Περίοδος;Περιγραφή;Κεφάλαιο;Λήξη;Ημερομηνία βεβαίωσης;"
        "Αριθμός καταλόγου\n"
        f"{afm};{in_the_roll};0311;2026;ΤΚΦ ακινήτου 1;120,50;31/12/2026;01/12/2026;ΒΚ-7/2026\n",
        "roll.csv",
    )
    call_command("import_debts", path, stdout=io.StringIO(), stderr=io.StringIO())
    debtor = Debtor.objects.get(afm=afm)

    response = client.get(counter_url(), {"q": typed})

    assert response.get("Location") == counter_url("counter_debtor", debtor.pk)
    # A word with a Greek letter is Greek; one wholly of look-alikes («MAPIA») may be Latin.
    assert debtor.last_name.startswith("ΠΑΠΑΔΟΠΟΥΛΟΥ ")


def test_a_latin_name_in_a_roll_stays_latin(revenue, write):
    """Only a word written in both alphabets is read as Greek: a company's Latin name is its
    own."""
    afm = valid_afm()
    path = write(
        "ΑΦΜ;Ονοματεπώνυμο;ΚΑΕ;Περίοδος;Περιγραφή;Κεφάλαιο;Λήξη;Ημερομηνία βεβαίωσης;"
        "Αριθμός καταλόγου\n"
        f"{afm};Thermi Market ΑΕ;0311;2026;ΤΚΦ ακινήτου 1;120,50;31/12/2026;01/12/2026;ΒΚ-7/2026\n",
        "roll.csv",
    )
    call_command("import_debts", path, stdout=io.StringIO(), stderr=io.StringIO())

    assert Debtor.objects.get(afm=afm).last_name == "THERMI MARKET ΑΕ"


def test_a_debtor_registered_in_the_admin_is_found_by_name_typed_without_accents(
    client,
    staff_user,  # noqa: F811
):
    """Revenue staff register a debtor typing the name as it is written, «Παπαδόπουλος»: the
    card kept the accents and small letters, and the cashier typing «παπαδοπουλος» found
    nobody."""
    afm = valid_afm()
    client.force_login(staff_user("Τμήμα Εσόδων"))
    add = reverse("admin:debts_debtor_add")
    page = client.get(add)
    data = {
        "afm": afm,
        "kind": Debtor.Kind.PERSON,
        "last_name": "Παπαδόπουλος",
        "first_name": "Γεώργιος",
        "father_name": "",
        "tax_office": "",
        "street": "",
        "postal_code": "",
        "city": "",
        "email": "",
        "phone": "",
    }
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data[f"{formset.prefix}-TOTAL_FORMS"] = "0"
        data[f"{formset.prefix}-INITIAL_FORMS"] = "0"
    assert client.post(add, data).status_code == 302
    debtor = Debtor.objects.get(afm=afm)
    assert (debtor.last_name, debtor.first_name) == ("ΠΑΠΑΔΟΠΟΥΛΟΣ", "ΓΕΩΡΓΙΟΣ")

    client.force_login(staff_user(CASHIER))
    response = client.get(counter_url(), {"q": "παπαδοπουλος"})

    assert response.get("Location") == counter_url("counter_debtor", debtor.pk)


def test_a_slip_too_long_is_not_said_to_be_missing(client, cashier, debtor, debts):  # noqa: F811
    """The slip typed with more than the field holds (the POS's whole line pasted): the page
    said, beside «at most 100 characters», «write the POS receipt's number», which the cashier
    had just done."""
    notice = build_notice(debtor, debts=debts[:1])
    url = counter_url("counter_notice", notice.pk)
    form = client.get(url).context["form"]

    response = client.post(
        url,
        {
            "tender": Tender.POS,
            "pos_slip": "RRN 123456789012 " + "x" * 90,
            "cash_reference": form["cash_reference"].value(),
        },
    )

    errors = response.context["form"].errors["pos_slip"]
    assert len(errors) == 1 and "100" in errors[0]
    assert not Payment.objects.exists()


def test_another_amount_under_a_slip_is_said_in_euros_and_cents(
    client,
    cashier,  # noqa: F811
    debtor,
    debts,
):
    """The refusal of a slip recorded for another amount named that amount as the database
    writes it, «(146.28 €)», on a page that writes 146,28 €."""
    first = build_notice(debtor, debts=debts[:1])
    url = counter_url("counter_notice", first.pk)
    form = client.get(url).context["form"]
    client.post(
        url,
        {
            "tender": Tender.POS,
            "pos_slip": "RRN-9",
            "cash_reference": form["cash_reference"].value(),
        },
    )
    other = build_notice(debtor, debts=debts[1:])
    url = counter_url("counter_notice", other.pk)
    form = client.get(url).context["form"]

    response = client.post(
        url,
        {
            "tender": Tender.POS,
            "pos_slip": "RRN-9",
            "cash_reference": form["cash_reference"].value(),
        },
    )

    amount = f"{first.total:.2f}".replace(".", ",")
    assert f"έχει ήδη καταχωριστεί για άλλο ποσό ({amount} €)" in response.content.decode()


def test_a_certificate_is_issued_for_an_afm_written_with_its_prefix_and_spaces(
    client,
    cashier,  # noqa: F811
    debtor,
):
    """«EL 068 933 130», as the debtor's own form takes it, was refused by the certificate's
    form as longer than 11 characters."""
    Property.objects.create(
        debtor=debtor, address="Κ. Καραμανλή 40", supply_number="55566677", area=Decimal(60)
    )

    response = issue(client, "EL 068 933 130", "55566677")

    certificate = Certificate.objects.get()
    assert response["Location"] == reverse(
        "admin:receipts_certificate_change", args=[certificate.pk]
    )


OVERDUE = date(2024, 1, 31)  # certified, so it may be settled


def test_the_lists_of_debts_notices_settlements_and_payments_find_an_afm_with_its_prefix(
    client,
    cashier,  # noqa: F811
    debtor,
    debts,
    make_debtor,
    make_debt,
    make_settlement,
):
    """The prefix the counter now reads is read in every list a cashier searches by ΑΦΜ."""
    someone_else = make_debtor()
    make_settlement(someone_else, [make_debt(someone_else, "300.00", due_date=OVERDUE)])
    make_debt(someone_else, "10.00")
    settlement = make_settlement(debtor, [make_debt(debtor, "300.00", due_date=OVERDUE)])
    notice = build_notice(debtor, debts=debts[:1])
    payment = settle(
        channel=Payment.Channel.COUNTER,
        reference="ΤΑΜ-2",
        amount=notice.total,
        received_at=timezone.now(),
        notice=notice,
        tender=Tender.CASH,
        recorded_by=cashier,
    ).payment
    lists = {
        "admin:debts_debt_changelist": {*debts, *settlement.debts.all()},
        "admin:debts_settlement_changelist": {settlement},
        "admin:debts_paymentnotice_changelist": {notice},
        "admin:payments_payment_changelist": {payment},
    }
    for name, expected in lists.items():
        found = client.get(reverse(name), {"q": "EL 068933130"}).context["cl"].result_list
        assert set(found) == expected, name


@pytest.mark.parametrize(
    ("minimum", "owed", "installments", "said", "would_be"),
    [
        ("200.00", "1000.00", 12, "200,00 €", r"\d+,\d\d €"),
        ("1500.00", "20000.00", 24, "1.500,00 €", r"\d\.\d{3},\d\d €"),
    ],
)
def test_an_installment_below_the_schemes_minimum_is_said_in_euros_and_cents(
    debtor, make_debt, scheme, minimum, owed, installments, said, would_be
):
    """The refusal named both amounts as the database writes them, «30.00 €» and «25.5 €»,
    then without grouping, «1500,00 €», on pages that write 1.500,00 € (``figures``)."""
    scheme.min_installment_amount = Decimal(minimum)
    scheme.save()
    overdue = make_debt(debtor, owed, due_date=date(2024, 1, 31))
    today = timezone.localdate()

    with pytest.raises(ValidationError) as refused:
        create_settlement(
            debtor,
            [overdue],
            scheme,
            number="Ρ-99/2026",
            installments=installments,
            approved_on=today,
            first_due_date=today + timedelta(days=20),
        )

    message = refused.value.messages[0]
    assert f"τουλάχιστον {said}" in message, message
    assert re.search(f"θα ήταν {would_be}", message), message


def test_a_search_cut_short_says_so(client, cashier, make_debtor):  # noqa: F811
    """A common surname matches more debtors than the page lists: the list looked complete, and
    the one the cashier wanted, further down the alphabet, was not on it."""
    letters = "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ"[: SEARCH_LIMIT + 1]
    for letter in letters:
        make_debtor(last_name="ΠΑΠΑΔΟΠΟΥΛΟΣ", first_name=f"ΟΝΟΜΑ{letter}")

    response = client.get(counter_url(), {"q": "Παπαδόπουλος"})

    assert len(response.context["debtors"]) == SEARCH_LIMIT
    assert "Βρέθηκαν κι άλλοι οφειλέτες" in response.content.decode()
    narrowed = client.get(counter_url(), {"q": "Παπαδόπουλος ονομαβ"})
    assert narrowed.status_code == 302, "the first name narrows it to the one"
    Debtor.objects.filter(first_name=f"ΟΝΟΜΑ{letters[-1]}").delete()
    whole = client.get(counter_url(), {"q": "Παπαδόπουλος"})
    assert len(whole.context["debtors"]) == SEARCH_LIMIT
    assert 'id="more-debtors"' not in whole.content.decode(), "a list of all of them says none"


def test_the_settlements_list_finds_a_name_typed_without_accents(
    client,
    cashier,  # noqa: F811
    debtor,
    make_debtor,
    make_debt,
    make_settlement,
):
    """It searches by the debtor's name, as the lists of debtors and debts do: names are kept
    in capitals without accents, and «Βαβούλα» typed found no settlement."""
    settlement = make_settlement(debtor, [make_debt(debtor, "300.00", due_date=OVERDUE)])
    other = make_debtor(last_name="ΠΑΠΑΔΟΠΟΥΛΟΣ")
    make_settlement(other, [make_debt(other, "300.00", due_date=OVERDUE)])

    found = client.get(reverse("admin:debts_settlement_changelist"), {"q": "Βαβούλα"})

    assert list(found.context["cl"].result_list) == [settlement]
