"""Reads shaped for pages, each in a fixed number of queries whatever the number of debts."""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache, cached_property

from django.conf import settings
from django.db import connections, router
from django.db.models import Count, FilteredRelation, Q, QuerySet, prefetch_related_objects
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import (
    Debt,
    DebtChange,
    Debtor,
    Installment,
    NoticeItem,
    ParavoloType,
    PaymentNotice,
    RevenueType,
    Settlement,
    principal_before,
)
from .money import ZERO, LineSums
from .rows import Columns, Select
from .surcharges import RATES, STARTED, months_counted, surcharge


@dataclass(frozen=True)
class DebtLine:
    """A debt as the citizen sees it on a given day."""

    debt: Debt
    surcharge: Decimal
    notice: PaymentNotice | None

    @property
    def total(self) -> Decimal:
        return self.debt.principal + self.surcharge

    @cached_property
    def detail(self) -> str:
        """The description without the revenue type's name it often starts with, when that is
        the name the page shows beside it (in the reader's language): it reads once."""
        description, name = self.debt.description, self.debt.revenue_type.display_name
        if name and description.startswith(name):
            return description[len(name) :].lstrip()
        return description

    @property
    def period(self) -> str:
        """The period, a calendar year as its year alone: it fits a line."""
        start, end = self.debt.period_start, self.debt.period_end
        if start is None:
            return ""
        if end is None:
            return date_format(start, "SHORT_DATE_FORMAT")
        if (start.month, start.day, end.month, end.day, start.year) == (1, 1, 12, 31, end.year):
            return str(start.year)
        return f"{date_format(start, 'SHORT_DATE_FORMAT')}–{date_format(end, 'SHORT_DATE_FORMAT')}"


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

    @property
    def posted(self):
        """Its amount today as its receipt will post it (``Installment.posted``): the settled
        debts' principal, the surcharges the settlement took in with the late charge, the
        interest. Needs the installment read with its ``principal_before``."""
        installment = self.installment
        return installment.posted(installment.amount, self.surcharge, installment.principal_before)


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

    @property
    def is_empty(self) -> bool:
        return not self.settlements and not any(group.lines for group in self.debt_groups)

    @property
    def has_lines_without_notice(self) -> bool:
        """Whether anything is left to put on a new notice."""
        lines = [line for group in self.debt_groups for line in group.lines]
        lines += [line for view in self.settlements for line in view.open_installments]
        return any(line.notice is None for line in lines)


def _with_open_notice(queryset: QuerySet) -> QuerySet:
    """Each installment with its open notice, if any, in the same query.

    A debt or an installment stands on one open notice at most (a partial unique index), so the
    join adds no rows.
    """
    return queryset.annotate(
        open_item=FilteredRelation("notice_items", condition=Q(notice_items__is_open=True))
    ).select_related("open_item__notice")


@cache
def _open_debts(alias: str) -> Select:
    """The debts of a debtor open or in a settlement, each with its revenue type and its open
    notice, if any: the query every first visit of the overview makes, read with ``debts.rows``
    (the same through the ORM, a ``FilteredRelation`` and two ``select_related``, cost 450 µs to
    compile against 300 µs to run). A debt stands on one open notice at most (a partial unique
    index), so the join adds no rows."""
    connection = connections[alias]
    debt = Columns.of(Debt, "d", connection)
    revenue_type = Columns.of(RevenueType, "r", connection)
    item = Columns.of(NoticeItem, "i", connection)
    notice = Columns.of(PaymentNotice, "n", connection)
    return Select(
        (debt, revenue_type, notice),
        f"FROM {debt.table} "
        f"INNER JOIN {revenue_type.table} ON {revenue_type['pk']} = {debt['revenue_type']} "
        f"LEFT OUTER JOIN {item.table} ON {item['debt']} = {debt['pk']} AND {item['is_open']} "
        f"LEFT OUTER JOIN {notice.table} ON {notice['pk']} = {item['notice']} "
        f"WHERE {debt['debtor']} = %s AND {debt['status']} IN (%s, %s)",
    )


def open_debts_with_notice(debtor: Debtor) -> list[tuple[Debt, PaymentNotice | None]]:
    """The debts of ``debtor`` open or in a settlement (their revenue type read), each with the
    notice it stands open on, if any; in no order."""
    alias = router.db_for_read(Debt)
    params = [debtor.pk, Debt.Status.OPEN, Debt.Status.IN_SETTLEMENT]
    rows = _open_debts(alias).rows(connections[alias], params)
    for debt, revenue_type, _notice in rows:
        debt.revenue_type = revenue_type
    return [(debt, notice) for debt, _revenue_type, notice in rows]


def _open_on(notice: PaymentNotice | None, as_of: date) -> PaymentNotice | None:
    """``notice``, unless its validity ended before ``as_of``: it no longer holds the line,
    whether or not the nightly sweep has marked it expired yet."""
    if notice is None or notice.status_on(as_of) != PaymentNotice.Status.OPEN:
        return None
    return notice


def debtor_overview(debtor: Debtor, as_of: date | None = None) -> DebtorOverview:
    """Everything ``debtor`` owes on ``as_of`` (today by default), in one to four queries.

    The overview is the page every citizen opens first, so its debts come with their open notice
    in one query; a debtor with an assessment note costs one more, for the notes; an active
    settlement holds its debts (in settlement) until it ends, so only a debtor with such debts
    costs two more, for the settlements and their open installments.
    """
    as_of = as_of or timezone.localdate()
    overview = DebtorOverview(debtor=debtor, as_of=as_of)
    debts = open_debts_with_notice(debtor)
    # An assessment note is rare: read apart, only for the debts that have one, the join cost
    # every debtor more than the query costs the few.
    prefetch_related_objects(
        [debt for debt, _notice in debts if debt.assessment_note_id], "assessment_note"
    )
    in_settlement: dict[int, list[Debt]] = {}
    # Ordered here, not in SQL: compiling an ORDER BY cost more than sorting a few rows.
    for debt, notice in sorted(debts, key=lambda row: (row[0].due_date or date.max, row[0].pk)):
        if debt.status == Debt.Status.IN_SETTLEMENT:
            in_settlement.setdefault(debt.settlement_id, []).append(debt)
            continue
        line = DebtLine(debt=debt, surcharge=debt.surcharge(as_of), notice=_open_on(notice, as_of))
        if debt.assessment_note_id:
            overview.assessment_notes.lines.append(line)
        elif debt.is_certified:
            overview.certified.lines.append(line)
        elif debt.is_paravolo:
            overview.paravola.lines.append(line)
        else:
            overview.uncertified.lines.append(line)
    if not in_settlement:
        return overview

    active = Settlement.objects.filter(pk__in=in_settlement, status=Settlement.Status.ACTIVE)
    settlements = {settlement.pk: settlement for settlement in active.select_related("scheme")}
    if not settlements:
        return overview
    installments = _with_open_notice(
        Installment.objects.filter(
            settlement__in=list(settlements), status=Installment.Status.OPEN
        ).annotate(principal_before=principal_before())
    )
    open_installments: dict[int, list[InstallmentLine]] = {}
    for installment in installments.order_by("settlement_id", "number"):
        installment.settlement = settlements[installment.settlement_id]  # and its late charge
        item = getattr(installment, "open_item", None)  # absent when the join found none
        open_installments.setdefault(installment.settlement_id, []).append(
            InstallmentLine(
                installment=installment,
                surcharge=installment.surcharge(as_of),
                notice=_open_on(item.notice if item else None, as_of),
            )
        )
    for settlement in sorted(settlements.values(), key=lambda s: (s.approved_on, s.pk)):
        overview.settlements.append(
            SettlementView(
                settlement=settlement,
                debts=in_settlement[settlement.pk],
                open_installments=open_installments.get(settlement.pk, []),
            )
        )
    return overview


@dataclass(frozen=True)
class RatePeriod:
    """A ΚΕΔΕ surcharge rate and the months it applies to, in percent as people read it."""

    effective_from: date
    until: date | None
    monthly_percent: Decimal
    cap_percent: Decimal | None


@dataclass(frozen=True)
class SurchargeExplanation:
    """What the page says about surcharges, taken from the code that computes them."""

    rate_periods: list[RatePeriod]
    counts_started_months: bool
    example_principal: Decimal
    example_due_date: date
    example_as_of: date
    example_months: int
    example_surcharge: Decimal


def surcharge_explanation() -> SurchargeExplanation:
    """The rates of ``debts.surcharges`` (newest first), the month rule in force and a worked
    example computed by the same function as every debt's surcharge."""
    periods = [
        RatePeriod(
            effective_from=rate.effective_from,
            until=following.effective_from - timedelta(days=1) if following else None,
            monthly_percent=rate.monthly_rate * 100,
            cap_percent=rate.cap * 100 if rate.cap is not None else None,
        )
        for rate, following in zip(RATES, [*RATES[1:], None], strict=True)
    ]
    principal, due_date, as_of = Decimal("100.00"), date(2025, 1, 31), date(2025, 4, 15)
    return SurchargeExplanation(
        rate_periods=periods[::-1],
        counts_started_months=settings.SURCHARGE_MONTH_RULE == STARTED,
        example_principal=principal,
        example_due_date=due_date,
        example_as_of=as_of,
        example_months=months_counted(due_date, as_of),
        example_surcharge=surcharge(principal, due_date, as_of),
    )


def open_notice_holding(
    debtor: Debtor, *, debt_ids: list[int], installment_ids: list[int], exactly: bool = True
) -> PaymentNotice | None:
    """The debtor's open notice holding exactly these debts and installments (or, not
    ``exactly``, these among others), if there is one.

    A confirmation sent twice finds here the notice the first one built.
    """
    wanted = len(set(debt_ids)) + len(set(installment_ids))
    if not wanted:
        return None
    held = Q()
    if debt_ids:
        held |= Q(items__debt__in=debt_ids)
    if installment_ids:
        held |= Q(items__installment__in=installment_ids)
    notices = (
        PaymentNotice.objects.filter(
            debtor=debtor,
            status=PaymentNotice.Status.OPEN,
            valid_until__gte=timezone.localdate(),
        )
        .annotate(held=Count("items", filter=held))
        .filter(held=wanted)
    )
    if exactly:
        notices = notices.annotate(size=Count("items")).filter(size=wanted)
    return notices.first()


def debtor_notices(debtor: Debtor) -> QuerySet[PaymentNotice]:
    """The debtor's notices, newest first; every page about a notice starts from here."""
    return PaymentNotice.objects.filter(debtor=debtor).order_by("-issued_at", "-pk")


@dataclass(frozen=True)
class NoticeLines(LineSums):
    """The lines of a notice and their sums, as the notice froze them."""

    items: list[NoticeItem]


def notice_lines(notice: PaymentNotice) -> NoticeLines:
    """The lines of a notice with what each one is for, in one query."""
    items = notice.items.select_related("debt__revenue_type", "installment__settlement").annotate(
        principal_before=principal_before("installment__")
    )
    return NoticeLines(items=list(items))


def active_paravolo_types() -> QuerySet[ParavoloType]:
    return ParavoloType.objects.filter(active=True).order_by("name", "pk")


@dataclass(frozen=True)
class StatusStep:
    """One recorded status change, with the statuses and its cause as people read them."""

    change: DebtChange
    from_label: str
    to_label: str
    cause: str = ""


# The causes the services record for a debt's changes, in the ledger's own words (English, for
# staff and logs): ``debts.services.create_settlement``, ``payments.services`` as it applies
# money («<channel> payment <reference>») and reverses a receipt. Anything else is a person's.
_PAYMENT_CAUSE = re.compile(r"(bank|card|counter) payment .+")
_SETTLEMENT_CAUSE = re.compile(r"settlement (.+)")
_REVERSAL_CAUSE = re.compile(r"receipt (.+) reversed")
# The labels of ``payments.models.Channel``, which this floor does not import.
_CHANNELS = {
    "bank": _("Τράπεζα (RF μέσω ΔΙΑΣ)"),
    "card": _("Κάρτα"),
    "counter": _("Ταμείο του Δήμου"),
}


def cause_as_read(cause: str) -> str:
    """A recorded cause in the reader's language: the services' own notes said as a citizen
    reads them (the payment's channel, the settlement, the receipt reversed), a person's text
    as they wrote it."""
    if match := _PAYMENT_CAUSE.fullmatch(cause):
        return gettext("πληρωμή: %(channel)s") % {"channel": _CHANNELS[match[1]]}
    if match := _SETTLEMENT_CAUSE.fullmatch(cause):
        return gettext("Ρύθμιση %(number)s") % {"number": match[1]}
    if match := _REVERSAL_CAUSE.fullmatch(cause):
        return gettext("ακύρωση της απόδειξης %(number)s") % {"number": match[1]}
    return cause


@dataclass(frozen=True)
class CardDebt:
    debt: Debt
    history: list[StatusStep]


@dataclass(frozen=True)
class DebtorCard:
    """The debtor's ledger card: every debt ever with its history, and every settlement."""

    debtor: Debtor
    debts: list[CardDebt]
    settlements: list[Settlement]


def debtor_card(debtor: Debtor) -> DebtorCard:
    """The card of ``debtor`` in four queries, whatever the number of debts and changes."""
    labels = dict(Debt.Status.choices)
    debts = (
        Debt.objects.filter(debtor=debtor)
        .select_related("revenue_type", "roll", "assessment_note", "settlement", "paravolo_type")
        .prefetch_related("status_changes")
        .order_by("due_date", "pk")
    )
    settlements = (
        Settlement.objects.filter(debtor=debtor)
        .select_related("scheme")
        .prefetch_related("installments")
        .order_by("-approved_on", "-pk")
    )
    return DebtorCard(
        debtor=debtor,
        debts=[
            CardDebt(
                debt=debt,
                history=[
                    StatusStep(
                        change=change,
                        from_label=labels.get(change.from_status, change.from_status),
                        to_label=labels.get(change.to_status, change.to_status),
                        cause=cause_as_read(change.cause),
                    )
                    for change in debt.status_changes.all()
                ],
            )
            for debt in debts
        ],
        settlements=list(settlements),
    )


@dataclass(frozen=True)
class OwedRow:
    label: str
    principal: Decimal
    surcharge: Decimal
    interest: Decimal = ZERO  # a settlement's, in its open installments

    @property
    def total(self) -> Decimal:
        return self.principal + self.surcharge + self.interest


def owed_today(debtor: Debtor) -> dict:
    """The rows of «Οφειλή σήμερα» on a debtor's admin page: each group of the citizen's
    overview that holds anything (a settlement counts its open installments), and the total."""
    overview = debtor_overview(debtor)
    labels = {
        "certified": _("Βεβαιωμένες οφειλές"),
        "assessment_notes": _("Βεβαιωτικά σημειώματα"),
        "uncertified": _("Αβεβαίωτες οφειλές"),
        "paravola": _("Παράβολα"),
    }
    rows = [
        OwedRow(labels[group.key], group.principal, group.surcharge)
        for group in overview.debt_groups
        if group.lines
    ]
    installments = [line for view in overview.settlements for line in view.open_installments]
    if installments:
        rows.append(
            OwedRow(
                _("Οφειλές σε ρύθμιση (ανεξόφλητες δόσεις)"),
                # As the receipts will post them: the surcharges the settlement took in are
                # surcharges, not principal; the interest apart.
                sum((line.posted.principal for line in installments), ZERO),
                sum((line.posted.surcharge for line in installments), ZERO),
                sum((line.posted.interest for line in installments), ZERO),
            )
        )
    total = OwedRow(
        _("Σύνολο"),
        sum((row.principal for row in rows), ZERO),
        sum((row.surcharge for row in rows), ZERO),
        sum((row.interest for row in rows), ZERO),
    )
    return {"as_of": overview.as_of, "rows": rows, "total": total}
