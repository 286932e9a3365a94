"""The rule behind a certificate of no ΤΑΠ debt (βεβαίωση μη οφειλής ΤΑΠ), as reads.

A property owes ΤΑΠ while any ΤΑΠ debt naming it is open, certified or not, or sits in an
installment settlement not yet completed (its debts are paid only by the last installment). A ΤΑΠ
debt of its debtor that names no property (a roll has no column for it) is owed for every one of
the debtor's properties: no certificate can say it is not. Paid and cancelled debts do not count. ``receipts.certificates`` issues by this rule, for the citizen
and the cashier alike, and the pages show ``TAP_RULE``.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Debt, Debtor, Installment, Property, Settlement

TAP_RULE = _(
    "Η βεβαίωση εκδίδεται όταν για το ακίνητο δεν υπάρχει ανοικτή οφειλή ΤΑΠ, βεβαιωμένη ή "
    "αβεβαίωτη, ούτε οφειλή ΤΑΠ σε ρύθμιση που δεν έχει εξοφληθεί ολόκληρη (όλες οι δόσεις "
    "της). Οφειλή ΤΑΠ που δεν αναφέρει ακίνητο μετρά για κάθε ακίνητο του οφειλέτη. Βεβαιώνει "
    "ότι δεν οφείλεται ΤΑΠ για το ακίνητο έως την ημερομηνία έκδοσής της."
)

# A debt in either status still owes: open, or waiting for its settlement's last installment.
OWING = (Debt.Status.OPEN, Debt.Status.IN_SETTLEMENT)


@dataclass(frozen=True)
class TapOwed:
    """What a property owes in ΤΑΠ today, and what pays it."""

    property: Property
    debts: list[Debt]  # open ΤΑΠ debts: paid by a notice of them
    settled_debts: list[Debt]  # ΤΑΠ debts in a settlement: paid by its open installments
    installments: list[Installment]

    @property
    def is_clear(self) -> bool:
        return not self.debts and not self.settled_debts

    @property
    def payable(self) -> bool:
        """Whether a notice can pay it all: every settlement holding its debts still runs."""
        running = {installment.settlement_id for installment in self.installments}
        return all(debt.settlement_id in running for debt in self.settled_debts)


def debtor_properties(debtor: Debtor) -> QuerySet[Property]:
    return Property.objects.filter(debtor=debtor).order_by("address", "pk")


def _unnamed_tap() -> Q:
    """ΤΑΠ debts that name no property: owed for each of their debtor's properties."""
    return Q(tap_property__isnull=True, revenue_type__code__in=settings.TAP_REVENUE_CODES)


def _tap_of(property_id, debtor_id) -> Q:
    """The ΤΑΠ debts owed for a property: those naming it, and its debtor's naming none."""
    unnamed = _unnamed_tap() & Q(debtor=debtor_id)
    return (Q(tap_property=property_id) | unnamed) & Q(status__in=OWING)


def tap_owed(property: Property) -> TapOwed:
    """The property's ΤΑΠ still owed, with the installments that would pay the settled part;
    two queries, one more when some is in a settlement."""
    owing = list(
        Debt.objects.filter(_tap_of(property.pk, property.debtor_id))
        .select_related("revenue_type")
        .order_by("due_date", "pk")
    )
    debts = [debt for debt in owing if debt.status == Debt.Status.OPEN]
    settled = [debt for debt in owing if debt.status == Debt.Status.IN_SETTLEMENT]
    installments = []
    if settled:
        installments = list(
            Installment.objects.filter(
                settlement__in={debt.settlement_id for debt in settled},
                settlement__status=Settlement.Status.ACTIVE,
                status=Installment.Status.OPEN,
            )
            .select_related("settlement")
            .order_by("due_date", "pk")
        )
    return TapOwed(property=property, debts=debts, settled_debts=settled, installments=installments)


def properties_of(debts: QuerySet[Debt]) -> set[int]:
    """The properties whose ΤΑΠ these debts are: the one each names, and every property of the
    debtor of a ΤΑΠ debt that names none (``_tap_of``); two queries."""
    named = debts.filter(tap_property__isnull=False).values_list("tap_property_id", flat=True)
    unnamed = debts.filter(_unnamed_tap()).values("debtor_id")
    of_debtors = Property.objects.filter(debtor__in=unnamed).values_list("pk", flat=True)
    return set(named) | set(of_debtors)


def properties_owing_tap(property_ids: set[int]) -> set[int]:
    """Which of these properties still owe ΤΑΠ; one query whatever their number."""
    if not property_ids:
        return set()
    owed = Debt.objects.filter(_tap_of(OuterRef("pk"), OuterRef("debtor_id")))
    owing = Property.objects.filter(pk__in=property_ids).filter(Exists(owed))
    return set(owing.values_list("pk", flat=True))
