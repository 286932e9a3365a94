"""Fixtures that build the receivables the way staff would: through models and services."""

import io
import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone, translation
from stdnum.gr import vat

from debts.models import (
    AssessmentNote,
    CertificationRoll,
    Debt,
    Debtor,
    RevenueType,
    Settlement,
    SettlementScheme,
)
from debts.services import build_notice, create_settlement
from tests.browser import chromium  # noqa: F401 (a fixture for the browser tests)
from tests.card_gateway import localstripe_url, stripe_gateway  # noqa: F401 (card gateway)

_afm_serial = itertools.count(10_000_000)


@pytest.fixture(autouse=True)
def _portal_language():
    """Each test starts in Greek: a request for an English page leaves English active."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


def valid_afm() -> str:
    """A fresh ΑΦΜ that passes the mod-11 check."""
    while True:
        base = f"{next(_afm_serial):08d}"
        afm = base + vat.calc_check_digit(base)
        if vat.is_valid(afm):
            return afm


@pytest.fixture
def revenue(db):
    """A few revenue types, keyed by a short name."""
    kinds = RevenueType.Kind
    rows = {
        "cleaning": (
            "0311",
            "Τέλη καθαριότητας και φωτισμού",
            "Cleaning and lighting fees",
            kinds.FEE,
            True,
        ),
        "tap": ("0313", "Τέλος ακίνητης περιουσίας", "Property tax", kinds.TAX, True),
        "nursery": ("0461", "Τροφεία παιδικών σταθμών", "Nursery fees", kinds.FEE, False),
        "paravolo": ("1699", "Παράβολα", "Administrative fees", kinds.PARAVOLO, False),
    }
    return {
        key: RevenueType.objects.create(
            code=code, name=name, name_en=name_en, kind=kind, surchargeable=surchargeable
        )
        for key, (code, name, name_en, kind, surchargeable) in rows.items()
    }


@pytest.fixture
def make_debtor(db):
    def make(**fields) -> Debtor:
        fields.setdefault("afm", valid_afm())
        fields.setdefault("last_name", "ΠΑΠΑΔΟΠΟΥΛΟΣ")
        fields.setdefault("first_name", "ΓΙΩΡΓΟΣ")
        return Debtor.objects.create(**fields)

    return make


@pytest.fixture
def roll(db):
    return CertificationRoll.objects.create(
        number="ΒΚ-1/2023", title="Τέλη καθαριότητας 2023", certified_on=date(2023, 3, 1)
    )


@pytest.fixture
def make_debt(revenue, roll):
    """A debt: certified on ``roll`` when a ``due_date`` is given, else uncertified."""

    def make(debtor, principal="100.00", *, kind="cleaning", due_date=None, **fields) -> Debt:
        certified = {"certified_on": roll.certified_on, "roll": roll} if due_date else {}
        return Debt.objects.create(
            debtor=debtor,
            revenue_type=revenue[kind],
            description=fields.pop("description", f"{revenue[kind].name} {principal}"),
            principal=Decimal(principal),
            due_date=due_date,
            **certified,
            **fields,
        )

    return make


@pytest.fixture
def today_is(monkeypatch):
    """``today_is(day)``: from then on the code's today, ``timezone.localdate()``, is ``day``."""
    localdate = timezone.localdate

    def set_today(day: date) -> date:
        def fixed(value=None, timezone=None):
            return day if value is None else localdate(value, timezone)

        monkeypatch.setattr("django.utils.timezone.localdate", fixed)
        return day

    return set_today


@pytest.fixture
def scheme(db):
    """The permanent scheme of ν.4152/2013 as amended: 2–24 installments, ≥ €30 each."""
    return SettlementScheme.objects.create(
        name="Πάγια ρύθμιση 24 δόσεων",
        name_en="Permanent settlement, 24 installments",
        legal_basis="ν.4152/2013, ν.4646/2019",
        min_installments=2,
        max_installments=24,
        min_installment_amount=Decimal("30.00"),
        annual_interest_rate=Decimal("0.1015"),
        late_installment_monthly_rate=Decimal("0.05"),
        misses_before_loss=3,
    )


@pytest.fixture
def make_settlement(scheme):
    """Settle ``debts`` under ``scheme``, the first installment due in some days. It is approved
    today, or on the first due date when that is past (a settlement approved on paper)."""
    serial = itertools.count(1)

    def make(debtor, debts, *, installments=2, first_due_in_days=30) -> Settlement:
        today = timezone.localdate()
        first_due_date = today + timedelta(days=first_due_in_days)
        return create_settlement(
            debtor,
            debts,
            scheme,
            number=f"Ρ-{next(serial)}/{today.year}",
            installments=installments,
            approved_on=min(today, first_due_date),
            first_due_date=first_due_date,
        )

    return make


CITIZEN_PASSWORD = "Θέρμη-δοκιμή-2026"


@pytest.fixture
def make_citizen(db, make_debtor, django_user_model):
    """An account as a citizen ends up with: tied to a debtor, email verified, own password."""
    from allauth.account.models import EmailAddress

    def make(debtor: Debtor | None = None, email: str | None = None):
        debtor = debtor or make_debtor()
        email = email or f"citizen{debtor.afm}@example.gr"
        user = django_user_model.objects.create_user(
            username=f"afm{debtor.afm}", email=email, password=CITIZEN_PASSWORD
        )
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        debtor.user = user
        debtor.save(update_fields=["user"])
        return user

    return make


@pytest.fixture
def citizen_client(client, make_citizen):
    """A test client logged in as a fresh citizen; ``client.debtor`` is their card."""
    user = make_citizen()
    client.force_login(user)
    client.debtor = user.debtor
    return client


@pytest.fixture
def admin_user(admin_user):
    """pytest-django's superuser (behind ``admin_client``), with the second factor the admin
    requires of staff."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(admin_user, generate_totp_secret())
    return admin_user


@pytest.fixture(autouse=True)
def _empty_caches():
    """Each test starts with empty caches: the overviews and rate limits of another test are
    not its own."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


GSIS_SANDBOX = "/gsis-sandbox/oauth2server"


@pytest.fixture
def gsis_sandbox(settings, live_server, monkeypatch):
    """The TaxisNet provider pointed at the GSIS sandbox on the live server, with fast password
    hashing; rate limits and used TOTP codes (in the shared cache) forgotten between tests.

    The live server answers each request in a thread that HTTP keep-alive may keep waiting; with
    persistent database connections it would hold one past the end of the test database.
    """
    import copy

    from django.core.cache import cache
    from django.db import DEFAULT_DB_ALIAS, connections

    monkeypatch.setitem(connections[DEFAULT_DB_ALIAS].settings_dict, "CONN_MAX_AGE", 0)
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    providers["taxisnet"]["BASE_URL"] = live_server.url + GSIS_SANDBOX
    settings.SOCIALACCOUNT_PROVIDERS = providers
    settings.TAXISNET_SANDBOX = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_everything(make_debt, revenue, make_settlement):
    """Give ``debtor`` a debt in every group, a settlement, a paid debt and an open notice on the
    certified debt; the rows by name."""

    def make(debtor: Debtor) -> dict:
        certified = make_debt(debtor, "200.00", due_date=date(2024, 12, 31), description="ΤΚΦ 2024")
        water = make_debt(debtor, "45.00", description="Λογαριασμός νερού")
        paravolo = make_debt(debtor, "4.50", kind="paravolo", description="Παράβολο ένστασης")
        note = AssessmentNote.objects.create(
            number="ΒΣ-9/2025", issued_on=date(2025, 1, 10), reason="ΤΑΠ"
        )
        assessed = Debt.objects.create(
            debtor=debtor,
            revenue_type=revenue["tap"],
            description="Διαφορά ΤΑΠ",
            reference="ΑΚ-0001234",
            principal=Decimal("80.00"),
            certified_on=date(2025, 1, 10),
            due_date=date(2025, 1, 17),
            assessment_note=note,
            period_start=date(2024, 1, 1),
            period_end=date(2024, 12, 31),
        )
        settled = make_debt(debtor, "600.00", due_date=date(2024, 1, 31), description="ΤΑΠ 2023")
        settlement = make_settlement(debtor, [settled], installments=6, first_due_in_days=20)
        paid = make_debt(debtor, "10.00", description="Εξοφλημένη οφειλή")
        Debt.states.advance(paid, Debt.Status.PAID, cause="paid at the counter")
        return {
            "certified": certified,
            "water": water,
            "paravolo": paravolo,
            "assessed": assessed,
            "settlement": settlement,
            "paid": paid,
            "notice": build_notice(debtor, debts=[certified]),
        }

    return make


@pytest.fixture
def debtor(make_debtor):
    """The debtor of the counter's and finance's pages (a module may define its own)."""
    return make_debtor(afm="068933130", last_name="ΒΑΒΟΥΛΑ", first_name="ΕΥΤΥΧΙΑ")


@pytest.fixture
def debts(debtor, make_debt):
    """Two open debts of ``debtor``: an older certified one and a water bill."""
    return [
        make_debt(debtor, "120.00", due_date=date(2024, 6, 30), description="ΤΚΦ 2024"),
        make_debt(debtor, "35.50", description="Λογαριασμός νερού"),
    ]


@pytest.fixture
def make_notice(make_debtor, make_debt):
    """An open notice of one debt (``principal``) of a new debtor, or of ``debtor``."""

    def make(principal="120.00", debtor=None):
        debtor = debtor or make_debtor()
        return build_notice(debtor, debts=[make_debt(debtor, principal)])

    return make


@pytest.fixture
def write(tmp_path):
    """Write a file (text or bytes) the test made, such as a bank statement; its path."""

    def write(text: str | bytes, name="statement.xml"):
        path = tmp_path / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return str(path)

    return write


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def as_terminal(monkeypatch) -> io.StringIO:
    """Standard error as a terminal, kept to be read: what a command shows a person at one.
    Called in the test itself: pytest puts its own capture back on standard error between a
    fixture's setup and the test."""
    stream = _Terminal()
    monkeypatch.setattr("sys.stderr", stream)
    return stream
