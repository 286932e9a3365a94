"""A παράβολο asked for at the counter: the cashier issues it for the payer with its notice, as
a citizen does online, and takes the money for it as for any notice; asked again while one of
its kind is unpaid, that one is paid, never a second."""

import threading
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection, connections

from debts.models import Debt, Debtor, ParavoloType, PaymentNotice
from payments.models import Payment
from receipts.models import Receipt
from tests.test_counter import (  # noqa: F401 (fixtures)
    CASHIER,
    FINANCE,
    _ledger_stays_clean,
    cashier,
    counter_url,
    messages_of,
    shown_form,
    staff_user,
)


@pytest.fixture
def objection(revenue):
    return ParavoloType.objects.create(
        name="Παράβολο ένστασης",
        name_en="Objection fee",
        revenue_type=revenue["paravolo"],
        amount=Decimal("4.50"),
    )


def test_a_cashier_issues_a_paravolo_and_takes_the_money_for_it(
    client,
    cashier,  # noqa: F811
    debtor,
    objection,
):
    page = client.get(counter_url("counter_debtor", debtor.pk)).content.decode()
    assert counter_url("counter_paravolo", debtor.pk) in page
    assert "Παράβολο ένστασης — 4,50 €" in page

    response = client.post(
        counter_url("counter_paravolo", debtor.pk), {"paravolo_type": objection.pk}
    )

    notice = PaymentNotice.objects.get()
    assert response["Location"] == counter_url("counter_notice", notice.pk)
    assert (notice.debtor, notice.total, notice.created_by) == (debtor, Decimal("4.50"), cashier)
    assert notice.origin == PaymentNotice.Origin.MUNICIPALITY
    debt = Debt.objects.get(paravolo_type=objection)
    assert (debt.debtor, debt.principal, debt.is_certified) == (debtor, Decimal("4.50"), False)

    url = counter_url("counter_notice", notice.pk)
    paid = client.post(url, shown_form(client, url))

    payment = Payment.objects.get()
    assert paid["Location"] == counter_url("counter_done", payment.pk)
    assert payment.amount == Decimal("4.50")
    receipt = Receipt.objects.get()
    assert [line["revenue_code"] for line in receipt.lines] == [objection.revenue_type.code]
    debt.refresh_from_db()
    assert debt.status == Debt.Status.PAID


def test_asked_again_while_unpaid_the_same_paravolo_is_offered(
    client,
    cashier,  # noqa: F811
    debtor,
    objection,
):
    posted = {"paravolo_type": objection.pk}
    first = client.post(counter_url("counter_paravolo", debtor.pk), posted)

    again = client.post(counter_url("counter_paravolo", debtor.pk), posted)

    assert again["Location"] == first["Location"]
    assert messages_of(again)[-1] == (
        "Ο οφειλέτης έχει ήδη ανεξόφλητο αυτό το παράβολο: εισπράξτε εκείνο."
    )
    assert Debt.objects.count() == 1 and PaymentNotice.objects.count() == 1


def test_a_paravolo_no_longer_issued_is_refused(client, cashier, debtor, objection):  # noqa: F811
    ParavoloType.objects.filter(pk=objection.pk).update(active=False)

    response = client.post(
        counter_url("counter_paravolo", debtor.pk), {"paravolo_type": objection.pk}
    )

    assert response["Location"] == counter_url("counter_debtor", debtor.pk)
    assert messages_of(response)
    assert not Debt.objects.exists()
    page = client.get(counter_url("counter_debtor", debtor.pk)).content.decode()
    assert counter_url("counter_paravolo", debtor.pk) not in page, "no kind left to offer"


def test_only_the_counter_issues_a_paravolo_there(client, staff_user, debtor, objection):  # noqa: F811
    client.force_login(staff_user(FINANCE))
    posted = {"paravolo_type": objection.pk}
    assert client.post(counter_url("counter_paravolo", debtor.pk), posted).status_code == 403
    assert not Debt.objects.exists()


def test_a_payer_the_registry_does_not_know_is_registered_to_pay_a_paravolo(
    client,
    cashier,  # noqa: F811
    objection,
):
    found = client.get(counter_url(), {"q": "EL 090 000 045"})
    page = found.content.decode()
    assert "Δεν βρέθηκε οφειλέτης." in page
    register = counter_url("counter_payer") + "?afm=090000045"
    assert register in page
    form = client.get(register)
    assert form.context["form"]["afm"].value() == "090000045"

    response = client.post(
        counter_url("counter_payer"),
        {
            "afm": "090000045",
            "afm_again": "090 000 045",
            "kind": "person",
            "last_name": "Ζάιμης",
            "first_name": "Αλέξανδρος",
        },
    )

    debtor = Debtor.objects.get(afm="090000045")
    assert response["Location"] == counter_url("counter_debtor", debtor.pk)
    assert (debtor.last_name, debtor.first_name) == ("ΖΑΪΜΗΣ", "ΑΛΕΞΑΝΔΡΟΣ")
    assert messages_of(response) == [f"Καταχωρίστηκε ο πληρωτής {debtor}."]
    page = client.get(response["Location"]).content.decode()
    assert counter_url("counter_paravolo", debtor.pk) in page


def test_a_payer_registered_meanwhile_is_that_debtor_not_a_second(
    client,
    cashier,  # noqa: F811
    debtor,
):
    posted = {"afm": f"EL {debtor.afm}", "afm_again": debtor.afm, "kind": "person"}
    posted["last_name"] = "Άλλος"

    response = client.post(counter_url("counter_payer"), posted)

    assert response["Location"] == counter_url("counter_debtor", debtor.pk)
    assert messages_of(response) == ["Ο πληρωτής είναι ήδη καταχωρισμένος."]
    assert Debtor.objects.count() == 1
    debtor.refresh_from_db()
    assert debtor.last_name != "ΑΛΛΟΣ"


def test_a_wrong_afm_registers_no_one(client, cashier):  # noqa: F811
    posted = {"afm": "090000046", "afm_again": "090000046", "kind": "person", "last_name": "Ζ"}

    response = client.post(counter_url("counter_payer"), posted)

    assert response.status_code == 200
    assert response.context["form"].errors["afm"]
    assert not Debtor.objects.exists()


def test_a_name_searched_for_offers_a_new_payer_with_no_afm_filled(client, cashier):  # noqa: F811
    page = client.get(counter_url(), {"q": "Ζάιμης"}).content.decode()
    assert f'href="{counter_url("counter_payer")}"' in page
    assert client.get(counter_url("counter_payer")).context["form"]["afm"].value() == ""


def test_only_the_counter_registers_a_payer_there(client, staff_user):  # noqa: F811
    client.force_login(staff_user(FINANCE))
    posted = {"afm": "090000045", "afm_again": "090000045", "kind": "person", "last_name": "Ζ"}
    assert client.post(counter_url("counter_payer"), posted).status_code == 403
    assert not Debtor.objects.exists()


def test_a_payer_registered_at_the_counter_is_promised_the_printed_receipt_not_an_email(
    client,
    cashier,  # noqa: F811
    objection,
    mailoutbox,
):
    """A receipt is mailed only to an address the payer confirmed through a portal account: the
    email given at the desk (perhaps mistyped, perhaps someone else's) gets nothing, so the
    cashier must not tell the payer to wait for one."""
    from receipts.tasks import deliver_receipt

    page = client.get(counter_url("counter_payer")).content.decode()
    assert "για να λάβει την απόδειξη" not in page
    assert "email" not in client.get(counter_url("counter_payer")).context["form"].fields
    assert "Η απόδειξη τυπώνεται εδώ" in page

    client.post(
        counter_url("counter_payer"),
        {"afm": "090000045", "afm_again": "090000045", "kind": "person", "last_name": "Ζάιμης"},
    )
    debtor = Debtor.objects.get(afm="090000045")
    issued = client.post(
        counter_url("counter_paravolo", debtor.pk), {"paravolo_type": objection.pk}
    )
    url = issued["Location"]
    client.post(url, shown_form(client, url))

    deliver_receipt(Receipt.objects.get().pk)
    assert mailoutbox == []


@pytest.fixture
def counter_group(db):
    """The cashiers' group with the counter's permission: a transactional test empties the
    tables the migrations filled, the groups among them (the permissions are made again)."""
    group, _ = Group.objects.get_or_create(name=CASHIER)
    group.permissions.add(Permission.objects.get(codename="take_counter_payment"))


@pytest.mark.django_db(transaction=True)
def test_a_payer_a_colleague_registers_as_the_form_is_saved_is_not_said_registered(
    client,
    counter_group,
    cashier,  # noqa: F811
):
    """The colleague's card wins the unique ΑΦΜ between the look-up and the save: the cashier
    is told the payer was on file already (the names they typed were not kept), not that they
    registered them."""
    posted = {"afm": "090000045", "afm_again": "090000045", "kind": "person", "last_name": "Ζ"}
    colleague = []

    def at_the_next_desk():
        try:
            colleague.append(Debtor.objects.create(afm="090000045", last_name="ΖΑΪΜΗΣ-ΑΛΛΟΣ"))
        finally:
            connections.close_all()

    def registered_just_before(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "debts_debtor"') and not colleague:
            desk = threading.Thread(target=at_the_next_desk)
            desk.start()
            desk.join(timeout=10)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(registered_just_before):
        response = client.post(counter_url("counter_payer"), posted)

    assert response["Location"] == counter_url("counter_debtor", colleague[0].pk)
    assert messages_of(response) == ["Ο πληρωτής είναι ήδη καταχωρισμένος."]
    assert Debtor.objects.get().last_name == "ΖΑΪΜΗΣ-ΑΛΛΟΣ"


def test_an_afm_typed_differently_the_second_time_registers_no_one(client, cashier):  # noqa: F811
    """A typo that passes the check digit is another taxpayer's ΑΦΜ: typed twice, it shows."""
    posted = {"afm": "090000045", "afm_again": "090000033", "kind": "person", "last_name": "Ζ"}

    response = client.post(counter_url("counter_payer"), posted)

    assert response.status_code == 200
    assert response.context["form"].errors["afm_again"] == [
        "Οι δύο ΑΦΜ διαφέρουν: ελέγξτε τον στο έγγραφο του πληρωτή και γράψτε τον ξανά."
    ]
    assert not Debtor.objects.exists()


def test_a_name_that_finds_others_still_offers_a_new_payer(client, cashier, debtor, make_debtor):  # noqa: F811
    make_debtor(afm="090000008", last_name="ΒΑΒΟΥΛΑ")
    response = client.get(counter_url(), {"q": "Βαβούλα"})
    assert len(response.context["debtors"]) == 2
    assert f'href="{counter_url("counter_payer")}"' in response.content.decode()


def test_a_typo_that_is_another_debtors_afm_is_caught_by_the_afm_typed_twice(
    client,
    cashier,  # noqa: F811
    debtor,
):
    """The cashier types the payer's ΑΦΜ twice, with a slip in the first that is another
    debtor's ΑΦΜ: the page looked the first up before checking the two agree, so it led to that
    debtor's card saying the payer was already on file, and the παράβολο was issued and paid
    under a stranger's name, in their TaxisNet account."""
    posted = {"afm": debtor.afm, "afm_again": "090000045", "kind": "person", "last_name": "Ζ"}

    response = client.post(counter_url("counter_payer"), posted)

    assert response.status_code == 200
    assert response.context["form"].errors["afm_again"] == [
        "Οι δύο ΑΦΜ διαφέρουν: ελέγξτε τον στο έγγραφο του πληρωτή και γράψτε τον ξανά."
    ]
    assert Debtor.objects.count() == 1


def test_a_new_payer_asked_for_with_a_known_afm_opens_that_debtor(client, cashier, debtor):  # noqa: F811
    """The search offers «Νέος πληρωτής» even when the ΑΦΜ typed found a debtor: following it
    leads to that card, never to a form for a second one."""
    response = client.get(counter_url("counter_payer"), {"afm": f"EL {debtor.afm}"})

    assert response["Location"] == counter_url("counter_debtor", debtor.pk)
    assert Debtor.objects.count() == 1
