"""Reads shaped for pages, each in a fixed number of queries whatever the number of debts."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from .models import Debt, Debtor, Installment, NoticeItem, PaymentNotice, Settlement
from .money import ZERO


@dataclass(frozen=True)
class DebtLine:
    """A debt as the citizen sees it on a given day."""

    debt: Debt
    surcharge: Decimal
    notice: PaymentNotice | None

    @property
    def total(self) -> Decimal:
        return self.debt.principal + self.surcharge


@dataclass
class DebtGroup:
    key: str
    lines: list[DebtLine] = field(default_factory=list)

    @property
    def principal(self) -> Decimal:
        return sum((line.debt.principal for line in self.lines), ZERO)

    @property
    def surcharge(self) -> Decimal:
        return sum((line.surcharge for line in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        return self.principal + self.surcharge


@dataclass(frozen=True)
class InstallmentLine:
    installment: Installment
    surcharge: Decimal
    notice: PaymentNotice | None

    @property
    def total(self) -> Decimal:
        return self.installment.amount + self.surcharge


@dataclass(frozen=True)
class SettlementView:
    """An active settlement: the debts it holds and what remains to be paid."""

    settlement: Settlement
    debts: list[Debt]
    open_installments: list[InstallmentLine]

    @property
    def next_installment(self) -> InstallmentLine | None:
        return self.open_installments[0] if self.open_installments else None

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.open_installments), ZERO)


@dataclass
class DebtorOverview:
    """What a debtor owes on ``as_of``, grouped as the municipality presents it."""

    debtor: Debtor
    as_of: date
    certified: DebtGroup = field(default_factory=lambda: DebtGroup("certified"))
    assessment_notes: DebtGroup = field(default_factory=lambda: DebtGroup("assessment_notes"))
    uncertified: DebtGroup = field(default_factory=lambda: DebtGroup("uncertified"))
    paravola: DebtGroup = field(default_factory=lambda: DebtGroup("paravola"))
    settlements: list[SettlementView] = field(default_factory=list)

    @property
    def debt_groups(self) -> list[DebtGroup]:
        return [self.certified, self.assessment_notes, self.uncertified, self.paravola]

    @property
    def settlements_total(self) -> Decimal:
        return sum((view.total for view in self.settlements), ZERO)

    @property
    def total(self) -> Decimal:
        return sum((group.total for group in self.debt_groups), self.settlements_total)


def _open_notice_items() -> Prefetch:
    return Prefetch(
        "notice_items",
        queryset=NoticeItem.objects.filter(is_open=True).select_related("notice"),
        to_attr="open_items",
    )


def _notice_of(obj) -> PaymentNotice | None:
    return obj.open_items[0].notice if obj.open_items else None


def debtor_overview(debtor: Debtor, as_of: date | None = None) -> DebtorOverview:
    """Everything ``debtor`` owes on ``as_of`` (today by default), in five queries."""
    as_of = as_of or timezone.localdate()
    overview = DebtorOverview(debtor=debtor, as_of=as_of)
    debts = (
        Debt.objects.filter(debtor=debtor, status__in=[Debt.Status.OPEN, Debt.Status.IN_SETTLEMENT])
        .select_related("revenue_type", "roll", "assessment_note")
        .prefetch_related(_open_notice_items())
        .order_by("due_date", "pk")
    )
    in_settlement: dict[int, list[Debt]] = {}
    for debt in debts:
        if debt.status == Debt.Status.IN_SETTLEMENT:
            in_settlement.setdefault(debt.settlement_id, []).append(debt)
            continue
        line = DebtLine(debt=debt, surcharge=debt.surcharge(as_of), notice=_notice_of(debt))
        if debt.assessment_note_id:
            overview.assessment_notes.lines.append(line)
        elif debt.is_certified:
            overview.certified.lines.append(line)
        elif debt.is_paravolo:
            overview.paravola.lines.append(line)
        else:
            overview.uncertified.lines.append(line)

    settlements = (
        Settlement.objects.filter(debtor=debtor, status=Settlement.Status.ACTIVE)
        .select_related("scheme")
        .prefetch_related(
            Prefetch(
                "installments",
                queryset=Installment.objects.filter(status=Installment.Status.OPEN)
                .order_by("number")
                .prefetch_related(_open_notice_items()),
                to_attr="open_installments",
            )
        )
        .order_by("approved_on", "pk")
    )
    for settlement in settlements:
        lines = []
        for installment in settlement.open_installments:
            installment.settlement = settlement  # spare a query for the scheme's rate
            lines.append(
                InstallmentLine(
                    installment=installment,
                    surcharge=installment.surcharge(as_of),
                    notice=_notice_of(installment),
                )
            )
        overview.settlements.append(
            SettlementView(
                settlement=settlement,
                debts=in_settlement.get(settlement.pk, []),
                open_installments=lines,
            )
        )
    return overview
