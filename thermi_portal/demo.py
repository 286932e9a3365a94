"""Demo data of the Municipality of Thermi, and a fast generator of many debtors for load tests.

Everything is keyed on a natural key (ΑΦΜ, ΚΑΕ, roll, note and settlement number, scheme name),
so seeding again creates nothing; a named citizen's debts are created only with the citizen. The
named citizens go through the services, as staff would; generated debtors are bulk-created in
batches, one transaction each, with their notices built to the same invariants as
``services.build_notice``. Amounts, codes and legal texts are demo data, not the municipality's.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import islice

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from stdnum.gr import vat

from debts import services
from debts.models import (
    AssessmentNote,
    CertificationRoll,
    Debt,
    Debtor,
    NoticeItem,
    ParavoloType,
    PaymentNotice,
    Property,
    RevenueType,
    SettlementScheme,
)
from debts.money import ZERO, round_money
from debts.rf import IDENTIFIER_DIGITS, make_rf
from debts.surcharges import add_months
from payments.models import Channel
from payments.services import settle

SEED = 2026
BATCH_SIZE = 2000
# Generated ΑΦΜ: this prefix, a 6-digit serial and the check digit; no named citizen starts so.
GENERATED_AFM_PREFIX = "17"
MAX_GENERATED_DEBTORS = 10**6
ADMIN_URL = "http://127.0.0.1:8000/admin/"

KIND = RevenueType.Kind
POSTAL_CODE = "57001"
PERSON_TAX_OFFICE = "Ζ' Θεσσαλονίκης"
BUSINESS_TAX_OFFICE = "Καλαμαριάς"

# key: (ΚΑΕ, name, English name, kind, surchargeable). Fees, rents and fines bear ΚΕΔΕ surcharges
# once certified (uncertified bills never do); παράβολα never.
REVENUE_TYPES = {
    "tkf": ("0311", "Τέλη καθαριότητας και φωτισμού", "Cleaning and lighting fees", KIND.FEE, True),
    "tap": ("0313", "Τέλος ακίνητης περιουσίας (ΤΑΠ)", "Property tax (TAP)", KIND.TAX, True),
    "space": (
        "0431",
        "Τέλη χρήσης κοινόχρηστων χώρων",
        "Fees for the use of public space",
        KIND.FEE,
        True,
    ),
    "kok": (
        "1511",
        "Πρόστιμα ΚΟΚ Δημοτικής Αστυνομίας",
        "Municipal police traffic fines",
        KIND.FINE,
        True,
    ),
    "nursery": ("0461", "Τροφεία παιδικών σταθμών", "Nursery fees", KIND.FEE, True),
    "rent": (
        "0111",
        "Μισθώματα δημοτικών ακινήτων",
        "Rents of municipal property",
        KIND.RENT,
        True,
    ),
    "paravolo": ("1699", "Παράβολα", "Administrative fees (paravola)", KIND.PARAVOLO, False),
}

# (name, English name, amount, legal basis, when it is required)
PARAVOLO_TYPES = (
    (
        "Παράβολο ένστασης κατά προστίμου",
        "Fee for an objection to a fine",
        "4.50",
        "Απόφαση Δημοτικού Συμβουλίου για τα παράβολα (δεδομένα επίδειξης)",
        "Κατατίθεται με την ένσταση κατά προστίμου της Δημοτικής Αστυνομίας ή του Δήμου.",
        "Paid with an objection to a fine of the Municipal Police or the municipality.",
    ),
    (
        "Παράβολο ένστασης κατά πράξης της Υπηρεσίας Δόμησης",
        "Fee for an objection to a building-permit decision",
        "50.00",
        "ν.4495/2017 · Απόφαση Δημοτικού Συμβουλίου (δεδομένα επίδειξης)",
        "Κατατίθεται με την ένσταση κατά πράξης ή έκθεσης αυτοψίας της ΥΔΟΜ.",
        "Paid with an objection to a decision or inspection report of the building office.",
    ),
    (
        "Παράβολο έκδοσης βεβαίωσης μη οφειλής ΤΑΠ",
        "Fee for a certificate that no property tax is owed",
        "5.00",
        "ν.2130/1993 άρθρο 24 §18α · Απόφαση Δημοτικού Συμβουλίου (δεδομένα επίδειξης)",
        "Καταβάλλεται με την αίτηση για τη βεβαίωση που απαιτείται στη μεταβίβαση ακινήτου.",
        "Paid with the application for the certificate a property transfer requires.",
    ),
    (
        "Παράβολο αίτησης άδειας χρήσης κοινόχρηστου χώρου",
        "Fee for a permit to use public space",
        "20.00",
        "ν.1080/1980 άρθρο 3 · Απόφαση Δημοτικού Συμβουλίου (δεδομένα επίδειξης)",
        "Καταβάλλεται με την αίτηση για τραπεζοκαθίσματα ή προθήκες σε πεζοδρόμιο ή πλατεία.",
        "Paid with the application for tables and chairs or displays on a pavement or square.",
    ),
)

PERMANENT_SCHEME = "Πάγια ρύθμιση"
SCHEMES = {
    PERMANENT_SCHEME: {
        "name_en": "Permanent settlement",
        "legal_basis": "ν.4152/2013, όπως τροποποιήθηκε με τον ν.4646/2019",
        "min_installments": 2,
        "max_installments": 24,
        "min_installment_amount": Decimal("30.00"),
        # ECB rate + 8 points; a demo figure, frozen in each settlement.
        "annual_interest_rate": Decimal("0.1015"),
        # The ΚΕΔΕ monthly rate on a late installment (not confirmed by a public source).
        "late_installment_monthly_rate": Decimal("0.0073"),
        "misses_before_loss": 3,
    },
    # The law writes off less for more installments (80/70/60/50 %); each band is a scheme of
    # its own, and the demo carries the 2–24 band.
    "ν.4611/2019, 2–24 δόσεις": {
        "name_en": "Law 4611/2019, 2–24 installments",
        "legal_basis": "ν.4611/2019",
        "min_installments": 2,
        "max_installments": 24,
        "min_installment_amount": Decimal("20.00"),
        # No interest in the demo: the write-off and the late charge are what this scheme shows.
        "annual_interest_rate": Decimal("0"),
        "surcharge_writeoff": Decimal("0.8000"),
        "late_installment_monthly_rate": Decimal("0.05"),
        "misses_before_loss": 3,
    },
}

# (username, group, first name, last name); the groups come from migration debts/0002.
STAFF = (
    ("tameio", "Ταμείο", "Ελένη", "Ταμία"),
    ("esoda", "Τμήμα Εσόδων", "Νικόλαος", "Εσόδων"),
    ("oikonomiki", "Οικονομική Διεύθυνση", "Αναστασία", "Οικονομικού"),
)
# The second factor the admin asks of staff: every demo staff user shares this published TOTP
# secret, so that whoever runs the demo can add it to an authenticator app. Demo data only.
DEMO_TOTP_SECRET = "THERMIDEMOSTAFFTOTPSECRETXYZ2345"  # noqa: S105 (published demo secret)

# Village: (streets, zone price €/m² for ΤΑΠ, nursery).
VILLAGES = {
    "Θέρμη": (
        ("Βασ. Όλγας", "Μεγάλου Αλεξάνδρου", "25ης Μαρτίου", "Ίωνος Δραγούμη", "Παύλου Μελά"),
        Decimal(1600),
        "1ος Παιδικός Σταθμός Θέρμης",
    ),
    "Τριάδι": (
        ("Αγίου Νικολάου", "Μακεδονίας", "Ολύμπου"),
        Decimal(1250),
        "Παιδικός Σταθμός Τριαδίου",
    ),
    "Νέα Ραιδεστός": (
        ("Ραιδεστού", "Ανατολικής Θράκης", "Αγίας Τριάδος"),
        Decimal(1000),
        "Παιδικός Σταθμός Νέας Ραιδεστού",
    ),
    "Σουρωτή": (
        ("Αγίου Ιωάννου", "Κεντρική", "Ελευθερίας"),
        Decimal(750),
        "Παιδικός Σταθμός Σουρωτής",
    ),
    "Ταγαράδες": (
        ("Αγίου Γεωργίου", "Σμύρνης", "Καραμανλή"),
        Decimal(1100),
        "Παιδικός Σταθμός Ταγαράδων",
    ),
}
TKF_RATE_HOME = Decimal("2.10")
TKF_RATE_SHOP = Decimal("4.20")
TAP_RATE = Decimal("0.00033")
AGE_FACTORS = (Decimal("0.80"), Decimal("0.85"), Decimal("0.90"), Decimal("1.00"))
NURSERY_FEES = (50, 80, 100, 150, 200, 250)
SPACE_RATES = (Decimal(39), Decimal(45), Decimal(60), Decimal("92.50"))
PARKING_VIOLATIONS = (
    ("στάθμευση όπου απαγορεύεται", Decimal(40)),
    ("στάθμευση επί πεζοδρομίου", Decimal(40)),
    ("στάθμευση σε διάβαση πεζών", Decimal(40)),
    ("στάθμευση χωρίς κάρτα ελεγχόμενης στάθμευσης", Decimal(10)),
)
PLATE_LETTERS = "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ"
# Names are data, packed a few to a line.
# fmt: off
MONTHS = (
    "Ιανουαρίου", "Φεβρουαρίου", "Μαρτίου", "Απριλίου", "Μαΐου", "Ιουνίου", "Ιουλίου",
    "Αυγούστου", "Σεπτεμβρίου", "Οκτωβρίου", "Νοεμβρίου", "Δεκεμβρίου",
)
MEN = (
    "ΓΕΩΡΓΙΟΣ", "ΔΗΜΗΤΡΙΟΣ", "ΙΩΑΝΝΗΣ", "ΚΩΝΣΤΑΝΤΙΝΟΣ", "ΝΙΚΟΛΑΟΣ", "ΑΘΑΝΑΣΙΟΣ", "ΧΡΗΣΤΟΣ",
    "ΒΑΣΙΛΕΙΟΣ", "ΕΥΑΓΓΕΛΟΣ", "ΑΝΤΩΝΙΟΣ", "ΠΑΝΑΓΙΩΤΗΣ", "ΣΤΑΥΡΟΣ", "ΘΕΟΔΩΡΟΣ", "ΑΠΟΣΤΟΛΟΣ",
    "ΜΙΧΑΗΛ", "ΣΩΤΗΡΙΟΣ", "ΕΜΜΑΝΟΥΗΛ",
)
WOMEN = (
    "ΜΑΡΙΑ", "ΕΛΕΝΗ", "ΑΙΚΑΤΕΡΙΝΗ", "ΒΑΣΙΛΙΚΗ", "ΣΟΦΙΑ", "ΑΓΓΕΛΙΚΗ", "ΓΕΩΡΓΙΑ", "ΔΗΜΗΤΡΑ",
    "ΕΥΑΓΓΕΛΙΑ", "ΙΩΑΝΝΑ", "ΠΑΡΑΣΚΕΥΗ", "ΧΡΙΣΤΙΝΑ", "ΑΝΑΣΤΑΣΙΑ", "ΚΥΡΙΑΚΗ", "ΘΕΟΔΩΡΑ", "ΔΕΣΠΟΙΝΑ",
)
# (man's form, woman's form)
SURNAMES = (
    ("ΠΑΠΑΔΟΠΟΥΛΟΣ", "ΠΑΠΑΔΟΠΟΥΛΟΥ"), ("ΓΕΩΡΓΙΑΔΗΣ", "ΓΕΩΡΓΙΑΔΟΥ"), ("ΚΑΡΑΓΙΑΝΝΗΣ", "ΚΑΡΑΓΙΑΝΝΗ"),
    ("ΙΩΑΝΝΙΔΗΣ", "ΙΩΑΝΝΙΔΟΥ"), ("ΝΙΚΟΛΑΪΔΗΣ", "ΝΙΚΟΛΑΪΔΟΥ"), ("ΘΕΟΔΩΡΙΔΗΣ", "ΘΕΟΔΩΡΙΔΟΥ"),
    ("ΒΑΣΙΛΕΙΑΔΗΣ", "ΒΑΣΙΛΕΙΑΔΟΥ"), ("ΚΩΝΣΤΑΝΤΙΝΙΔΗΣ", "ΚΩΝΣΤΑΝΤΙΝΙΔΟΥ"), ("ΤΣΟΛΑΚΗΣ", "ΤΣΟΛΑΚΗ"),
    ("ΣΑΒΒΙΔΗΣ", "ΣΑΒΒΙΔΟΥ"), ("ΠΑΥΛΙΔΗΣ", "ΠΑΥΛΙΔΟΥ"), ("ΛΑΖΑΡΙΔΗΣ", "ΛΑΖΑΡΙΔΟΥ"),
    ("ΑΘΑΝΑΣΙΑΔΗΣ", "ΑΘΑΝΑΣΙΑΔΟΥ"), ("ΜΗΤΣΟΠΟΥΛΟΣ", "ΜΗΤΣΟΠΟΥΛΟΥ"), ("ΚΟΥΤΣΟΥΚΟΣ", "ΚΟΥΤΣΟΥΚΟΥ"),
    ("ΔΗΜΗΤΡΙΟΥ", "ΔΗΜΗΤΡΙΟΥ"), ("ΑΛΕΞΙΟΥ", "ΑΛΕΞΙΟΥ"), ("ΧΑΤΖΗΙΩΑΝΝΟΥ", "ΧΑΤΖΗΙΩΑΝΝΟΥ"),
    ("ΤΡΙΑΝΤΑΦΥΛΛΟΥ", "ΤΡΙΑΝΤΑΦΥΛΛΟΥ"), ("ΠΑΠΑΓΕΩΡΓΙΟΥ", "ΠΑΠΑΓΕΩΡΓΙΟΥ"),
)
# fmt: on
BUSINESSES = ("ΚΑΦΕΤΕΡΙΑ", "ΑΡΤΟΠΟΙΕΙΟ", "ΟΥΖΕΡΙ", "ΨΗΤΟΠΩΛΕΙΟ", "ΖΑΧΑΡΟΠΛΑΣΤΕΙΟ", "ΠΑΝΤΟΠΩΛΕΙΟ")

# The first year of the property rolls: the oldest overdue ΤΚΦ and ΤΑΠ of the demo.
FIRST_ROLL_YEAR = 2019


@dataclass(frozen=True)
class Reference:
    """The reference rows the debts point at, fetched once per run."""

    revenue: dict[str, RevenueType]
    rolls: dict[tuple[str, int], CertificationRoll]
    schemes: dict[str, SettlementScheme]
    paravola: list[ParavoloType]


def _roll_specs(today: date) -> dict[tuple[str, int], tuple[str, str, date]]:
    """(kind, year) → (number, title, certified on): ΤΚΦ-ΤΑΠ, public space and fines by year."""
    year = today.year
    specs = {}
    for y in range(FIRST_ROLL_YEAR, year + 1):
        title = f"Τέλη καθαριότητας-φωτισμού και ΤΑΠ μη ηλεκτροδοτούμενων ακινήτων {y}"
        specs["property", y] = (f"ΒΚ 1/{y}", title, date(y, 3, 15))
    for y in range(year - 2, year + 1):
        specs["space", y] = (f"ΒΚ 2/{y}", f"Τέλη χρήσης κοινόχρηστων χώρων {y}", date(y, 1, 20))
    for y in range(year - 3, year):
        specs["kok", y] = (f"ΒΚ 3/{y}", f"Ανεξόφλητα πρόστιμα ΚΟΚ {y}", date(y, 12, 15))
    # The current year's rolls cannot be certified in the future.
    return {key: (n, t, min(on, today)) for key, (n, t, on) in specs.items()}


def seed_reference(today: date) -> Reference:
    """Revenue types, παράβολα, rolls and settlement schemes, each created only if missing."""
    revenue = {
        key: RevenueType.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "kind": kind, "surchargeable": surcharged},
        )[0]
        for key, (code, name, name_en, kind, surcharged) in REVENUE_TYPES.items()
    }
    paravola = [
        ParavoloType.objects.get_or_create(
            name=name,
            defaults={
                "name_en": name_en,
                "revenue_type": revenue["paravolo"],
                "amount": Decimal(amount),
                "legal_basis": legal_basis,
                "description": description,
                "description_en": description_en,
            },
        )[0]
        for name, name_en, amount, legal_basis, description, description_en in PARAVOLO_TYPES
    ]
    rolls = {
        key: CertificationRoll.objects.get_or_create(
            number=number, defaults={"title": title, "certified_on": certified_on}
        )[0]
        for key, (number, title, certified_on) in _roll_specs(today).items()
    }
    schemes = {
        name: SettlementScheme.objects.get_or_create(name=name, defaults=terms)[0]
        for name, terms in SCHEMES.items()
    }
    return Reference(revenue=revenue, rolls=rolls, schemes=schemes, paravola=paravola)


def _tkf(area: int, rate: Decimal = TKF_RATE_HOME) -> Decimal:
    """Cleaning and lighting fees: m² × the rate for the use."""
    return round_money(area * rate)


def _tap(area: int, zone_price: Decimal, age_factor: Decimal) -> Decimal:
    """ΤΑΠ: m² × zone price × age factor × the municipality's rate."""
    return round_money(area * zone_price * age_factor * TAP_RATE)


def _rng(*key) -> random.Random:
    """A generator seeded by ``key``, so that demo data comes out the same on every run."""
    return random.Random(":".join(map(str, (SEED, *key))))  # noqa: S311 (demo data, no secret)


def _certified(roll: CertificationRoll, due_date: date) -> dict:
    return {"roll": roll, "certified_on": roll.certified_on, "due_date": due_date}


def _plate(rng: random.Random) -> str:
    letters = "".join(rng.choice(PLATE_LETTERS) for _ in range(2))
    return f"Ν{letters}-{rng.randint(1000, 9999)}"


def _parking_fine(rng: random.Random, city: str, issued: date) -> tuple[Decimal, str, str]:
    """(amount, description, reference) of a municipal police parking ticket."""
    violation, amount = rng.choice(PARKING_VIOLATIONS)
    street = rng.choice(VILLAGES[city][0])
    plate = _plate(rng)
    ticket = f"{rng.randint(1, 9999):04d}/{issued.year}"
    description = f"Κλήση {ticket}: {violation}, {street}, {city}, {issued:%d/%m/%Y}, {plate}"
    return amount, description, f"Κλ. {ticket} {plate}"


# --- Named citizens -------------------------------------------------------------------------


def _vavoula(debtor: Debtor, ref: Reference, today: date) -> None:
    """Overdue ΤΚΦ and ΤΑΠ of 2019–2024, a ΤΑΠ difference by assessment note (on a notice of the
    municipality) and this year's uncertified bill."""
    area, zone, age = 96, VILLAGES["Θέρμη"][1], Decimal("0.85")
    place = "Μεγάλου Αλεξάνδρου 14, Θέρμη"
    home = Property.objects.create(
        debtor=debtor,
        address=place,
        kaek="190451816008/0/2",
        supply_number="123456789",
        area=area,
    )
    for year in range(2019, 2025):
        roll = ref.rolls["property", year]
        for key, principal in (("tkf", _tkf(area)), ("tap", _tap(area, zone, age))):
            Debt.objects.create(
                debtor=debtor,
                revenue_type=ref.revenue[key],
                description=f"{ref.revenue[key].name} {year}: {place} ({area} τ.μ.)",
                reference="ΑΚ-0004512",
                period_start=date(year, 1, 1),
                period_end=date(year, 12, 31),
                principal=principal,
                tap_property=home if key == "tap" else None,
                **_certified(roll, date(year, 6, 30)),
            )
    issued = today - timedelta(days=40)
    note, _ = AssessmentNote.objects.get_or_create(
        number=f"ΒΣ 118/{issued.year}",
        defaults={
            "issued_on": issued,
            "reason": (
                f"Διαφορά ΤΑΠ ετών {issued.year - 5}–{issued.year - 1} για το ακίνητο {place}: "
                "κατά τη μεταβίβαση διαπιστώθηκε εμβαδόν 96 τ.μ. αντί των 71 τ.μ. που δηλώνονταν."
            ),
        },
    )
    note_debt = Debt.objects.create(
        debtor=debtor,
        revenue_type=ref.revenue["tap"],
        description=f"Διαφορά ΤΑΠ {issued.year - 5}–{issued.year - 1}: {place} (25 τ.μ.)",
        reference="ΑΚ-0004512",
        principal=_tap(25, zone, age) * 5,
        certified_on=issued,
        due_date=issued + timedelta(days=30),
        assessment_note=note,
        tap_property=home,
    )
    Debt.objects.create(
        debtor=debtor,
        revenue_type=ref.revenue["tkf"],
        description=f"Τέλη καθαριότητας και φωτισμού {today.year}: {place} ({area} τ.μ.)",
        reference="ΑΚ-0004512",
        period_start=date(today.year, 1, 1),
        period_end=date(today.year, 12, 31),
        principal=_tkf(area),
        due_date=today + timedelta(days=25),
    )
    services.build_notice(debtor, debts=[note_debt], origin=PaymentNotice.Origin.MUNICIPALITY)


def _karagiannis(debtor: Debtor, ref: Reference, today: date) -> None:
    """ΤΚΦ and ΤΑΠ of 2021–2024 in a settlement of 12 installments whose first is overdue and on
    a notice, plus this month's nursery fee and a recent parking fine."""
    area, zone, age = 110, VILLAGES["Τριάδι"][1], Decimal("0.90")
    place = "Αγίου Νικολάου 7, Τριάδι"
    home = Property.objects.create(
        debtor=debtor, address=place, supply_number="234567891", area=area, share=Decimal(50)
    )
    debts = [
        Debt.objects.create(
            debtor=debtor,
            revenue_type=ref.revenue[key],
            description=f"{ref.revenue[key].name} {year}: {place} ({area} τ.μ.)",
            reference="ΑΚ-0007731",
            period_start=date(year, 1, 1),
            period_end=date(year, 12, 31),
            principal=principal,
            tap_property=home if key == "tap" else None,
            **_certified(ref.rolls["property", year], date(year, 6, 30)),
        )
        for year in range(2021, 2025)
        for key, principal in (("tkf", _tkf(area)), ("tap", _tap(area, zone, age)))
    ]
    # Approved on paper some days ago, within what the portal lets staff enter.
    approved = today - timedelta(days=min(20, settings.SETTLEMENT_BACKDATE_DAYS))
    settlement = services.create_settlement(
        debtor,
        debts,
        ref.schemes[PERMANENT_SCHEME],
        number=f"ΡΥΘ 7/{approved.year}",
        installments=12,
        approved_on=approved,
        first_due_date=approved + timedelta(days=3),
    )
    services.build_notice(
        debtor,
        installments=[settlement.installments.get(number=1)],
        origin=PaymentNotice.Origin.MUNICIPALITY,
    )
    Debt.objects.create(
        debtor=debtor,
        revenue_type=ref.revenue["nursery"],
        description=f"Τροφεία {MONTHS[today.month - 1]} {today.year}: {VILLAGES['Τριάδι'][2]}",
        reference="Παιδί: ΚΑΡΑΓΙΑΝΝΗ ΑΝΝΑ",
        period_start=today.replace(day=1),
        period_end=add_months(today.replace(day=1), 1) - timedelta(days=1),
        principal=Decimal(120),
        due_date=add_months(today.replace(day=10), 1),
    )
    issued = today - timedelta(days=12)
    amount, description, reference = _parking_fine(_rng("karagiannis"), "Θέρμη", issued)
    Debt.objects.create(
        debtor=debtor,
        revenue_type=ref.revenue["kok"],
        description=description,
        reference=reference,
        principal=amount,
        due_date=issued + timedelta(days=60),
    )


def _cafe(debtor: Debtor, ref: Reference, today: date) -> None:
    """Tables on the square by the semester over three years (the past ones overdue and on a
    notice of the municipality) and this month's rent of the municipal shop."""
    area, rate = 32, Decimal(45)
    overdue = []
    for year in range(today.year - 2, today.year + 1):
        for half, due in ((1, date(year, 6, 30)), (2, date(year, 12, 31))):
            debt = Debt.objects.create(
                debtor=debtor,
                revenue_type=ref.revenue["space"],
                description=(
                    f"Τραπεζοκαθίσματα {area} τ.μ., Πλατεία Θέρμης, {half}ο εξάμηνο {year}"
                ),
                reference="Άδεια ΚΧ 31/2022",
                period_start=date(year, 1, 1) if half == 1 else date(year, 7, 1),
                period_end=date(year, 6, 30) if half == 1 else date(year, 12, 31),
                principal=round_money(area * rate / 2),
                **_certified(ref.rolls["space", year], due),
            )
            if due < today:
                overdue.append(debt)
    Debt.objects.create(
        debtor=debtor,
        revenue_type=ref.revenue["rent"],
        description=f"Μίσθωμα {MONTHS[today.month - 1]} {today.year}: δημοτικό κατάστημα "
        "Πλατείας Θέρμης 3",
        reference="Σύμβαση μίσθωσης 14/2022",
        period_start=today.replace(day=1),
        period_end=add_months(today.replace(day=1), 1) - timedelta(days=1),
        principal=Decimal(650),
        due_date=add_months(today.replace(day=5), 1),
    )
    services.build_notice(debtor, debts=overdue, origin=PaymentNotice.Origin.MUNICIPALITY)


def _nikolaou(debtor: Debtor, ref: Reference, today: date) -> None:
    """A parking fine of last year, certified and overdue, and a fresh one he objects to, with
    the objection's παράβολο on a notice he built himself."""
    rng = _rng("nikolaou")
    last_year = ref.rolls["kok", today.year - 1]
    for issued, certification in (
        (
            last_year.certified_on - timedelta(days=90),
            _certified(last_year, last_year.certified_on + timedelta(days=60)),
        ),
        (today - timedelta(days=5), {"due_date": today + timedelta(days=55)}),
    ):
        amount, description, reference = _parking_fine(rng, "Σουρωτή", issued)
        Debt.objects.create(
            debtor=debtor,
            revenue_type=ref.revenue["kok"],
            description=description,
            reference=reference,
            principal=amount,
            **certification,
        )
    objection = next(p for p in ref.paravola if p.amount == Decimal("4.50"))
    services.issue_paravolo(debtor, objection)


def _paid_up(debtor: Debtor, ref: Reference, today: date) -> None:
    """Owes nothing: this year's cleaning fees and ΤΑΠ, paid at a bank with the notice's RF; the
    certificate of no ΤΑΠ debt for the property is issued at once."""
    place = "Σμύρνης 5, Ταγαράδες"
    home = Property.objects.create(debtor=debtor, address=place, supply_number="345678912", area=82)
    tap = Debt.objects.create(
        debtor=debtor,
        revenue_type=ref.revenue["tap"],
        description=f"Τέλος ακίνητης περιουσίας {today.year}: {place} (82 τ.μ.)",
        period_start=date(today.year, 1, 1),
        period_end=date(today.year, 12, 31),
        principal=_tap(82, VILLAGES["Ταγαράδες"][1], Decimal("0.90")),
        tap_property=home,
    )
    debt = Debt.objects.create(
        debtor=debtor,
        revenue_type=ref.revenue["tkf"],
        description=f"Τέλη καθαριότητας και φωτισμού {today.year}: {place} (82 τ.μ.)",
        reference="ΑΚ-0007731",
        period_start=date(today.year, 1, 1),
        period_end=date(today.year, 12, 31),
        principal=_tkf(82),
        due_date=today + timedelta(days=25),
    )
    notice = services.build_notice(debtor, debts=[debt, tap])
    settle(
        channel=Channel.BANK,
        reference=f"DEMO-DIAS-{debtor.afm}-{today:%Y%m%d}",
        amount=notice.total,
        received_at=timezone.now(),
        notice=notice,
    )


# (identity, the situation built when the citizen is created)
CITIZENS = (
    (
        {
            "afm": "068933130",
            "last_name": "ΒΑΒΟΥΛΑ",
            "first_name": "ΕΥΤΥΧΙΑ",
            "father_name": "ΕΜΜΑΝΟΥΗΛ",
            "tax_office": PERSON_TAX_OFFICE,
            "street": "Μεγάλου Αλεξάνδρου 14",
            "city": "Θέρμη",
            "email": "e.vavoula@example.org",
            "phone": "6944123456",
        },
        _vavoula,
    ),
    (
        {
            "afm": "094014201",
            "last_name": "ΚΑΡΑΓΙΑΝΝΗΣ",
            "first_name": "ΔΗΜΗΤΡΙΟΣ",
            "father_name": "ΓΕΩΡΓΙΟΣ",
            "tax_office": PERSON_TAX_OFFICE,
            "street": "Αγίου Νικολάου 7",
            "city": "Τριάδι",
            "email": "d.karagiannis@example.org",
            "phone": "6977654321",
        },
        _karagiannis,
    ),
    (
        {
            "afm": "998451274",
            "kind": Debtor.Kind.BUSINESS,
            "last_name": "ΠΛΑΤΕΙΑ ΚΑΦΕ ΜΑΥΡΙΔΗΣ Κ. & ΣΙΑ Ο.Ε.",
            "tax_office": BUSINESS_TAX_OFFICE,
            "street": "Πλατεία Θέρμης 3",
            "city": "Θέρμη",
            "email": "plateia.cafe@example.org",
            "phone": "2310461234",
        },
        _cafe,
    ),
    (
        {
            "afm": "114283901",
            "last_name": "ΝΙΚΟΛΑΟΥ",
            "first_name": "ΑΘΑΝΑΣΙΟΣ",
            "father_name": "ΚΩΝΣΤΑΝΤΙΝΟΣ",
            "tax_office": PERSON_TAX_OFFICE,
            "street": "Αγίου Ιωάννου 22",
            "city": "Σουρωτή",
            "phone": "6932001122",
        },
        _nikolaou,
    ),
    (
        {
            "afm": "057318625",
            "last_name": "ΠΑΠΑΔΟΠΟΥΛΟΥ",
            "first_name": "ΜΑΡΙΑ",
            "father_name": "ΙΩΑΝΝΗΣ",
            "tax_office": PERSON_TAX_OFFICE,
            "street": "Σμύρνης 5",
            "city": "Ταγαράδες",
            "email": "m.papadopoulou@example.org",
        },
        _paid_up,
    ),
)
NAMED_AFMS = tuple(identity["afm"] for identity, _ in CITIZENS)


def seed_citizens(ref: Reference, today: date) -> int:
    """The named citizens, each with their situation only when the citizen is new."""
    created = 0
    for identity, situation in CITIZENS:
        with transaction.atomic():
            fields = {**identity, "postal_code": POSTAL_CODE}
            debtor, is_new = Debtor.objects.get_or_create(afm=fields.pop("afm"), defaults=fields)
            if is_new:
                situation(debtor, ref, today)
                created += 1
    return created


# --- Staff ----------------------------------------------------------------------------------


def seed_staff(password: str) -> tuple[list[str], list[str]]:
    """The admin and one user per staff group, created only if missing; each demo staff user,
    new or not, can then log in as the admin requires (see ``_ready_for_admin_login``).

    Returns the usernames created and the groups that do not exist (their user is skipped).
    """
    users = get_user_model().objects
    created, missing = [], []
    if not users.filter(username="admin").exists():
        users.create_superuser("admin", "admin@example.org", password, first_name="Διαχειριστής")
        created.append("admin")
    for username, group_name, first_name, last_name in STAFF:
        group = Group.objects.filter(name=group_name).first()
        if group is None:
            missing.append(group_name)
        elif not users.filter(username=username).exists():
            user = users.create_user(
                username,
                f"{username}@example.org",
                password,
                first_name=first_name,
                last_name=last_name,
                is_staff=True,
            )
            user.groups.add(group)
            created.append(username)
    for user in users.filter(username__in=["admin", *(row[0] for row in STAFF)]):
        _ready_for_admin_login(user)
    return created, missing


def _ready_for_admin_login(user) -> None:
    """A verified email (staff log in with it) and, unless it has one, the demo TOTP."""
    if user.email:
        EmailAddress.objects.get_or_create(
            user=user, email=user.email.lower(), defaults={"verified": True, "primary": True}
        )
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)


# --- Generated debtors ----------------------------------------------------------------------


def _generated_afm(serial: int) -> str:
    base = f"{GENERATED_AFM_PREFIX}{serial:06d}"
    return base + vat.calc_check_digit(base)


def generated_afms(count: int) -> list[tuple[int, str]]:
    """(serial, ΑΦΜ) of the first ``count`` generated debtors, skipping invalid numbers."""
    candidates = ((serial, _generated_afm(serial)) for serial in range(MAX_GENERATED_DEBTORS))
    return list(islice(((s, afm) for s, afm in candidates if vat.is_valid(afm)), count))


def generated_debtors():
    """The debtors ``seed_debtors`` made, told apart by their ΑΦΜ prefix."""
    return Debtor.objects.filter(afm__startswith=GENERATED_AFM_PREFIX)


@dataclass
class _Generated:
    debtor: Debtor
    home: Property
    debts: list[Debt] = field(default_factory=list)
    with_notice: bool = False


def _generate(serial: int, afm: str, ref: Reference, today: date) -> _Generated:
    """One debtor and about ten debts, the same for a serial whatever the batch."""
    rng = _rng("debtor", serial)
    city = rng.choice(tuple(VILLAGES))
    streets, zone, nursery = VILLAGES[city]
    street = f"{rng.choice(streets)} {rng.randint(1, 80)}"
    business = rng.random() < 0.08
    if business:
        surname = rng.choice(SURNAMES)[0]
        debtor = Debtor(
            afm=afm,
            kind=Debtor.Kind.BUSINESS,
            last_name=f"{rng.choice(BUSINESSES)} {surname} {rng.choice(MEN)[0]}. & ΣΙΑ Ο.Ε.",
            tax_office=BUSINESS_TAX_OFFICE,
        )
    else:
        woman = rng.random() < 0.5
        surname = rng.choice(SURNAMES)[woman]
        debtor = Debtor(
            afm=afm,
            last_name=surname,
            first_name=rng.choice(WOMEN if woman else MEN),
            father_name=rng.choice(MEN),
            tax_office=PERSON_TAX_OFFICE,
        )
    debtor.street, debtor.postal_code, debtor.city = street, POSTAL_CODE, city
    debtor.phone = f"69{rng.randrange(10**8):08d}"
    area = rng.randint(45, 160)
    home = Property(
        debtor=debtor,
        address=f"{street}, {city}",
        supply_number=f"1{serial:08d}",
        area=area,
    )
    generated = _Generated(debtor, home, with_notice=rng.random() < 0.2)

    def add(key: str, principal: Decimal, description: str, **fields) -> None:
        generated.debts.append(
            Debt(
                debtor=debtor,
                revenue_type=ref.revenue[key],
                principal=principal,
                description=description,
                **fields,
            )
        )

    age = rng.choice(AGE_FACTORS)
    place = f"{street}, {city} ({area} τ.μ.)"
    property_fees = (
        ("tkf", _tkf(area, TKF_RATE_SHOP if business else TKF_RATE_HOME)),
        ("tap", _tap(area, zone, age)),
    )
    reference = f"ΑΚ-{serial:07d}"
    for year in sorted(rng.sample(range(FIRST_ROLL_YEAR, today.year), rng.randint(2, 5))):
        for key, principal in property_fees:
            add(
                key,
                principal,
                f"{ref.revenue[key].name} {year}: {place}",
                reference=reference,
                period_start=date(year, 1, 1),
                period_end=date(year, 12, 31),
                tap_property=home if key == "tap" else None,
                **_certified(ref.rolls["property", year], date(year, 6, 30)),
            )
    year_start, year_end = date(today.year, 1, 1), date(today.year, 12, 31)
    add(
        "tkf",
        round_money(property_fees[0][1] / 2),
        f"Τέλη καθαριότητας και φωτισμού {today.year}, β' δόση: {place}",
        reference=reference,
        period_start=year_start,
        period_end=year_end,
        **_certified(
            ref.rolls["property", today.year], today + timedelta(days=rng.randint(15, 150))
        ),
    )
    add(
        "tap",
        property_fees[1][1],
        f"Τέλος ακίνητης περιουσίας {today.year}, λογαριασμός: {place}",
        reference=reference,
        period_start=year_start,
        period_end=year_end,
        tap_property=home,
        due_date=today + timedelta(days=rng.randint(10, 60)),
    )
    if business:
        space_area, rate = rng.randint(8, 40), rng.choice(SPACE_RATES)
        for year in (today.year - 1, today.year):
            add(
                "space",
                round_money(space_area * rate),
                f"Τραπεζοκαθίσματα {space_area} τ.μ., {street}, {city}, έτος {year}",
                period_start=date(year, 1, 1),
                period_end=date(year, 12, 31),
                **_certified(ref.rolls["space", year], date(year, 12, 31)),
            )
    elif rng.random() < 0.15:
        fee = Decimal(rng.choice(NURSERY_FEES))
        for months_back in (1, 0):
            month = add_months(today.replace(day=1), -months_back)
            add(
                "nursery",
                fee,
                f"Τροφεία {MONTHS[month.month - 1]} {month.year}: {nursery}",
                period_start=month,
                period_end=add_months(month, 1) - timedelta(days=1),
                due_date=add_months(month, 1) + timedelta(days=9),
            )
    if rng.random() < 0.5:
        issued = today - timedelta(days=rng.randint(1, 50))
        amount, description, ticket = _parking_fine(rng, city, issued)
        add("kok", amount, description, reference=ticket, due_date=issued + timedelta(days=60))
    if rng.random() < 0.3:
        roll = ref.rolls["kok", rng.randint(today.year - 3, today.year - 1)]
        amount, description, ticket = _parking_fine(
            rng, city, roll.certified_on - timedelta(days=rng.randint(60, 300))
        )
        add(
            "kok",
            amount,
            description,
            reference=ticket,
            **_certified(roll, roll.certified_on + timedelta(days=60)),
        )
    if rng.random() < 0.15:
        paravolo = rng.choice(ref.paravola)
        add("paravolo", paravolo.amount, paravolo.name, paravolo_type=paravolo)
    return generated


def _give_unique_rf_codes(notices: list[PaymentNotice], rng: random.Random) -> None:
    """Random RFs, unique within the batch and then against the database, in one query a round."""
    used: set[str] = set()
    pending = notices
    while pending:
        for notice in pending:
            while True:
                rf_code = make_rf(
                    rng.randrange(10**IDENTIFIER_DIGITS),
                    creditor_code=settings.RF_CREDITOR_CODE,
                    amount=notice.total,
                )
                if rf_code not in used:
                    break
            used.add(rf_code)
            notice.rf_code = rf_code
        taken = set(
            PaymentNotice.objects.filter(rf_code__in=[n.rf_code for n in pending]).values_list(
                "rf_code", flat=True
            )
        )
        pending = [notice for notice in pending if notice.rf_code in taken]


def _notice(
    person: _Generated, issued_at, today: date, surcharges: dict
) -> tuple[PaymentNotice, list[NoticeItem]]:
    """A notice of the municipality for the person's overdue certified debts (every generated
    debtor has some), built as ``services.build_notice`` would: validity, frozen surcharges, total.

    ``surcharges`` remembers ``debt.surcharge`` by all it depends on for an open certified debt:
    debts alike abound here, and the month-by-month sum is most of the cost of a notice.
    """
    overdue = [debt for debt in person.debts if debt.is_certified and debt.due_date < today]
    valid_until = services.default_valid_until(overdue, [], today)
    notice = PaymentNotice(
        debtor=person.debtor,
        origin=PaymentNotice.Origin.MUNICIPALITY,
        issued_at=issued_at,
        valid_until=valid_until,
    )
    lines = []
    for debt in overdue:
        key = (debt.revenue_type_id, debt.principal, debt.due_date, valid_until)
        if key not in surcharges:
            surcharges[key] = debt.surcharge(valid_until)
        lines.append(
            NoticeItem(
                notice=notice, debt=debt, principal=debt.principal, surcharge=surcharges[key]
            )
        )
    notice.total = sum((line.amount for line in lines), ZERO)
    return notice, lines


def _paravolo_notices(
    person: _Generated, issued_at, today: date
) -> list[tuple[PaymentNotice, list[NoticeItem]]]:
    """A παράβολο is issued with its own notice (``services.issue_paravolo``), never without."""
    made = []
    for debt in person.debts:
        if debt.paravolo_type_id is None:
            continue
        notice = PaymentNotice(
            debtor=person.debtor,
            origin=PaymentNotice.Origin.CITIZEN,
            issued_at=issued_at,
            valid_until=services.default_valid_until([debt], [], today),
            total=debt.principal,
        )
        line = NoticeItem(notice=notice, debt=debt, principal=debt.principal, surcharge=ZERO)
        made.append((notice, [line]))
    return made


@transaction.atomic
def _seed_batch(batch: list[tuple[int, str]], ref: Reference, today: date, surcharges: dict) -> int:
    """The batch's missing debtors with their debts and notices, all or nothing."""
    existing = set(
        Debtor.objects.filter(afm__in=[afm for _, afm in batch]).values_list("afm", flat=True)
    )
    people = [_generate(serial, afm, ref, today) for serial, afm in batch if afm not in existing]
    if not people:
        return 0
    Debtor.objects.bulk_create([person.debtor for person in people])
    Property.objects.bulk_create([person.home for person in people])
    Debt.objects.bulk_create([debt for person in people for debt in person.debts])

    issued_at = timezone.now()
    notices, items = [], []
    for person in people:
        made = _paravolo_notices(person, issued_at, today)
        if person.with_notice:
            made.append(_notice(person, issued_at, today, surcharges))
        for notice, lines in made:
            notices.append(notice)
            items.extend(lines)
    _give_unique_rf_codes(notices, _rng("rf", batch[0][0]))
    PaymentNotice.objects.bulk_create(notices)
    NoticeItem.objects.bulk_create(items)
    return len(people)


def seed_debtors(count: int, ref: Reference, today: date) -> int:
    """Make sure the first ``count`` generated debtors exist; returns how many were created."""
    afms = generated_afms(count)
    surcharges = {}
    return sum(
        _seed_batch(afms[start : start + BATCH_SIZE], ref, today, surcharges)
        for start in range(0, len(afms), BATCH_SIZE)
    )
