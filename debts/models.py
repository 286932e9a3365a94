"""The municipality's receivables: debtors, what they owe, settlements and payment notices.

Models hold data and the invariants the database can keep (constraints); state changes go through
``debts.services`` and reads shaped for pages through ``debts.selectors``.
"""

import re
import unicodedata
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .indexes import where_set
from .money import MONEY, ZERO, euros, round_money
from .rf import format_rf
from .states import StateMachine, StatusChange
from .surcharges import months_counted, surcharge, unknown_rate
from .validators import validate_afm, validate_kaek, validate_rf_code, validate_supply_number


def in_reader_language(greek: str, english: str) -> str:
    """The English text on English pages when there is one, else the Greek."""
    return english if get_language() == "en" and english else greek


# The vowels an ι or a υ after them makes one sound with (αι, ει, οι, υι; αυ, ευ, ηυ, ου),
# unless an accent or a diaeresis keeps the two apart.
BEFORE_IOTA, BEFORE_UPSILON = "ΑΕΟΥ", "ΑΕΗΟ"
# An accented such vowel before its ι or υ, in the decomposed capitals: the accent keeps them
# apart, as a diaeresis on the second does once accents go («Ζάιμης», ΖΑΪΜΗΣ).
_APART = re.compile(f"([{BEFORE_IOTA}]\u0301Ι|[{BEFORE_UPSILON}]\u0301Υ)(?![\u0300-\u036f])")
# An ι or υ in capitals after such a vowel: where a registry name may have the diaeresis that
# a name typed without diacritics («ζαιμης») lacks.
MAY_TAKE_DIAERESIS = re.compile(f"(?<=[{BEFORE_IOTA}])Ι|(?<=[{BEFORE_UPSILON}])Υ")


def greek_capitals(text: str) -> str:
    """Capitals as Greek is typeset and as registries keep names: no accent, the diaeresis kept
    ("Νικολαΐδης" → "ΝΙΚΟΛΑΪΔΗΣ", "Έληξε" → "ΕΛΗΞΕ"), and written where the accent parted two
    vowels ("Ζάιμης" → "ΖΑΪΜΗΣ", not ΖΑΙΜΗΣ, another name); other scripts are only upper-cased."""
    decomposed = _APART.sub("\\g<1>\u0308", unicodedata.normalize("NFD", text.upper()))
    return unicodedata.normalize("NFC", decomposed.replace("\u0301", ""))


# Capitals of the two alphabets that look alike, each as the other's.
LOOK_ALIKE_LATIN, LOOK_ALIKE_GREEK = "ABEHIKMNOPTXYZ", "ΑΒΕΗΙΚΜΝΟΡΤΧΥΖ"
LATIN_LOOK_ALIKES = str.maketrans(LOOK_ALIKE_LATIN, LOOK_ALIKE_GREEK)
GREEK_LOOK_ALIKES = str.maketrans(LOOK_ALIKE_GREEK, LOOK_ALIKE_LATIN)
GREEK_LETTER = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")
# A run of letters: a word, or a part of one that a hyphen or an apostrophe joins to another.
LETTERS = re.compile(r"[^\W\d_]+")


def _one_alphabet(run: str) -> str:
    """A run of letters in the alphabet its own letters tell: Greek when every Latin letter in
    it looks like a Greek one («ΠAΠAΔOΠOYΛOΣ»), Latin when every Greek one looks like a Latin
    one («Ηelen» typed with the Greek Η); when both hold, the alphabet most of its letters are
    in («Μike» Latin, «ΜAΡΙΑ» Greek); a run wholly of one alphabet, or with letters of both that
    look like none of the other, as it is."""
    greek = GREEK_LETTER.findall(run)
    if not greek:
        return run
    latin = [c for c in run if c.isascii()]
    as_greek = all(c in LOOK_ALIKE_LATIN for c in latin)
    as_latin = all(c in LOOK_ALIKE_GREEK for c in greek)
    if as_greek and as_latin:
        # Every letter looks like one of the other alphabet («ΜIKE», «KΑΤΕ»): the alphabet most
        # of them were typed in, as the slip is one letter on the wrong keyboard (Greek if even).
        as_greek = len(greek) >= len(latin)
    if as_greek:
        return run.translate(LATIN_LOOK_ALIKES)
    if as_latin:
        return run.translate(GREEK_LOOK_ALIKES)
    return run


def registry_name(name: str) -> str:
    """A name as the debtors' registry keeps it, and the admin's search finds it: in capitals
    without accents (``greek_capitals``), a word typed partly on the other keyboard in the
    alphabet its other letters are in (``_one_alphabet``): «ΠAΠAΔOΠOYΛOΣ» Greek, «Ηelen» Latin;
    a word all Latin (a company's «Market») stays Latin, and so does the Latin part of a name
    joined by a hyphen or an apostrophe («Παπαδοπούλου-Smith», «O'Brien»): each run of letters
    is read on its own."""
    return LETTERS.sub(lambda run: _one_alphabet(run[0]), greek_capitals(" ".join(name.split())))


class BilingualName(models.Model):
    """A name kept in Greek and English, shown in the reader's language."""

    name = models.CharField(_("ονομασία"), max_length=200)
    name_en = models.CharField(_("ονομασία στα αγγλικά"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return in_reader_language(self.name, self.name_en)


class Debtor(models.Model):
    """A debtor and the municipality's ledger card for them (καρτέλα οφειλέτη)."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Φυσικό πρόσωπο")
        BUSINESS = "business", _("Νομικό πρόσωπο")

    afm = models.CharField(_("ΑΦΜ"), max_length=9, unique=True, validators=[validate_afm])
    kind = models.CharField(_("είδος"), max_length=16, choices=Kind, default=Kind.PERSON)
    last_name = models.CharField(_("επώνυμο ή επωνυμία"), max_length=200)
    first_name = models.CharField(_("όνομα"), max_length=100, blank=True)
    father_name = models.CharField(_("πατρώνυμο"), max_length=100, blank=True)
    tax_office = models.CharField(_("ΔΟΥ"), max_length=100, blank=True)
    street = models.CharField(_("οδός και αριθμός"), max_length=200, blank=True)
    postal_code = models.CharField(_("ΤΚ"), max_length=5, blank=True)
    city = models.CharField(_("πόλη"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("τηλέφωνο"), max_length=20, blank=True)
    # The citizen's portal account, tied once through TaxisNet; one account per ΑΦΜ and back.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="debtor",
        verbose_name=_("λογαριασμός πύλης"),
    )
    created_at = models.DateTimeField(_("δημιουργήθηκε"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ενημερώθηκε"), auto_now=True)
    # Raised by ``services.lock_debtor`` in the statement that locks the row, so it changes with
    # every transaction that writes the debtor's ledger through the services: a page kept under
    # it (the citizen's overview) is never served once such a change commits. Not audit history.
    ledger_version = models.PositiveBigIntegerField(default=0, editable=False)
    history = HistoricalRecords(excluded_fields=["ledger_version"])

    class Meta:
        verbose_name = _("οφειλέτης")
        verbose_name_plural = _("οφειλέτες")
        ordering = ["last_name", "first_name", "afm"]
        constraints = [
            models.CheckConstraint(
                condition=Q(afm__regex=r"^[0-9]{9}$"), name="debtor_afm_9_digits"
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.afm})"

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name) if part)

    def clean(self):
        """The ΑΦΜ of a card tied to a portal account is the one TaxisNet confirmed for it:
        changed, the account would open another taxpayer's card."""
        super().clean()
        if self.pk is None or self.user_id is None:
            return
        stored = Debtor.objects.filter(pk=self.pk).values_list("afm", flat=True).first()
        if stored is not None and stored != self.afm:
            raise ValidationError(
                {
                    "afm": _(
                        "Ο ΑΦΜ επιβεβαιώθηκε από το TaxisNet για τον λογαριασμό του πολίτη και "
                        "δεν αλλάζει όσο η καρτέλα είναι συνδεδεμένη με αυτόν."
                    )
                },
                code="afm_confirmed",
            )


class Property(models.Model):
    """A property (ακίνητο) on the debtor's card. ΤΑΠ is billed per electricity supply, so the
    supply number is what a ΤΑΠ debt and a certificate of no ΤΑΠ debt name it by; the cadastral
    code (ΚΑΕΚ) is kept where known."""

    debtor = models.ForeignKey(
        Debtor, models.PROTECT, related_name="properties", verbose_name=_("οφειλέτης")
    )
    address = models.CharField(_("διεύθυνση"), max_length=300)
    kaek = models.CharField(
        _("ΚΑΕΚ"),
        max_length=24,
        blank=True,
        validators=[validate_kaek],
        help_text=_("12 ψηφία, με /όροφο/αριθμό για οριζόντια ιδιοκτησία, π.χ. 190451816008/0/2"),
    )
    supply_number = models.CharField(
        _("αριθμός παροχής ρεύματος"),
        max_length=12,
        validators=[validate_supply_number],
        help_text=_("8 έως 12 ψηφία, χωρίς κενά"),
    )
    area = models.DecimalField(_("επιφάνεια (τ.μ.)"), max_digits=9, decimal_places=2)
    share = models.DecimalField(
        _("ποσοστό συνιδιοκτησίας (%)"), max_digits=5, decimal_places=2, default=Decimal(100)
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ακίνητο")
        verbose_name_plural = _("ακίνητα")
        ordering = ["debtor", "address", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["debtor", "supply_number"],
                name="property_one_supply_per_debtor",
                violation_error_message=_("Ο οφειλέτης έχει ήδη ακίνητο με αυτή την παροχή."),
            ),
            models.CheckConstraint(
                condition=Q(area__gt=0, share__gt=0, share__lte=100),
                name="property_area_and_share",
                violation_error_message=_(
                    "Η επιφάνεια είναι θετική και το ποσοστό από 0,01 έως 100."
                ),
            ),
            models.CheckConstraint(
                condition=Q(supply_number__regex=r"^[0-9]{8,12}$"),
                name="property_supply_number_digits",
            ),
            models.CheckConstraint(
                condition=Q(kaek="") | Q(kaek__regex=r"^[0-9]{12}(/[0-9]+/[0-9]+)?$"),
                name="property_kaek_format",
            ),
        ]

    def __str__(self):
        return _("%(address)s (παροχή %(supply)s)") % {
            "address": self.address,
            "supply": self.supply_number,
        }


class RevenueType(BilingualName):
    """A kind of municipal revenue, by its budget code (ΚΑΕ)."""

    class Kind(models.TextChoices):
        TAX = "tax", _("Φόρος")
        FEE = "fee", _("Τέλος")
        FINE = "fine", _("Πρόστιμο")
        RENT = "rent", _("Μίσθωμα")
        PARAVOLO = "paravolo", _("Παράβολο")

    code = models.CharField(_("ΚΑΕ"), max_length=16, unique=True)
    kind = models.CharField(_("είδος"), max_length=16, choices=Kind)
    surchargeable = models.BooleanField(_("επιβαρύνεται με προσαυξήσεις"), default=True)
    active = models.BooleanField(_("ενεργό"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("είδος εσόδου")
        verbose_name_plural = _("είδη εσόδων")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="paravolo") | Q(surchargeable=False),
                name="revenuetype_paravolo_never_surcharged",
            ),
        ]


class CertificationRoll(models.Model):
    """A certification roll (βεβαιωτικός κατάλογος): debts certified together."""

    number = models.CharField(_("αριθμός"), max_length=32, unique=True)
    title = models.CharField(_("τίτλος"), max_length=200)
    certified_on = models.DateField(_("ημερομηνία βεβαίωσης"))
    created_at = models.DateTimeField(_("δημιουργήθηκε"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("βεβαιωτικός κατάλογος")
        verbose_name_plural = _("βεβαιωτικοί κατάλογοι")
        ordering = ["-certified_on", "number"]

    def __str__(self):
        return f"{self.number}: {self.title}"


class AssessmentNote(models.Model):
    """A single-debt certification document (βεβαιωτικό σημείωμα)."""

    number = models.CharField(_("αριθμός"), max_length=32, unique=True)
    issued_on = models.DateField(_("ημερομηνία έκδοσης"))
    reason = models.TextField(_("αιτιολογία"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("βεβαιωτικό σημείωμα")
        verbose_name_plural = _("βεβαιωτικά σημειώματα")
        ordering = ["-issued_on", "number"]

    def __str__(self):
        return self.number


class SettlementScheme(models.Model):
    """The rules of an installment scheme; laws differ, so each is a row, not code."""

    name = models.CharField(_("ονομασία"), max_length=200, unique=True)
    name_en = models.CharField(_("ονομασία στα αγγλικά"), max_length=200, blank=True)
    legal_basis = models.CharField(_("νομική βάση"), max_length=200)
    min_installments = models.PositiveSmallIntegerField(_("ελάχιστες δόσεις"), default=2)
    max_installments = models.PositiveSmallIntegerField(_("μέγιστες δόσεις"))
    min_installment_amount = models.DecimalField(_("ελάχιστο ποσό δόσης"), **MONEY)
    annual_interest_rate = models.DecimalField(
        _("ετήσιο επιτόκιο"), max_digits=6, decimal_places=4, help_text=_("π.χ. 0.1000 για 10 %")
    )
    surcharge_writeoff = models.DecimalField(
        _("διαγραφή προσαυξήσεων"),
        max_digits=5,
        decimal_places=4,
        default=Decimal(0),
        help_text=_("ποσοστό των προσαυξήσεων που διαγράφεται, π.χ. 0.8000 για 80 %"),
    )
    late_installment_monthly_rate = models.DecimalField(
        _("μηνιαία επιβάρυνση εκπρόθεσμης δόσης"),
        max_digits=6,
        decimal_places=4,
        default=Decimal(0),
    )
    misses_before_loss = models.PositiveSmallIntegerField(_("ανεξόφλητες δόσεις έως την απώλεια"))
    active = models.BooleanField(_("ενεργό"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("πρόγραμμα ρύθμισης")
        verbose_name_plural = _("προγράμματα ρύθμισης")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_installments__gte=1, max_installments__gte=F("min_installments")),
                name="scheme_installment_bounds",
            ),
            models.CheckConstraint(
                condition=Q(
                    min_installment_amount__gt=0,
                    annual_interest_rate__gte=0,
                    late_installment_monthly_rate__gte=0,
                    misses_before_loss__gte=1,
                    surcharge_writeoff__gte=0,
                    surcharge_writeoff__lte=1,
                ),
                name="scheme_amounts_and_rates",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        return in_reader_language(self.name, self.name_en)


class SettlementChange(StatusChange):
    settlement = models.ForeignKey("Settlement", models.PROTECT, related_name="status_changes")

    class Meta(StatusChange.Meta):
        verbose_name = _("αλλαγή κατάστασης ρύθμισης")
        verbose_name_plural = _("αλλαγές κατάστασης ρυθμίσεων")


class Settlement(models.Model):
    """An installment settlement (ρύθμιση) of certified debts, with its terms frozen."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Σε ισχύ")
        COMPLETED = "completed", _("Εξοφλήθηκε")
        LOST = "lost", _("Απωλέσθηκε")
        CANCELLED = "cancelled", _("Ακυρώθηκε")

    states = StateMachine(
        {
            Status.ACTIVE: {Status.COMPLETED, Status.LOST, Status.CANCELLED},
            # The payment of its last installment reversed: it runs again.
            Status.COMPLETED: {Status.ACTIVE},
        },
        record=SettlementChange,
        owner_field="settlement",
    )

    number = models.CharField(_("αριθμός"), max_length=32, unique=True)
    debtor = models.ForeignKey(
        Debtor, models.PROTECT, related_name="settlements", verbose_name=_("οφειλέτης")
    )
    scheme = models.ForeignKey(SettlementScheme, models.PROTECT, verbose_name=_("πρόγραμμα"))
    approved_on = models.DateField(_("ημερομηνία έγκρισης"))
    status = models.CharField(
        _("κατάσταση"), max_length=16, choices=Status, default=Status.ACTIVE, editable=False
    )
    principal = models.DecimalField(_("κεφάλαιο"), **MONEY)
    surcharge = models.DecimalField(_("προσαυξήσεις που εντάχθηκαν"), **MONEY)
    # ``surcharge`` by the revenue code (ΚΑΕ) of the debts that bore it, as euros in text: each
    # installment's receipt posts its part of the surcharges under those codes. Frozen on
    # approval, as what a debt bore then hangs on rules that may change (a revenue made
    # surchargeable, the count of months).
    surcharge_by_code = models.JSONField(
        _("προσαυξήσεις που εντάχθηκαν ανά ΚΑΕ"), default=dict, editable=False
    )
    # The scheme's terms as they stood on approval: a later edit of the scheme changes no one's.
    annual_interest_rate = models.DecimalField(_("ετήσιο επιτόκιο"), max_digits=6, decimal_places=4)
    late_installment_monthly_rate = models.DecimalField(
        _("μηνιαία επιβάρυνση εκπρόθεσμης δόσης"), max_digits=6, decimal_places=4
    )
    misses_before_loss = models.PositiveSmallIntegerField(_("ανεξόφλητες δόσεις έως την απώλεια"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ρύθμιση οφειλών")
        verbose_name_plural = _("ρυθμίσεις οφειλών")
        ordering = ["-approved_on", "number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    principal__gt=0,
                    surcharge__gte=0,
                    annual_interest_rate__gte=0,
                    late_installment_monthly_rate__gte=0,
                    misses_before_loss__gte=1,
                ),
                name="settlement_amounts",
            ),
        ]

    def __str__(self):
        return self.number

    def surcharge_within(self, principal: Decimal) -> Decimal:
        """How much of the first ``principal`` of its installments (a running total of their
        principal) is the surcharges it took in: its share of each euro, rounded. Over all its
        installments, its surcharge exactly."""
        share = self.surcharge / (self.principal + self.surcharge)
        return round_money(principal * share)


class InstallmentChange(StatusChange):
    installment = models.ForeignKey("Installment", models.PROTECT, related_name="status_changes")

    class Meta(StatusChange.Meta):
        verbose_name = _("αλλαγή κατάστασης δόσης")
        verbose_name_plural = _("αλλαγές κατάστασης δόσεων")


class Installment(models.Model):
    """One installment of a settlement."""

    class Status(models.TextChoices):
        OPEN = "open", _("Ανεξόφλητη")
        PAID = "paid", _("Εξοφλημένη")

    states = StateMachine(
        {Status.OPEN: {Status.PAID}, Status.PAID: {Status.OPEN}},
        record=InstallmentChange,
        owner_field="installment",
    )

    settlement = models.ForeignKey(
        Settlement, models.PROTECT, related_name="installments", verbose_name=_("ρύθμιση")
    )
    number = models.PositiveSmallIntegerField(_("α/α"))
    due_date = models.DateField(_("λήξη"))
    principal = models.DecimalField(_("κεφάλαιο"), **MONEY)
    interest = models.DecimalField(_("τόκος"), **MONEY)
    status = models.CharField(
        _("κατάσταση"), max_length=16, choices=Status, default=Status.OPEN, editable=False
    )

    class Meta:
        verbose_name = _("δόση")
        verbose_name_plural = _("δόσεις")
        ordering = ["settlement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["settlement", "number"], name="installment_number"),
            models.CheckConstraint(
                condition=Q(number__gte=1, principal__gt=0, interest__gte=0),
                name="installment_amounts",
            ),
        ]

    def __str__(self):
        return _("Δόση %(number)s της ρύθμισης %(settlement)s") % {
            "number": self.number,
            "settlement": self.settlement.number,
        }

    @property
    def amount(self) -> Decimal:
        return self.principal + self.interest

    def posted(self, amount: Decimal, late_charge: Decimal, principal_before: Decimal) -> "Posted":
        """A notice's line of this installment (its amount and late charge, as the notice froze
        them) told apart as the accounts office posts it: the settled debts' principal; the
        surcharges the settlement took in (``settled_surcharge``) with the late charge; the
        settlement's interest. The notice shows it so, and its receipt posts it so."""
        settled = self.settled_surcharge(principal_before)
        return Posted(amount - self.interest - settled, settled + late_charge, self.interest)

    def settled_surcharge(self, principal_before: Decimal) -> Decimal:
        """How much of this installment's principal is surcharges the settlement took in
        (``Settlement.surcharge``), given the principal of the installments before it.

        The settlement's share of the running principal, rounded, less the same for the ones
        before: over all its installments the parts add up to its surcharge exactly, and each
        stays between nothing and the installment's principal.
        """
        settlement = self.settlement
        return settlement.surcharge_within(
            principal_before + self.principal
        ) - settlement.surcharge_within(principal_before)

    def surcharge(self, as_of: date) -> Decimal:
        """The settlement's monthly charge on an installment paid late."""
        if self.status != self.Status.OPEN:
            return ZERO
        months = months_counted(self.due_date, as_of)
        rate = self.settlement.late_installment_monthly_rate
        return round_money(self.amount * rate * months)


def principal_before(path: str = ""):
    """An annotation: the principal of the installments of the same settlement before the
    installment at ``path`` (``""``: the one annotated; ``"installment__"``: a notice line's),
    which ``Installment.posted`` needs; nothing for the first, or for a line of a debt."""
    earlier = (
        Installment.objects.filter(
            settlement=OuterRef(f"{path}settlement"), number__lt=OuterRef(f"{path}number")
        )
        .order_by()
        .values("settlement")
        .annotate(total=Sum("principal"))
        .values("total")
    )
    return Coalesce(Subquery(earlier), Value(ZERO), output_field=DecimalField(**MONEY))


class Posted(NamedTuple):
    """An amount as the accounts office posts it."""

    principal: Decimal
    surcharge: Decimal
    interest: Decimal


class DebtChange(StatusChange):
    debt = models.ForeignKey("Debt", models.PROTECT, related_name="status_changes")

    class Meta(StatusChange.Meta):
        verbose_name = _("αλλαγή κατάστασης οφειλής")
        verbose_name_plural = _("αλλαγές κατάστασης οφειλών")


class Debt(models.Model):
    """An amount a debtor owes the municipality: uncertified, or certified with its due date."""

    class Status(models.TextChoices):
        OPEN = "open", _("Ανοικτή")
        IN_SETTLEMENT = "in_settlement", _("Σε ρύθμιση")
        PAID = "paid", _("Εξοφλημένη")
        CANCELLED = "cancelled", _("Ακυρωμένη")

    states = StateMachine(
        {
            Status.OPEN: {Status.IN_SETTLEMENT, Status.PAID, Status.CANCELLED},
            Status.IN_SETTLEMENT: {Status.OPEN, Status.PAID},
            # A payment reversed (a bounced transfer, a refund) reopens what it had paid, or puts
            # it back in the settlement whose completion it had paid.
            Status.PAID: {Status.OPEN, Status.IN_SETTLEMENT},
        },
        record=DebtChange,
        owner_field="debt",
    )

    debtor = models.ForeignKey(
        Debtor,
        models.PROTECT,
        related_name="debts",
        verbose_name=_("οφειλέτης"),
        db_index=False,  # the index on (debtor, status) serves it: one index fewer to write
    )
    revenue_type = models.ForeignKey(
        RevenueType, models.PROTECT, related_name="debts", verbose_name=_("είδος εσόδου")
    )
    description = models.CharField(_("περιγραφή"), max_length=300)
    reference = models.CharField(
        _("στοιχείο αναφοράς"),
        max_length=64,
        blank=True,
        help_text=_("αριθμός κλήσης, λογαριασμού, σύμβασης ή ακινήτου"),
    )
    period_start = models.DateField(_("περίοδος από"), null=True, blank=True)
    period_end = models.DateField(_("περίοδος έως"), null=True, blank=True)
    principal = models.DecimalField(_("κεφάλαιο"), **MONEY)
    due_date = models.DateField(_("λήξη"), null=True, blank=True)
    certified_on = models.DateField(_("ημερομηνία βεβαίωσης"), null=True, blank=True)
    roll = models.ForeignKey(
        CertificationRoll,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="debts",
        verbose_name=_("βεβαιωτικός κατάλογος"),
        db_index=False,  # indexed where set (Meta.indexes)
    )
    assessment_note = models.OneToOneField(
        AssessmentNote,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="debt",
        verbose_name=_("βεβαιωτικό σημείωμα"),
    )
    settlement = models.ForeignKey(
        Settlement,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="debts",
        verbose_name=_("ρύθμιση"),
        db_index=False,  # indexed where set (Meta.indexes)
    )
    # The παράβολο a citizen issued for themselves, so the card can name what it was for.
    paravolo_type = models.ForeignKey(
        "ParavoloType",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="debts",
        verbose_name=_("είδος παραβόλου"),
        db_index=False,  # indexed where set (Meta.indexes)
    )
    # The property a ΤΑΠ debt is for: what a certificate of no ΤΑΠ debt looks up.
    tap_property = models.ForeignKey(
        Property,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="debts",
        verbose_name=_("ακίνητο"),
        help_text=_("μόνο για οφειλές ΤΑΠ"),
        db_index=False,  # the index on (tap_property, status) serves it: one index fewer to write
    )
    status = models.CharField(
        _("κατάσταση"), max_length=16, choices=Status, default=Status.OPEN, editable=False
    )
    created_at = models.DateTimeField(_("καταχωρίστηκε"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("οφειλή")
        verbose_name_plural = _("οφειλές")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["debtor", "status"], name="debt_debtor_status"),
            models.Index(
                fields=["tap_property", "status"],
                condition=Q(tap_property__isnull=False),
                name="debt_property_status",
            ),
            where_set("roll", "debt_roll"),
            where_set("settlement", "debt_settlement"),
            where_set("paravolo_type", "debt_paravolo_type"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(principal__gt=0), name="debt_principal_positive"),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="debt_period_in_order",
            ),
            # Uncertified: no certification at all. Certified: a date, a due date, and exactly
            # one document (a roll or an assessment note).
            models.CheckConstraint(
                condition=Q(
                    certified_on__isnull=True, roll__isnull=True, assessment_note__isnull=True
                )
                | Q(
                    certified_on__isnull=False,
                    due_date__isnull=False,
                    roll__isnull=False,
                    assessment_note__isnull=True,
                )
                | Q(
                    certified_on__isnull=False,
                    due_date__isnull=False,
                    roll__isnull=True,
                    assessment_note__isnull=False,
                ),
                name="debt_certification_consistent",
            ),
            models.CheckConstraint(
                condition=~Q(status="in_settlement") | Q(settlement__isnull=False),
                name="debt_in_settlement_has_settlement",
            ),
            # A παράβολο is paid up front: never certified, so never surcharged.
            models.CheckConstraint(
                condition=Q(paravolo_type__isnull=True) | Q(certified_on__isnull=True),
                name="debt_paravolo_uncertified",
                violation_error_message=_(
                    "Ένα παράβολο πληρώνεται εκ των προτέρων: δεν βεβαιώνεται."
                ),
            ),
            # Asking for a παράβολο again while one of its type is unpaid gives that one.
            models.UniqueConstraint(
                fields=["debtor", "paravolo_type"],
                condition=Q(status="open", paravolo_type__isnull=False),
                name="debt_one_unpaid_paravolo_per_type",
                violation_error_message=_(
                    "Ο οφειλέτης έχει ήδη ανεξόφλητο παράβολο αυτού του είδους."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.revenue_type.code} {self.description} ({euros(self.principal)})"

    # What a notice, a settlement or a payment counted on: it changes only while nothing did.
    SETTLED_FIELDS = ("debtor_id", "revenue_type_id", "principal", "due_date", "certified_on")

    @property
    def accepts_edits(self) -> bool:
        """Only an open debt is still a draft of the municipality's claim; the rest is record."""
        return self.status == self.Status.OPEN

    # Set by the services, never by a form: the admin's form leaves them out, and Django then
    # skips every constraint that names them, so the database would refuse the save with a 500.
    FIELDS_NO_FORM_SHOWS = frozenset({"status", "settlement", "paravolo_type"})

    def validate_constraints(self, exclude=None):
        super().validate_constraints(exclude=set(exclude or ()) - self.FIELDS_NO_FORM_SHOWS)

    def clean(self):
        """Refuse a due date no surcharge rate covers, and a change to what a closed debt or an
        open notice has already counted on.

        Inside a transaction (the admin's change form runs in one) the stored row is locked, so
        no notice can freeze the old amounts, nor a payment close the debt, between this check
        and the save.
        """
        message = self.due_date and unknown_rate(self.due_date)
        if message:
            raise ValidationError({"due_date": ValidationError(message, "due_date_too_old")})
        self._clean_property()
        if self.pk is None:
            return
        stored = Debt.objects.only("status", "settlement", *self.SETTLED_FIELDS)
        if connection.in_atomic_block:
            stored = stored.select_for_update()
        stored = stored.get(pk=self.pk)
        # Read before the lock (the admin loads the row first): saving it would undo a payment or
        # a settlement that came in between.
        if (stored.status, stored.settlement_id) != (self.status, self.settlement_id):
            raise ValidationError(
                _("Η οφειλή άλλαξε στο μεταξύ (είναι τώρα «%(status)s»): ανοίξτε την ξανά.")
                % {"status": stored.get_status_display()},
                code="changed_meanwhile",
            )
        if all(getattr(stored, name) == getattr(self, name) for name in self.SETTLED_FIELDS):
            return
        if not stored.accepts_edits:
            raise ValidationError(
                _("Η οφειλή είναι «%(status)s»: τα ποσά και η βεβαίωσή της δεν αλλάζουν πια.")
                % {"status": stored.get_status_display()},
                code="closed",
            )
        item = self.notice_items.filter(is_open=True).select_related("notice").first()
        if item is not None:
            raise ValidationError(
                _("Η οφειλή είναι στο ανοικτό ειδοποιητήριο %(rf)s: ακυρώστε το πρώτα.")
                % {"rf": item.notice.formatted_rf},
                code="on_open_notice",
            )

    def _clean_property(self) -> None:
        """Only a ΤΑΠ debt names a property, and only one of its own debtor's."""
        if self.tap_property_id is None:
            return
        if self.revenue_type_id and self.revenue_type.code not in settings.TAP_REVENUE_CODES:
            raise ValidationError(
                {"tap_property": _("Ακίνητο ορίζεται μόνο σε οφειλή ΤΑΠ.")},
                code="property_not_tap",
            )
        if self.tap_property.debtor_id != self.debtor_id:
            raise ValidationError(
                {"tap_property": _("Το ακίνητο ανήκει σε άλλον οφειλέτη.")},
                code="property_of_other",
            )

    @property
    def is_certified(self) -> bool:
        return self.certified_on is not None

    @property
    def is_paravolo(self) -> bool:
        return self.revenue_type.kind == RevenueType.Kind.PARAVOLO

    @property
    def bears_surcharge(self) -> bool:
        """Only open certified debts of a surchargeable revenue bear ΚΕΔΕ surcharges."""
        return (
            self.status == self.Status.OPEN
            and self.is_certified
            and self.revenue_type.surchargeable
        )

    def surcharge(self, as_of: date) -> Decimal:
        if not self.bears_surcharge:
            return ZERO
        return surcharge(self.principal, self.due_date, as_of)


class ParavoloType(BilingualName):
    """A fixed fee paid up front for an administrative act; issued as an uncertified debt."""

    revenue_type = models.ForeignKey(
        RevenueType,
        models.PROTECT,
        limit_choices_to={"kind": RevenueType.Kind.PARAVOLO},
        verbose_name=_("είδος εσόδου"),
    )
    amount = models.DecimalField(_("ποσό"), **MONEY)
    legal_basis = models.CharField(_("νομική βάση"), max_length=200, blank=True)
    description = models.TextField(_("πότε απαιτείται"), blank=True)
    description_en = models.TextField(_("πότε απαιτείται, στα αγγλικά"), blank=True)
    active = models.BooleanField(_("ενεργό"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("είδος παραβόλου")
        verbose_name_plural = _("είδη παραβόλων")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="paravolo_amount_positive"),
        ]

    @property
    def display_description(self) -> str:
        return in_reader_language(self.description, self.description_en)


class NoticeChange(StatusChange):
    notice = models.ForeignKey("PaymentNotice", models.PROTECT, related_name="status_changes")

    class Meta(StatusChange.Meta):
        verbose_name = _("αλλαγή κατάστασης ειδοποιητηρίου")
        verbose_name_plural = _("αλλαγές κατάστασης ειδοποιητηρίων")


class PaymentNotice(models.Model):
    """A notice (ειδοποιητήριο): debts grouped under one RF, amounts frozen until it expires.

    Its debtor never changes (the database refuses it: migration 0010): the RF was given to that
    debtor, and the services find a notice's debtor to lock before the notice itself.
    """

    class Origin(models.TextChoices):
        MUNICIPALITY = "municipality", _("Έκδοση Δήμου")
        CITIZEN = "citizen", _("Δημιουργία από τον πολίτη")

    class Status(models.TextChoices):
        OPEN = "open", _("Προς πληρωμή")
        PAID = "paid", _("Εξοφλήθηκε")
        EXPIRED = "expired", _("Έληξε")
        CANCELLED = "cancelled", _("Ακυρώθηκε")

    states = StateMachine(
        {
            Status.OPEN: {Status.PAID, Status.EXPIRED, Status.CANCELLED},
            # Money received after expiry is still money received: the payment wins.
            Status.EXPIRED: {Status.PAID},
            # Its payment reversed by staff: its RF is not paid again (money for it is held).
            Status.PAID: {Status.CANCELLED},
        },
        record=NoticeChange,
        owner_field="notice",
    )

    debtor = models.ForeignKey(
        Debtor,
        models.PROTECT,
        related_name="notices",
        verbose_name=_("οφειλέτης"),
        db_index=False,  # the index on (debtor, status) serves it: one index fewer to write
    )
    rf_code = models.CharField(
        _("κωδικός RF"), max_length=25, unique=True, validators=[validate_rf_code], editable=False
    )
    origin = models.CharField(_("προέλευση"), max_length=16, choices=Origin, editable=False)
    status = models.CharField(
        _("κατάσταση"), max_length=16, choices=Status, default=Status.OPEN, editable=False
    )
    issued_at = models.DateTimeField(_("εκδόθηκε"), default=timezone.now, editable=False)
    valid_until = models.DateField(_("ισχύει έως"), editable=False)
    total = models.DecimalField(_("σύνολο"), editable=False, **MONEY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("εκδόθηκε από"),
        db_index=False,  # indexed where set (Meta.indexes)
    )
    # Set when a request for a certificate of no ΤΑΠ debt waits on this notice: paying a notice
    # none waits on then costs no query to look for one (``receipts.certificates``).
    awaited_by_certificate = models.BooleanField(
        _("αναμένεται για βεβαίωση μη οφειλής ΤΑΠ"), default=False, editable=False
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ειδοποιητήριο")
        verbose_name_plural = _("ειδοποιητήρια")
        ordering = ["-issued_at"]
        indexes = [
            models.Index(fields=["debtor", "status"], name="notice_debtor_status"),
            where_set("created_by", "notice_created_by"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="notice_total_positive"),
        ]

    def __str__(self):
        return self.formatted_rf

    @property
    def formatted_rf(self) -> str:
        return format_rf(self.rf_code)

    def status_on(self, day: date) -> str:
        """The status on ``day``: an open notice past its validity is expired there and then,
        whether or not the nightly sweep (``expire_notices``) has recorded it yet."""
        if self.status == self.Status.OPEN and self.valid_until < day:
            return self.Status.EXPIRED
        return self.status

    @classmethod
    def status_on_expression(cls, day: date) -> models.Case:
        """``status_on(day)`` in the database, to filter and order by what a person is shown."""
        return models.Case(
            models.When(
                status=cls.Status.OPEN, valid_until__lt=day, then=Value(cls.Status.EXPIRED)
            ),
            default=F("status"),
            output_field=models.CharField(),
        )

    @property
    def current_status(self) -> str:
        """The status today, what a person is shown."""
        return self.status_on(timezone.localdate())

    def get_current_status_display(self) -> str:
        return self.Status(self.current_status).label


class NoticeItem(models.Model):
    """A debt or an installment on a notice, with the amounts frozen at issue."""

    notice = models.ForeignKey(
        PaymentNotice, models.PROTECT, related_name="items", verbose_name=_("ειδοποιητήριο")
    )
    debt = models.ForeignKey(
        Debt,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="notice_items",
        verbose_name=_("οφειλή"),
    )
    installment = models.ForeignKey(
        Installment,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="notice_items",
        verbose_name=_("δόση"),
        db_index=False,  # indexed where set (Meta.indexes)
    )
    principal = models.DecimalField(_("κεφάλαιο"), **MONEY)
    surcharge = models.DecimalField(_("προσαυξήσεις"), **MONEY)
    # True while the notice is open: a debt may stand on one open notice at a time.
    is_open = models.BooleanField(_("σε ανοικτό ειδοποιητήριο"), default=True, editable=False)

    class Meta:
        verbose_name = _("γραμμή ειδοποιητηρίου")
        verbose_name_plural = _("γραμμές ειδοποιητηρίου")
        ordering = ["notice", "id"]
        indexes = [where_set("installment", "noticeitem_installment")]
        constraints = [
            models.CheckConstraint(
                condition=Q(debt__isnull=False, installment__isnull=True)
                | Q(debt__isnull=True, installment__isnull=False),
                name="noticeitem_debt_or_installment",
            ),
            models.CheckConstraint(
                condition=Q(principal__gt=0, surcharge__gte=0), name="noticeitem_amounts"
            ),
            models.UniqueConstraint(
                fields=["debt"],
                condition=Q(is_open=True),
                name="noticeitem_debt_on_one_open_notice",
            ),
            models.UniqueConstraint(
                fields=["installment"],
                condition=Q(is_open=True),
                name="noticeitem_installment_on_one_open_notice",
            ),
        ]

    def __str__(self):
        return str(self.debt or self.installment)

    @property
    def amount(self) -> Decimal:
        return self.principal + self.surcharge

    @property
    def posted(self) -> Posted:
        """The line as its receipt posts it: a debt's as frozen, an installment's told apart
        (``Installment.posted``), which needs the ``principal_before`` that whoever reads the
        line annotates (``debts.selectors.notice_lines``, ``debts.services.draft_notice``)."""
        if self.installment_id is None:
            return Posted(self.principal, self.surcharge, ZERO)
        return self.installment.posted(self.principal, self.surcharge, self.principal_before)
