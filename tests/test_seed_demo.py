"""``seed_demo``: idempotent, realistic, and its generated notices keep the notice invariants."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from django.db.models import Count, Sum
from django.utils import timezone
from stdnum.gr import vat

from debts.models import (
    AssessmentNote,
    CertificationRoll,
    Debt,
    Debtor,
    Installment,
    NoticeItem,
    ParavoloType,
    PaymentNotice,
    Property,
    RevenueType,
    Settlement,
    SettlementScheme,
)
from debts.rf import accepts_amount, parse_rf
from debts.services import issue_paravolo
from payments.models import Payment
from taxisnet_auth.sandbox.views import NAMED_DEMO_AFMS
from thermi_portal import demo

pytestmark = pytest.mark.django_db

MODELS = (
    RevenueType,
    ParavoloType,
    CertificationRoll,
    AssessmentNote,
    SettlementScheme,
    Debtor,
    Debt,
    Settlement,
    Installment,
    PaymentNotice,
    NoticeItem,
    Property,
    User,
)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff_groups():
    for _username, name, _first, _last in demo.STAFF:
        Group.objects.get_or_create(name=name)


def seed(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts() -> dict[str, int]:
    rows = {model.__name__: model.objects.count() for model in MODELS}
    rows["history"] = Debtor.history.count() + Debt.history.count()
    return rows


def test_seeding_twice_creates_nothing_new(staff_groups):
    seed()
    first = counts()
    out, _ = seed()

    assert counts() == first
    assert first["Debtor"] == len(demo.CITIZENS)
    assert "Admin: http://127.0.0.1:8000/admin/  user admin  password thermi-demo" in out


def test_named_citizens_are_in_their_situations():
    seed()
    today = timezone.localdate()

    for afm in demo.NAMED_AFMS:
        assert vat.is_valid(afm)
        assert not afm.startswith(demo.GENERATED_AFM_PREFIX)
    assert NAMED_DEMO_AFMS == demo.NAMED_AFMS, "the GSIS sandbox lists them first"
    vavoula = Debtor.objects.get(afm="068933130")
    assert (vavoula.last_name, vavoula.first_name, vavoula.father_name) == (
        "ΒΑΒΟΥΛΑ",
        "ΕΥΤΥΧΙΑ",
        "ΕΜΜΑΝΟΥΗΛ",
    )
    overdue = vavoula.debts.filter(roll__isnull=False, due_date__lt=today)
    assert {debt.due_date.year for debt in overdue} == set(range(2019, 2025))
    assert all(debt.surcharge(today) > 0 for debt in overdue)
    assert vavoula.debts.filter(assessment_note__isnull=False).count() == 1
    assert vavoula.debts.filter(certified_on__isnull=True).exists()
    assert vavoula.notices.get().origin == PaymentNotice.Origin.MUNICIPALITY

    settled = Debtor.objects.get(afm="094014201")
    settlement = settled.settlements.get(status=Settlement.Status.ACTIVE)
    assert settlement.installments.filter(due_date__gt=today).count() >= 6
    assert settled.debts.filter(status=Debt.Status.IN_SETTLEMENT).count() >= 2
    assert settled.debts.filter(revenue_type__code="0461").exists()
    assert settled.debts.filter(revenue_type__kind=RevenueType.Kind.FINE).exists()

    cafe = Debtor.objects.get(kind=Debtor.Kind.BUSINESS)
    assert cafe.debts.filter(revenue_type__code="0431", due_date__lt=today).exists()
    assert cafe.debts.filter(revenue_type__kind=RevenueType.Kind.RENT).exists()

    nikolaou = Debtor.objects.get(last_name="ΝΙΚΟΛΑΟΥ")
    paravolo = nikolaou.debts.get(revenue_type__kind=RevenueType.Kind.PARAVOLO)
    assert paravolo.notice_items.get(is_open=True)
    assert not issue_paravolo(nikolaou, paravolo.paravolo_type).created  # the same, once

    paid_up = Debtor.objects.get(afm="057318625")
    assert not paid_up.debts.exclude(status=Debt.Status.PAID).exists()
    payment = Payment.objects.get(notice__debtor=paid_up)
    assert payment.notice.status == PaymentNotice.Status.PAID
    assert not RevenueType.objects.filter(kind=RevenueType.Kind.PARAVOLO, surchargeable=True)


def test_demo_properties_owe_tap_or_not():
    from debts.tap import properties_owing_tap

    seed("--debtors", "20")

    home = Debtor.objects.get(afm="068933130").properties.get()
    paid = Debtor.objects.get(afm="057318625").properties.get()
    assert properties_owing_tap({home.pk, paid.pk}) == {home.pk}
    karagiannis = Debtor.objects.get(afm="094014201").properties.get()
    assert karagiannis.debts.filter(status=Debt.Status.IN_SETTLEMENT).exists()
    generated = Property.objects.exclude(debtor__afm__in=demo.NAMED_AFMS)
    assert generated.count() == 20
    assert properties_owing_tap(set(generated.values_list("pk", flat=True)))
    tap = Debt.objects.filter(revenue_type__code="0313")
    assert not tap.filter(tap_property__isnull=True).exists()
    assert not tap.exclude(tap_property__debtor=models.F("debtor")).exists()


def test_generated_debtors_are_idempotent_and_extend():
    seed("--debtors", "300")
    seed("--debtors", "300")
    assert demo.generated_debtors().count() == 300

    seed("--debtors", "500")
    generated = demo.generated_debtors()
    assert generated.count() == 500
    assert not generated.annotate(n=Count("debts")).filter(n=0).exists()
    assert all(vat.is_valid(afm) for afm in generated.values_list("afm", flat=True))
    assert generated.filter(notices__isnull=False).exists()
    # A παράβολο is issued with its notice, never as a debt without a way to pay it.
    paravola = Debt.objects.filter(debtor__in=generated, paravolo_type__isnull=False)
    assert paravola.exists()
    assert not paravola.exclude(notice_items__is_open=True).exists()


def test_a_batch_that_fails_leaves_nothing_behind(monkeypatch):
    """A rerun skips debtors that exist, so a half-made batch would never get its notices."""

    def fail(*args):
        raise RuntimeError("no RF codes today")

    monkeypatch.setattr(demo, "_give_unique_rf_codes", fail)
    with pytest.raises(RuntimeError):
        seed("--debtors", "5")
    assert not demo.generated_debtors().exists()


def test_the_demo_settlement_respects_a_shorter_backdating_limit(settings):
    settings.SETTLEMENT_BACKDATE_DAYS = 5
    seed()
    assert Settlement.objects.get().approved_on == timezone.localdate() - timedelta(days=5)
    assert User.objects.filter(is_staff=True).exists()


def test_every_notice_adds_up_and_its_rf_takes_its_total():
    seed("--debtors", "300")

    notices = PaymentNotice.objects.annotate(
        principal=Sum("items__principal"), surcharge=Sum("items__surcharge")
    )
    assert notices.count() > len(demo.CITIZENS)
    for notice in notices:
        assert notice.total == notice.principal + notice.surcharge
        parse_rf(notice.rf_code)
        assert accepts_amount(notice.rf_code, notice.total)
        assert notice.valid_until >= timezone.localdate()
    twice = NoticeItem.objects.filter(is_open=True, debt__isnull=False).values("debt")
    assert not twice.annotate(n=Count("id")).filter(n__gt=1).exists()


def test_staff_users_join_their_groups_and_missing_groups_are_skipped(staff_groups):
    Group.objects.filter(name="Ταμείο").delete()

    _, err = seed("--password", "another-secret")

    assert User.objects.get(username="admin").is_superuser
    esoda = User.objects.get(username="esoda")
    assert esoda.is_staff and esoda.check_password("another-secret")
    assert esoda.groups.filter(name="Τμήμα Εσόδων").exists()
    assert not User.objects.filter(username="tameio").exists()
    assert "Ταμείο" in err


def test_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        seed()
    assert not Debtor.objects.exists()
