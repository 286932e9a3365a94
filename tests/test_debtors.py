"""Debtors and debts: the ΑΦΜ check and the invariants the database keeps."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from debts.models import AssessmentNote, Debt, Debtor, RevenueType
from debts.validators import normalize_afm, validate_afm


@pytest.mark.parametrize(
    "afm", ["068933130", "094014201", "EL068933130", " 094 014 201", "00068933130"]
)
def test_valid_afm_in_the_forms_people_and_systems_send(afm):
    validate_afm(afm)
    assert len(normalize_afm(afm)) == 9


@pytest.mark.parametrize(
    "afm", ["012345678", "06893313", "0689331300", "06893313X", "", "000000000"]
)
def test_malformed_afm_is_refused(afm):
    with pytest.raises(ValidationError) as error:
        validate_afm(afm)
    assert error.value.code == "invalid_afm"


@pytest.mark.django_db
def test_debtor_with_wrong_afm_fails_validation_and_is_not_saved():
    debtor = Debtor(afm="012345678", last_name="ΠΑΠΑΔΟΠΟΥΛΟΣ")
    with pytest.raises(ValidationError) as error:
        debtor.full_clean()
    assert "afm" in error.value.message_dict
    assert not Debtor.objects.exists()


@pytest.mark.django_db
def test_afm_is_unique_and_nine_digits_in_the_database(make_debtor):
    make_debtor(afm="068933130")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_debtor(afm="068933130")
    with pytest.raises(IntegrityError), transaction.atomic():
        Debtor.objects.create(afm="EL0689331", last_name="X")


@pytest.mark.parametrize("principal", ["0.00", "-5.00"])
def test_zero_or_negative_principal_is_refused_by_the_database(make_debtor, make_debt, principal):
    debtor = make_debtor()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_debt(debtor, principal)


def test_certification_must_be_consistent(make_debtor, revenue, roll):
    debtor = make_debtor()
    base = {"debtor": debtor, "revenue_type": revenue["tap"], "description": "ΤΑΠ", "principal": 10}
    note = AssessmentNote.objects.create(number="ΒΣ-1", issued_on=date(2024, 1, 1), reason="x")
    broken = [
        # certified without a due date
        {"certified_on": date(2024, 1, 1), "roll": roll},
        # certified by no document
        {"certified_on": date(2024, 1, 1), "due_date": date(2024, 2, 1)},
        # certified by two documents
        {
            "certified_on": date(2024, 1, 1),
            "due_date": date(2024, 2, 1),
            "roll": roll,
            "assessment_note": note,
        },
        # a document without certification
        {"roll": roll},
    ]
    for fields in broken:
        with pytest.raises(IntegrityError), transaction.atomic():
            Debt.objects.create(**base, **fields)
    Debt.objects.create(
        **base, certified_on=date(2024, 1, 1), due_date=date(2024, 2, 1), assessment_note=note
    )


def test_period_must_be_in_order(make_debtor, make_debt):
    debtor = make_debtor()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_debt(debtor, period_start=date(2024, 12, 1), period_end=date(2024, 1, 1))


@pytest.mark.django_db
def test_paravolo_revenue_can_never_be_surchargeable():
    with pytest.raises(IntegrityError), transaction.atomic():
        RevenueType.objects.create(
            code="1698",
            name="Παράβολο",
            name_en="Fee",
            kind=RevenueType.Kind.PARAVOLO,
            surchargeable=True,
        )


def test_who_bears_surcharges(make_debtor, make_debt):
    debtor = make_debtor()
    as_of = date(2025, 1, 1)
    certified = make_debt(debtor, "100.00", due_date=date(2024, 1, 31))
    assert certified.surcharge(as_of) == Decimal("8.76")
    uncertified = make_debt(debtor, "100.00")
    assert uncertified.surcharge(as_of) == Decimal("0.00")
    nursery = make_debt(debtor, "100.00", kind="nursery", due_date=date(2024, 1, 31))
    assert not nursery.bears_surcharge
    assert nursery.surcharge(as_of) == Decimal("0.00")


def test_names_follow_the_reader_language(revenue):
    from django.utils import translation

    with translation.override("en"):
        assert str(revenue["tap"]) == "Property tax"
    with translation.override("el"):
        assert str(revenue["tap"]) == "Τέλος ακίνητης περιουσίας"


def test_a_due_date_older_than_every_surcharge_rate_is_refused(make_debtor, make_debt):
    """No rate covers it, so the overview, a notice and the admin could not count its surcharge."""
    debt = make_debt(make_debtor(), "100.00", due_date=date(1990, 3, 23))
    debt.full_clean()
    debt.due_date = date(1990, 3, 22)
    with pytest.raises(ValidationError) as error:
        debt.full_clean()
    [refusal] = error.value.error_dict["due_date"]
    assert refusal.code == "due_date_too_old"
    assert "23/03/1990" in refusal.message


def test_an_edit_of_a_debt_paid_since_it_was_opened_is_refused(make_debtor, make_debt):
    """The admin reads the row, then checks it locked: saving the old read would reopen it."""
    debt = make_debt(make_debtor(), "100.00", due_date=date(2024, 1, 31))
    edited = Debt.objects.get(pk=debt.pk)
    Debt.states.advance(debt, Debt.Status.PAID, cause="paid meanwhile")

    edited.description = "διορθωμένη περιγραφή"
    with pytest.raises(ValidationError) as error:
        edited.full_clean()
    assert error.value.error_dict["__all__"][0].code == "changed_meanwhile"


@pytest.mark.parametrize("status", [Debt.Status.PAID, Debt.Status.CANCELLED])
def test_a_closed_debt_keeps_its_amounts(make_debtor, make_debt, status):
    debt = make_debt(make_debtor(), "100.00", due_date=date(2024, 1, 31))
    Debt.states.advance(debt, status, cause="test")
    assert not debt.accepts_edits
    debt.description = "διορθωμένη περιγραφή"
    debt.full_clean()
    changes = {
        "principal": Decimal("90.00"),
        "due_date": date(2024, 2, 29),
        "debtor_id": make_debtor().pk,
    }
    for field, value in changes.items():
        changed = Debt.objects.get(pk=debt.pk)
        setattr(changed, field, value)
        with pytest.raises(ValidationError) as error:
            changed.full_clean()
        assert error.value.error_dict["__all__"][0].code == "closed"
