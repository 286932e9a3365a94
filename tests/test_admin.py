"""The staff admin of the receivables, as the municipality's staff use it, and the staff groups."""

import importlib
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from debts.models import (
    AssessmentNote,
    Debt,
    DebtChange,
    Debtor,
    NoticeChange,
    ParavoloType,
    PaymentNotice,
    Settlement,
)
from debts.rf import format_rf
from debts.services import build_notice, cancel_notice, issue_paravolo
from payments import ledger
from payments.services import settle
from tests.conftest import valid_afm

CASHIER, REVENUE, FINANCE = "Ταμείο", "Τμήμα Εσόδων", "Οικονομική Διεύθυνση"

# The admin changelists, one per registered model of debts.
MODELS = [
    "debtor",
    "revenuetype",
    "certificationroll",
    "assessmentnote",
    "settlementscheme",
    "paravolotype",
    "debt",
    "paymentnotice",
    "settlement",
]


def url(model: str, view: str = "changelist", *args) -> str:
    return reverse(f"admin:debts_{model}_{view}", args=args)


def results(response) -> list:
    return list(response.context["cl"].result_list)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def posted_back(response, **changes) -> dict:
    """The data a change page sends when saved unchanged, with ``changes`` applied."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            data[form.add_prefix(name)] = "" if value is None else value
    data.update(changes)
    return data


@pytest.fixture
def debtor(make_debtor):
    return make_debtor(afm="068933130", last_name="ΒΑΒΟΥΛΑ", first_name="ΕΥΤΥΧΙΑ", city="Θέρμη")


@pytest.fixture
def overdue_debt(debtor, make_debt):
    return make_debt(debtor, "120.00", due_date=date(2023, 6, 30), description="ΤΚΦ 2023")


@pytest.fixture
def notice(debtor, overdue_debt):
    return build_notice(debtor, debts=[overdue_debt])


@pytest.fixture
def staff_user(django_user_model):
    """A member of a staff group, with the second factor the admin requires of staff."""

    def make(group_name: str):
        user = django_user_model.objects.create_user(
            username=f"staff-{group_name}", password="x", is_staff=True
        )
        user.groups.add(Group.objects.get(name=group_name))
        TOTP.activate(user, generate_totp_secret())
        return user

    return make


# --- Groups -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_staff_groups_exist_with_their_permissions(staff_user):
    cashier, revenue, finance = staff_user(CASHIER), staff_user(REVENUE), staff_user(FINANCE)

    assert cashier.has_perms(["debts.view_debtor", "debts.change_debtor", "debts.view_debt"])
    assert cashier.has_perms(["debts.view_paymentnotice", "debts.view_installment"])
    assert not cashier.has_perm("debts.add_debt")
    assert not cashier.has_perm("debts.change_debt")
    assert not cashier.has_perm("debts.add_debtor")

    assert revenue.has_perms(["debts.add_debt", "debts.change_debt", "debts.add_debtor"])
    assert revenue.has_perms(["debts.add_certificationroll", "debts.change_settlementscheme"])
    assert revenue.has_perms(["debts.view_paymentnotice", "debts.change_paymentnotice"])
    assert not cashier.has_perm("debts.change_paymentnotice")
    assert not revenue.has_perm("debts.change_installment")

    assert finance.has_perms(["debts.view_debt", "debts.view_paymentnotice"])
    assert finance.has_perm("debts.view_historicaldebt")
    assert not finance.has_perm("debts.change_debt")
    assert not finance.has_perm("debts.change_debtor")

    for user in (cashier, revenue, finance):
        assert not any(perm.startswith("debts.delete_") for perm in user.get_all_permissions())


@pytest.mark.django_db
def test_the_groups_migration_reverses_and_reapplies():
    migration = importlib.import_module("debts.migrations.0002_staff_groups")
    # The data migration only reads the editor's connection: no schema is changed.
    schema_editor = SimpleNamespace(connection=connection)
    migration.delete_staff_groups(django_apps, schema_editor)
    assert not Group.objects.filter(name__in=[CASHIER, REVENUE, FINANCE]).exists()
    migration.create_staff_groups(django_apps, schema_editor)
    assert Group.objects.get(name=CASHIER).permissions.count() == 14


# --- Every page renders -----------------------------------------------------------------------


@pytest.fixture
def one_of_everything(debtor, make_debt, revenue, make_settlement, notice):
    today = timezone.localdate()
    settled = make_debt(debtor, "300.00", due_date=date(2024, 1, 31), description="ΤΑΠ 2024")
    settlement = make_settlement(debtor, [settled])
    note = AssessmentNote.objects.create(number="ΒΣ-7/2026", issued_on=today, reason="Διαφορά ΤΑΠ")
    paravolo = ParavoloType.objects.create(
        name="Παράβολο ένστασης",
        name_en="Objection fee",
        revenue_type=revenue["paravolo"],
        amount=Decimal("4.50"),
    )
    return {
        "debtor": debtor,
        "revenuetype": revenue["cleaning"],
        "certificationroll": settled.roll,
        "assessmentnote": note,
        "settlementscheme": settlement.scheme,
        "paravolotype": paravolo,
        "debt": settled,
        "paymentnotice": notice,
        "settlement": settlement,
    }


def test_the_admin_names_the_municipality_and_its_offices(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert "<title>Διαχείριση | Διαχείριση πύλης πληρωμών</title>" in html
    assert "Δήμος Θέρμης: Ταμείο και Έσοδα" in html


@pytest.mark.parametrize("model", MODELS)
def test_every_changelist_change_and_history_page_renders(admin_client, one_of_everything, model):
    obj = one_of_everything[model]
    assert admin_client.get(url(model)).status_code == 200
    assert admin_client.get(url(model, "change", obj.pk)).status_code == 200
    assert admin_client.get(url(model, "history", obj.pk)).status_code == 200


@pytest.mark.parametrize(
    "model", ["debtor", "revenuetype", "certificationroll", "assessmentnote", "debt"]
)
def test_add_pages_render(admin_client, revenue, model):
    assert admin_client.get(url(model, "add")).status_code == 200


# --- Finding a debtor -------------------------------------------------------------------------


def test_search_debtors_by_afm_and_name(admin_client, debtor, overdue_debt, make_debtor):
    make_debtor(last_name="ΚΑΡΑΓΙΑΝΝΗΣ")
    assert results(admin_client.get(url("debtor"), {"q": "068933130"})) == [debtor]
    assert results(admin_client.get(url("debtor"), {"q": "βαβουλα"})) == [debtor]
    assert results(admin_client.get(url("debtor"), {"q": "Βαβούλα"})) == [debtor]
    assert results(admin_client.get(url("debt"), {"q": "βαβούλα"})) == [overdue_debt]


def test_the_afm_taxisnet_confirmed_for_an_account_is_not_changed(admin_client, make_citizen):
    debtor = make_citizen().debtor
    assert debtor.user_id is not None

    page = admin_client.get(url("debtor", "change", debtor.pk))
    assert "afm" in page.context["adminform"].readonly_fields
    debtor.afm = valid_afm()
    with pytest.raises(ValidationError) as refused:
        debtor.full_clean()
    assert "επιβεβαιώθηκε από το TaxisNet" in refused.value.message_dict["afm"][0]


def test_search_by_rf_typed_in_groups_and_lower_case(admin_client, debtor, notice, make_debtor):
    make_debtor(last_name="ΚΑΡΑΓΙΑΝΝΗΣ")
    typed = format_rf(notice.rf_code).lower()
    assert " " in typed

    assert results(admin_client.get(url("debtor"), {"q": typed})) == [debtor]
    assert results(admin_client.get(url("paymentnotice"), {"q": typed})) == [notice]
    # The first groups are enough, as people read an RF off paper.
    assert results(admin_client.get(url("paymentnotice"), {"q": typed[:14]})) == [notice]
    assert results(admin_client.get(url("paymentnotice"), {"q": "068933130"})) == [notice]


# --- Debts ------------------------------------------------------------------------------------


def test_the_overdue_filter_shows_open_certified_debts_past_due(
    admin_client, debtor, make_debt, overdue_debt
):
    today = timezone.localdate()
    make_debt(debtor, "50.00", due_date=today + timedelta(days=30), description="ΤΚΦ μελλοντική")
    make_debt(debtor, "35.50", description="Αβεβαίωτη")

    assert results(admin_client.get(url("debt"), {"overdue": "yes"})) == [overdue_debt]
    assert len(results(admin_client.get(url("debt"), {"certified": "yes"}))) == 2
    assert len(results(admin_client.get(url("debt"), {"certified": "no"}))) == 1


def test_debt_status_is_not_editable(admin_client, overdue_debt):
    response = admin_client.get(url("debt", "change", overdue_debt.pk))
    assert "status" not in response.context["adminform"].form.fields
    assert "settlement" not in response.context["adminform"].form.fields


def test_a_settled_debt_is_shown_not_edited(admin_client, debtor, overdue_debt, make_settlement):
    settlement = make_settlement(debtor, [overdue_debt])

    response = admin_client.get(url("debt", "change", overdue_debt.pk))

    assert response.status_code == 200
    assert set(response.context["adminform"].form.fields) == set()
    assert settlement.number in response.content.decode()


def test_the_debt_changelist_queries_do_not_grow_with_rows(
    admin_client, debtor, make_debt, make_debtor, django_assert_max_num_queries
):
    make_debt(debtor, "10.00", due_date=date(2023, 6, 30))
    with CaptureQueriesContext(connection) as one_row:
        assert admin_client.get(url("debt")).status_code == 200

    for k in range(20):
        make_debt(make_debtor(), f"{20 + k}.00", kind="tap", due_date=date(2024, 1, 31))
    with django_assert_max_num_queries(len(one_row)):
        response = admin_client.get(url("debt"))
    assert len(results(response)) == 21


def test_the_debtor_page_queries_do_not_grow_with_debts(
    admin_client, debtor, make_debt, django_assert_max_num_queries
):
    make_debt(debtor, "10.00", due_date=date(2023, 6, 30))
    with CaptureQueriesContext(connection) as one_debt:
        assert admin_client.get(url("debtor", "change", debtor.pk)).status_code == 200

    for k in range(10):
        make_debt(debtor, f"{20 + k}.00", kind="tap", due_date=date(2024, 1, 31))
    with django_assert_max_num_queries(len(one_debt)):
        assert admin_client.get(url("debtor", "change", debtor.pk)).status_code == 200


def test_the_settlement_page_queries_do_not_grow_with_installments(
    admin_client, debtor, make_debt, make_settlement, django_assert_max_num_queries
):
    two = make_settlement(debtor, [make_debt(debtor, "300.00", due_date=date(2024, 1, 31))])
    with CaptureQueriesContext(connection) as two_installments:
        assert admin_client.get(url("settlement", "change", two.pk)).status_code == 200

    debt = make_debt(debtor, "3000.00", due_date=date(2024, 1, 31))
    many = make_settlement(debtor, [debt], installments=24)
    with django_assert_max_num_queries(len(two_installments)):
        assert admin_client.get(url("settlement", "change", many.pk)).status_code == 200


# --- Notices ----------------------------------------------------------------------------------


def test_the_cancel_action_cancels_an_open_notice(admin_client, admin_user, notice):
    response = admin_client.post(
        url("paymentnotice"), {"action": "cancel_notices", "_selected_action": [notice.pk]}
    )

    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.CANCELLED
    assert not notice.items.filter(is_open=True).exists()
    change = NoticeChange.objects.get(notice=notice)
    assert (change.from_status, change.to_status) == ("open", "cancelled")
    assert change.actor == admin_user
    assert messages_of(response) == ["Ακυρώθηκε 1 ειδοποιητήριο."]


def test_the_cancel_action_refuses_a_cancelled_notice(admin_client, notice):
    cancel_notice(notice, cause="test")

    response = admin_client.post(
        url("paymentnotice"), {"action": "cancel_notices", "_selected_action": [notice.pk]}
    )

    assert response.status_code == 302
    assert NoticeChange.objects.filter(notice=notice).count() == 1
    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.CANCELLED
    [message] = messages_of(response)
    assert notice.formatted_rf in message
    assert "δεν ακυρώθηκε" in message


def test_the_cancel_action_refuses_a_paid_notice_whose_receipt_stands(admin_client, notice):
    settle(
        channel="bank",
        reference="PAID-1",
        amount=notice.total,
        received_at=notice.issued_at,
        notice=notice,
    )

    response = admin_client.post(
        url("paymentnotice"), {"action": "cancel_notices", "_selected_action": [notice.pk]}
    )

    notice.refresh_from_db()
    assert notice.status == PaymentNotice.Status.PAID
    [message] = messages_of(response)
    assert "έχει εξοφληθεί: ακυρώνεται μόνο με την ακύρωση της απόδειξής του" in message
    assert ledger.check().breaches == []


def test_notices_are_read_only_and_never_deleted(admin_client, notice):
    response = admin_client.get(url("paymentnotice", "change", notice.pk))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert admin_client.post(url("paymentnotice", "change", notice.pk), {}).status_code == 403
    assert admin_client.get(url("paymentnotice", "add")).status_code == 403
    assert admin_client.get(url("paymentnotice", "delete", notice.pk)).status_code == 403
    assert admin_client.post(url("paymentnotice", "delete", notice.pk)).status_code == 403
    assert PaymentNotice.objects.filter(pk=notice.pk).exists()


def test_debts_and_settlements_are_never_deleted(admin_client, overdue_debt):
    assert admin_client.get(url("debt", "delete", overdue_debt.pk)).status_code == 403
    actions = admin_client.get(url("debt")).context["action_form"].fields["action"].choices
    assert "delete_selected" not in dict(actions)


def test_staff_issue_a_notice_for_selected_debts(
    admin_client, admin_user, debtor, overdue_debt, make_debt
):
    bill = make_debt(debtor, "40.00")
    response = admin_client.post(
        url("debt"), {"action": "issue_notice", "_selected_action": [overdue_debt.pk, bill.pk]}
    )

    notice = PaymentNotice.objects.get()
    assert notice.origin == PaymentNotice.Origin.MUNICIPALITY
    assert notice.created_by == admin_user
    assert {item.debt for item in notice.items.all()} == {overdue_debt, bill}
    [message] = messages_of(response)
    assert notice.formatted_rf in message


def test_a_notice_is_for_one_debtor_and_refusals_change_nothing(
    admin_client, debtor, overdue_debt, make_debtor, make_debt
):
    other = make_debt(make_debtor(), "15.00")
    response = admin_client.post(
        url("debt"), {"action": "issue_notice", "_selected_action": [overdue_debt.pk, other.pk]}
    )
    assert messages_of(response) == ["Επιλέξτε οφειλές ενός μόνο οφειλέτη."]

    Debt.states.advance(overdue_debt, Debt.Status.CANCELLED, cause="test")
    response = admin_client.post(
        url("debt"), {"action": "issue_notice", "_selected_action": [overdue_debt.pk]}
    )
    assert any("δεν είναι ανοικτή" in message for message in messages_of(response))
    assert not PaymentNotice.objects.exists()


def test_only_groups_with_the_permission_may_issue_notices(staff_user, client, overdue_debt):
    finance = staff_user(FINANCE)
    client.force_login(finance)
    # Finance may change nothing, so it is offered no action at all.
    assert client.get(url("debt")).context["action_form"] is None
    client.force_login(staff_user(CASHIER))
    response = client.get(url("debt"))
    assert "issue_notice" in dict(response.context["action_form"].fields["action"].choices)


def _settle(client, debts, **terms):
    data = {"action": "settle_in_installments", "_selected_action": [d.pk for d in debts]}
    if terms:
        data |= {"apply": "1", **terms}
    return client.post(url("debt"), data)


def test_revenue_staff_settle_debts_on_a_page_of_terms(
    client, staff_user, debtor, overdue_debt, make_debt, scheme
):
    client.force_login(staff_user(REVENUE))
    other = make_debt(debtor, "480.00", due_date=date(2024, 1, 31))

    page = _settle(client, [overdue_debt, other])
    assert page.status_code == 200
    assert "Πάγια ρύθμιση" in page.content.decode()
    assert not Settlement.objects.exists()

    today = timezone.localdate()
    response = _settle(
        client,
        [overdue_debt, other],
        scheme=scheme.pk,
        number="Ρ-44/2026",
        installments="6",
        approved_on=today.isoformat(),
        first_due_date=(today + timedelta(days=3)).isoformat(),
    )
    assert response.status_code == 302
    settlement = Settlement.objects.get(number="Ρ-44/2026")
    assert settlement.installments.count() == 6
    assert set(settlement.debts.all()) == {overdue_debt, other}
    assert DebtChange.objects.filter(debt=other, actor__groups__name=REVENUE).exists()


@pytest.mark.parametrize(
    ("installments", "approved_days_ago", "first_due_in_days", "message"),
    [
        ("30", 0, 0, "δέχεται από 2 έως 24 δόσεις"),
        ("6", 400, -397, "Η ημερομηνία έγκρισης πρέπει να είναι από"),
        ("6", 0, -400, "Η πρώτη δόση δεν μπορεί να λήγει πριν από την έγκριση"),
    ],
)
def test_terms_the_scheme_refuses_are_shown_and_change_nothing(
    admin_client, overdue_debt, scheme, installments, approved_days_ago, first_due_in_days, message
):
    today = timezone.localdate()
    response = _settle(
        admin_client,
        [overdue_debt],
        scheme=scheme.pk,
        number="Ρ-45/2026",
        installments=installments,
        approved_on=(today - timedelta(days=approved_days_ago)).isoformat(),
        first_due_date=(today + timedelta(days=first_due_in_days)).isoformat(),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Settlement.objects.exists()
    overdue_debt.refresh_from_db()
    assert overdue_debt.status == Debt.Status.OPEN


@pytest.fixture
def issued_paravolo(debtor, revenue):
    objection = ParavoloType.objects.create(
        name="Παράβολο ένστασης", revenue_type=revenue["paravolo"], amount=Decimal("4.50")
    )
    issued = issue_paravolo(debtor, objection)
    cancel_notice(issued.notice, cause="test")
    return issued.notice.items.get().debt


def test_a_paravolo_certified_in_the_admin_is_refused_on_the_page(
    admin_client, issued_paravolo, overdue_debt
):
    page = url("debt", "change", issued_paravolo.pk)
    data = posted_back(
        admin_client.get(page),
        certified_on=overdue_debt.certified_on.isoformat(),
        due_date="2026-06-30",
        roll=overdue_debt.roll_id,
    )
    response = admin_client.post(page, data)
    assert response.status_code == 200
    assert "Ένα παράβολο πληρώνεται εκ των προτέρων: δεν βεβαιώνεται." in response.content.decode()
    issued_paravolo.refresh_from_db()
    assert issued_paravolo.certified_on is None


def test_a_second_unpaid_paravolo_of_a_type_is_refused_on_the_page(
    admin_client, issued_paravolo, make_debtor
):
    other = make_debtor()
    issue_paravolo(other, issued_paravolo.paravolo_type)
    page = url("debt", "change", issued_paravolo.pk)
    response = admin_client.post(page, posted_back(admin_client.get(page), debtor=other.pk))
    assert response.status_code == 200
    assert "έχει ήδη ανεξόφλητο παράβολο αυτού του είδους" in response.content.decode()
    issued_paravolo.refresh_from_db()
    assert issued_paravolo.debtor_id != other.pk


def test_the_cashier_is_not_offered_settlements(client, staff_user, overdue_debt):
    client.force_login(staff_user(CASHIER))
    choices = dict(client.get(url("debt")).context["action_form"].fields["action"].choices)
    assert "settle_in_installments" not in choices
    assert _settle(client, [overdue_debt]).status_code == 302
    assert not Settlement.objects.exists()


def test_history_cannot_be_reverted(admin_client, overdue_debt):
    version = overdue_debt.history.earliest()
    page = url("debt", "simple_history", overdue_debt.pk, version.history_id)

    assert admin_client.get(page).status_code == 200
    assert admin_client.post(page, {"description": "άλλη"}).status_code == 403


# --- Editing a debtor -------------------------------------------------------------------------


def test_a_malformed_afm_is_refused_and_changes_nothing(admin_client, debtor):
    page = url("debtor", "change", debtor.pk)
    data = posted_back(admin_client.get(page), afm="012345678", city="Θεσσαλονίκη")

    response = admin_client.post(page, data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["afm"] == ["Ο ΑΦΜ «012345678» δεν είναι έγκυρος: 9 ψηφία με σωστό ψηφίο ελέγχου."]
    assert "012345678" in response.content.decode()
    debtor.refresh_from_db()
    assert (debtor.afm, debtor.city) == ("068933130", "Θέρμη")
    assert debtor.history.count() == 1


def test_an_edit_is_recorded_in_history_with_the_user(admin_client, admin_user, debtor):
    page = url("debtor", "change", debtor.pk)
    data = posted_back(admin_client.get(page), afm="EL 094014201", phone="2310 123456")

    response = admin_client.post(page, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    debtor.refresh_from_db()
    assert (debtor.afm, debtor.phone) == ("094014201", "2310 123456")
    latest = debtor.history.latest()
    assert latest.history_type == "~"
    assert latest.history_user == admin_user


# --- Staff by group ---------------------------------------------------------------------------


def test_a_cashier_finds_debtors_but_cannot_add_debts(client, staff_user, debtor, notice):
    client.force_login(staff_user(CASHIER))

    assert client.get(url("debtor")).status_code == 200
    assert client.get(url("debt")).status_code == 200
    assert client.get(url("debt", "add")).status_code == 403
    response = client.get(url("paymentnotice"))
    assert response.status_code == 200
    assert response.context["action_form"] is None  # cancelling is not the cashier's


def test_a_cashier_edits_contact_details_not_identity(client, staff_user, debtor):
    client.force_login(staff_user(CASHIER))
    page = url("debtor", "change", debtor.pk)
    response = client.get(page)
    form = response.context["adminform"].form
    assert "afm" not in form.fields
    assert "last_name" not in form.fields

    data = posted_back(response, email="vavoula@example.gr")
    assert client.post(page, data).status_code == 302
    debtor.refresh_from_db()
    assert debtor.email == "vavoula@example.gr"
    assert debtor.history.latest().history_user.username == f"staff-{CASHIER}"


def test_revenue_staff_add_a_debt(client, staff_user, debtor, revenue, roll):
    client.force_login(staff_user(REVENUE))
    response = client.post(
        url("debt", "add"),
        {
            "debtor": debtor.pk,
            "revenue_type": revenue["cleaning"].pk,
            "description": "ΤΚΦ 2025",
            "reference": "",
            "principal": "84.00",
            "period_start": "",
            "period_end": "",
            "certified_on": "2023-03-01",
            "due_date": "2023-06-30",
            "roll": roll.pk,
            "assessment_note": "",
            "status_changes-TOTAL_FORMS": "0",
            "status_changes-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    debt = Debt.objects.get(description="ΤΚΦ 2025")
    assert debt.principal == Decimal("84.00")
    assert debt.status == Debt.Status.OPEN
    assert debt.is_certified


def test_finance_views_but_does_not_change(client, staff_user, debtor, overdue_debt):
    client.force_login(staff_user(FINANCE))

    assert client.get(url("debt", "change", overdue_debt.pk)).status_code == 200
    response = client.get(url("debtor", "change", debtor.pk))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert client.get(url("debt", "add")).status_code == 403


def test_debtor_is_deleted_nowhere_by_staff(client, staff_user, debtor):
    client.force_login(staff_user(REVENUE))
    assert client.get(url("debtor", "delete", debtor.pk)).status_code == 403
    assert Debtor.objects.filter(pk=debtor.pk).exists()
