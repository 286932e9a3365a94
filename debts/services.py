"""Everything that changes the state of the receivables; each function is one transaction.

Refusals are ``ValidationError`` with a message a person can act on, raised before anything is
written, so that bad input changes nothing. ``preview_notice`` writes nothing: it shows what
``build_notice`` would write, through the same checks and the same arithmetic.

Every function that writes a debtor's notices, settlements or debts takes the debtor's lock first
(``lock_debtor``), then a notice's, then the debts and installments: one order for all of them
(and for ``payments.services``), so two never deadlock, and one debtor's ledger is written one
transaction at a time. Taking that lock raises the debtor's ``ledger_version``, so what these
functions write shows on the citizen's overview from their commit on, signals or not.
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import (
    Debt,
    Debtor,
    Installment,
    NoticeItem,
    ParavoloType,
    PaymentNotice,
    Settlement,
    SettlementScheme,
    principal_before,
)
from .money import ZERO, LineSums, apportion, figures, round_money
from .rf import IDENTIFIER_DIGITS, make_rf
from .surcharges import add_months, last_day_before_increase


def _raise_and_lock(debtors: QuerySet) -> int:
    """Raise the ledger version of ``debtors``, locking their rows to the end of the caller's
    transaction; how many there were.

    One ``UPDATE`` of a column no key holds both raises and locks: PostgreSQL takes FOR NO KEY
    UPDATE for it. It queues the services that write a debtor's ledger, but not a transaction
    that only points a row at the debtor (a debt moved to them), whose foreign-key check takes
    FOR KEY SHARE and would otherwise deadlock.
    """
    if transaction.get_autocommit():
        raise transaction.TransactionManagementError("A debtor's lock needs a transaction.")
    return debtors.update(ledger_version=F("ledger_version") + 1)


def lock_debtor(debtor_id: int) -> Debtor:
    """Lock the debtor's row, raising its ``ledger_version``, and return it: one debtor's notices,
    settlements and payments are written one at a time (every service that writes them takes this
    lock first), and a page kept under the version (the overview) is stale from the commit on."""
    _raise_and_lock(Debtor.objects.filter(pk=debtor_id))
    return Debtor.objects.get(pk=debtor_id)


def touch_ledgers(debtors: QuerySet) -> None:
    """Raise the ledger version of ``debtors`` in the caller's transaction, for writers that are
    not services (the admin's saves), so that what they change shows on those debtors' overviews
    from their commit on. The rows are locked in the order of their ids first, so two such calls
    never deadlock, then raised in one statement however many there are."""
    ids = list(debtors.order_by("pk").select_for_update(no_key=True).values_list("pk", flat=True))
    _raise_and_lock(Debtor.objects.filter(pk__in=ids))


def lock_notice(notice_id: int | None = None, *, rf_code: str = "") -> PaymentNotice | None:
    """The notice with this id (or RF), locked after its debtor (as ``lock_debtor`` locks it), with
    the debtor read; None if there is no such notice."""
    found = lock_notices(ids=[notice_id] if notice_id is not None else [], rf_codes=[rf_code])
    return found[0] if found else None


def lock_notices(*, ids: Iterable[int] = (), rf_codes: Iterable[str] = ()) -> list[PaymentNotice]:
    """The notices with these ids or RFs, each locked after its debtor, debtors read; the
    ones that exist, in id order.

    Two statements however many: the first finds the debtors through the notices and locks them in
    the order of their ids (so two batches never deadlock, nor a batch and a single payment),
    raising their ledger versions; the second locks and reads the notices, also in id order. A
    notice never changes debtor (the database refuses it: migration 0010), so the debtors locked
    are the notices' own.
    """
    ids, rf_codes = [pk for pk in ids if pk is not None], [rf for rf in rf_codes if rf]
    if not ids and not rf_codes:
        return []
    notices = PaymentNotice.objects.filter(Q(pk__any=ids) | Q(rf_code__any=rf_codes))
    debtors = Debtor.objects.filter(pk__in=notices.values("debtor_id")).order_by("pk")
    in_order = debtors.select_for_update(no_key=True).values("pk")
    if not _raise_and_lock(Debtor.objects.filter(pk__in=in_order)):
        return []
    return list(notices.select_for_update(of=("self",)).select_related("debtor").order_by("pk"))


def _debtors_debts(debtor: Debtor, debts: Iterable[Debt], *, lock: bool = True) -> list[Debt]:
    """The debtor's debts with these ids, locked to be written; another debtor's id is unknown."""
    ids = {debt.pk for debt in debts}
    found = (
        Debt.objects.filter(pk__in=ids, debtor=debtor)
        .select_related("revenue_type")
        .order_by("due_date", "pk")
    )
    if lock:
        found = found.select_for_update(of=("self",))
    found = list(found)
    if len(found) != len(ids):
        raise ValidationError(
            _("Κάποια από τις οφειλές που επιλέξατε δεν βρέθηκε."), "unknown_debt"
        )
    return found


def _holding(queryset: QuerySet, debts: list[Debt], installments: list[Installment]) -> QuerySet:
    """Notice items of ``queryset`` on any of these debts or installments."""
    return queryset.filter(debt__in=debts) | queryset.filter(installment__in=installments)


def _expire_lapsed_notices(debts: list[Debt], installments: list[Installment]) -> None:
    """A notice past its validity frees its lines at once, not at the nightly sweep.

    The caller holds the debtor's lock and the lines' locks, taken before a notice's, as a
    payment takes them.
    """
    lapsed = _holding(
        NoticeItem.objects.filter(is_open=True, notice__valid_until__lt=timezone.localdate()),
        debts,
        installments,
    )
    for notice_id in set(lapsed.values_list("notice_id", flat=True)):
        notice = PaymentNotice.objects.select_for_update().get(pk=notice_id)
        if notice.status == PaymentNotice.Status.OPEN:
            _close_notice(notice, PaymentNotice.Status.EXPIRED, cause="validity ended")


def _refuse_items_on_open_notices(debts: list[Debt], installments: list[Installment]) -> None:
    """Refuse lines standing on a notice still payable (one past its validity no longer holds)."""
    taken = _holding(
        NoticeItem.objects.filter(is_open=True, notice__valid_until__gte=timezone.localdate()),
        debts,
        installments,
    )
    item = taken.select_related("notice", "debt", "installment__settlement").first()
    if item is not None:
        raise ValidationError(
            _(
                "«%(item)s» είναι ήδη στο ειδοποιητήριο %(rf)s, που ισχύει έως %(date)s: "
                "πληρώστε εκείνο ή περιμένετε να λήξει."
            )
            % {
                "item": item.debt.description if item.debt_id else item.installment,
                "rf": item.notice.formatted_rf,
                "date": date_format(item.notice.valid_until, "SHORT_DATE_FORMAT"),
            },
            "already_on_notice",
        )


def _unused_rf(total: Decimal) -> str:
    """A fresh RF for ``total``; the unique constraint on ``rf_code`` stays the last word."""
    return unused_rf_codes([total])[0]


def unused_rf_codes(totals: list[Decimal]) -> list[str]:
    """A fresh RF for each of ``totals``, unique among them and against the database, in one
    query a round; the unique constraint on ``rf_code`` stays the last word."""
    codes: list[str] = [""] * len(totals)
    pending = list(range(len(totals)))
    used: set[str] = set()
    while pending:
        for index in pending:
            while True:
                rf_code = make_rf(
                    secrets.randbelow(10**IDENTIFIER_DIGITS),
                    creditor_code=settings.RF_CREDITOR_CODE,
                    amount=totals[index],
                )
                if rf_code not in used:
                    break
            used.add(rf_code)
            codes[index] = rf_code
        taken = set(
            PaymentNotice.objects.filter(rf_code__in=[codes[i] for i in pending]).values_list(
                "rf_code", flat=True
            )
        )
        pending = [index for index in pending if codes[index] in taken]
    return codes


def default_valid_until(
    debts: list[Debt],
    installments: list[Installment],
    today: date,
    *,
    not_before: date | None = None,
) -> date:
    """The validity setting from today, or ``not_before`` when later (a notice sent by post
    for debts not yet due), cut short so that no surcharge grows meanwhile.

    A notice freezes the surcharges of its last valid day; paying early must not cost more.
    """
    valid_until = today + timedelta(days=settings.NOTICE_VALIDITY_DAYS)
    if not_before is not None:
        valid_until = max(valid_until, not_before)
    due_dates = [debt.due_date for debt in debts if debt.bears_surcharge]
    due_dates += [i.due_date for i in installments if i.settlement.late_installment_monthly_rate]
    for due_date in due_dates:
        valid_until = min(valid_until, last_day_before_increase(due_date, today))
    return valid_until


def _notice_selection(
    debtor: Debtor,
    debts: Iterable[Debt],
    installments: Iterable[Installment],
    *,
    lock: bool,
) -> tuple[list[Debt], list[Installment]]:
    """The debtor's debts and installments with these ids, refused unless a notice may hold them.

    ``lock`` is for building the notice; a preview only reads.
    """
    debts = _debtors_debts(debtor, debts, lock=lock)
    installment_ids = {installment.pk for installment in installments}
    found = (
        Installment.objects.filter(
            pk__in=installment_ids,
            settlement__debtor=debtor,
            settlement__status=Settlement.Status.ACTIVE,
        )
        .select_related("settlement")
        .annotate(principal_before=principal_before())
        .order_by("due_date", "pk")
    )
    if lock:
        found = found.select_for_update(of=("self",))
    installments = list(found)
    if not debts and not installment_ids:
        raise ValidationError(_("Επιλέξτε τουλάχιστον μία οφειλή."), "empty")
    if len(installments) != len(installment_ids):
        raise ValidationError(_("Κάποια από τις δόσεις που επιλέξατε δεν βρέθηκε."), "unknown_debt")
    for debt in debts:
        if debt.status != Debt.Status.OPEN:
            raise ValidationError(
                _("Η οφειλή «%(debt)s» δεν είναι ανοικτή (%(status)s).")
                % {"debt": debt.description, "status": debt.get_status_display()},
                "not_open",
            )
    for installment in installments:
        if installment.status != Installment.Status.OPEN:
            raise ValidationError(_("Η «%(i)s» έχει εξοφληθεί.") % {"i": installment}, "not_open")
    if lock:
        _expire_lapsed_notices(debts, installments)
    _refuse_items_on_open_notices(debts, installments)
    return debts, installments


@dataclass(frozen=True)
class NoticeDraft(LineSums):
    """What a notice freezes: its lines with their surcharges, and its validity."""

    valid_until: date
    items: list[NoticeItem]


def draft_notice(
    debts: list[Debt],
    installments: list[Installment],
    *,
    today: date,
    valid_until: date | None = None,
) -> NoticeDraft:
    """The amounts a notice of these debts and installments freezes, unsaved.

    The one place they are computed, for the citizen's preview and for ``build_notice`` alike, so
    what a person checks before confirming is what the notice holds. Each installment comes with
    its ``principal_before`` (``debts.models.principal_before``), for its line's parts.
    """
    valid_until = valid_until or default_valid_until(debts, installments, today)
    items = [
        NoticeItem(debt=debt, principal=debt.principal, surcharge=debt.surcharge(valid_until))
        for debt in debts
    ]
    for installment in installments:
        item = NoticeItem(
            installment=installment,
            principal=installment.amount,
            surcharge=installment.surcharge(valid_until),
        )
        item.principal_before = installment.principal_before
        items.append(item)
    return NoticeDraft(valid_until=valid_until, items=items)


def _refuse_past(valid_until: date | None, today: date) -> None:
    if valid_until is not None and valid_until < today:
        raise ValidationError(_("Η ημερομηνία ισχύος δεν μπορεί να έχει παρέλθει."), "past")


def preview_notice(
    debtor: Debtor,
    *,
    debts: Iterable[Debt] = (),
    installments: Iterable[Installment] = (),
    valid_until: date | None = None,
) -> NoticeDraft:
    """What ``build_notice`` would freeze today, with the same refusals; writes and locks nothing."""
    today = timezone.localdate()
    _refuse_past(valid_until, today)
    debts, installments = _notice_selection(debtor, debts, installments, lock=False)
    return draft_notice(debts, installments, today=today, valid_until=valid_until)


@transaction.atomic
def build_notice(
    debtor: Debtor,
    *,
    debts: Iterable[Debt] = (),
    installments: Iterable[Installment] = (),
    valid_until: date | None = None,
    origin: str = PaymentNotice.Origin.CITIZEN,
    created_by=None,
    expected_total: Decimal | None = None,
) -> PaymentNotice:
    """Group open debts and installments of one debtor into a notice with its own RF.

    Amounts are frozen with the surcharges due on ``valid_until`` (by default as late as the
    surcharges stay unchanged, within the validity setting), and the RF carries an amount check
    for the total, so a bank takes exactly that amount. ``expected_total`` is the total a person
    was shown: if the amounts moved since (a day went by), nothing is built.
    """
    debtor = lock_debtor(debtor.pk)
    today = timezone.localdate()
    _refuse_past(valid_until, today)
    debts, installments = _notice_selection(debtor, debts, installments, lock=True)
    draft = draft_notice(debts, installments, today=today, valid_until=valid_until)
    if expected_total is not None and draft.total != expected_total:
        raise ValidationError(
            _("Τα ποσά άλλαξαν από τη στιγμή που τα είδατε: ελέγξτε τα ξανά."), "amount_changed"
        )
    notice = PaymentNotice.objects.create(
        debtor=debtor,
        rf_code=_unused_rf(draft.total),
        origin=origin,
        valid_until=draft.valid_until,
        total=draft.total,
        created_by=created_by,
    )
    for item in draft.items:
        item.notice = notice
    NoticeItem.objects.bulk_create(draft.items)
    return notice


@dataclass(frozen=True)
class RegisteredPayer:
    debtor: Debtor
    created: bool


def register_payer(payer: Debtor) -> RegisteredPayer:
    """``payer``, a card not saved yet, registered; one whose ΑΦΜ is on file already (the form
    sent twice, a colleague at the next desk, even between a look-up and the save) is that
    debtor, kept as it was, never a second card nor one rewritten with the names typed now.
    The unique ΑΦΜ decides, not a look-up first."""
    try:
        with transaction.atomic():
            payer.save()
    except IntegrityError:
        return RegisteredPayer(debtor=Debtor.objects.get(afm=payer.afm), created=False)
    return RegisteredPayer(debtor=payer, created=True)


@dataclass(frozen=True)
class IssuedParavolo:
    notice: PaymentNotice
    created: bool


@transaction.atomic
def issue_paravolo(
    debtor: Debtor,
    paravolo_type: ParavoloType,
    *,
    created_by=None,
    origin: str = PaymentNotice.Origin.CITIZEN,
) -> IssuedParavolo:
    """A παράβολο for ``debtor``: its uncertified debt and the notice with its RF, together;
    ``origin``, who asked: the citizen online, or the municipality's counter for them.

    A citizen pays a παράβολο before the act it is for, so it is issued ready to pay, never as a
    debt without a way to pay it. Asking again while one of the same type is unpaid (a double
    click, a second tab, a notice that expired) gives that one, on its open notice or a new one,
    never a second debt to pay.
    """
    debtor = lock_debtor(debtor.pk)
    paravolo_type = ParavoloType.objects.select_related("revenue_type").get(pk=paravolo_type.pk)
    if not paravolo_type.active:
        raise ValidationError(_("Αυτό το παράβολο δεν εκδίδεται πια."), "inactive_paravolo")
    unpaid = (
        Debt.objects.filter(debtor=debtor, paravolo_type=paravolo_type, status=Debt.Status.OPEN)
        .prefetch_related(
            Prefetch(
                "notice_items",
                NoticeItem.objects.filter(is_open=True).select_related("notice"),
                to_attr="open_items",
            )
        )
        .order_by("created_at")
        .first()
    )
    if unpaid is not None and unpaid.open_items:
        notice = unpaid.open_items[0].notice
        if notice.current_status == PaymentNotice.Status.OPEN:
            return IssuedParavolo(notice=notice, created=False)
    debt = unpaid or Debt.objects.create(
        debtor=debtor,
        revenue_type=paravolo_type.revenue_type,
        paravolo_type=paravolo_type,
        description=paravolo_type.name,
        principal=paravolo_type.amount,
    )
    notice = build_notice(debtor, debts=[debt], origin=origin, created_by=created_by)
    return IssuedParavolo(notice=notice, created=unpaid is None)


def _close_notice(notice: PaymentNotice, status: str, *, cause: str, actor=None) -> PaymentNotice:
    """Close ``notice``, which the caller has locked after its debtor, freeing its lines."""
    PaymentNotice.states.advance(notice, status, cause=cause, actor=actor)
    notice.items.update(is_open=False)
    return notice


@transaction.atomic
def cancel_notice(notice: PaymentNotice, *, cause: str, actor=None) -> PaymentNotice:
    """Withdraw an open notice; its debts become free to go on another. A paid notice is
    cancelled only by the reversal of its receipt (``payments.services.reverse_receipt``), which
    puts its money back on hold: withdrawn here, its receipt would stand for debts unpaid."""
    notice = lock_notice(notice.pk)
    if notice.status == PaymentNotice.Status.PAID:  # the state table allows it, for reversals
        raise ValidationError(
            _(
                "Το ειδοποιητήριο %(rf)s έχει εξοφληθεί: ακυρώνεται μόνο με την ακύρωση της "
                "απόδειξής του, που κρατά τα χρήματα για διάθεση ή επιστροφή."
            )
            % {"rf": notice.formatted_rf},
            "notice_paid",
        )
    return _close_notice(notice, PaymentNotice.Status.CANCELLED, cause=cause, actor=actor)


def expire_notices(today: date | None = None) -> int:
    """Mark open notices past their validity as expired, one transaction each; safe to rerun."""
    today = today or timezone.localdate()
    expired = 0
    due = PaymentNotice.objects.filter(status=PaymentNotice.Status.OPEN, valid_until__lt=today)
    for notice in due.only("pk").iterator():
        with transaction.atomic():
            locked = lock_notice(notice.pk)
            if locked.status == PaymentNotice.Status.OPEN:
                _close_notice(locked, PaymentNotice.Status.EXPIRED, cause="validity ended")
                expired += 1
    return expired


def _installment_schedule(
    financed: Decimal, count: int, annual_rate: Decimal
) -> list[tuple[Decimal, Decimal]]:
    """(principal, interest) of ``count`` equal monthly installments on a declining balance.

    The last installment takes whatever rounding left over, so the principals add up exactly.
    """
    monthly = annual_rate / 12
    if monthly:
        payment = round_money(financed * monthly / (1 - (1 + monthly) ** -count))
    else:
        payment = round_money(financed / count)
    balance, schedule = financed, []
    for number in range(1, count + 1):
        interest = round_money(balance * monthly)
        principal = balance if number == count else min(payment - interest, balance)
        schedule.append((principal, interest))
        balance -= principal
    return schedule


def _check_settlement_dates(approved_on: date, first_due_date: date) -> None:
    """Surcharges stop at approval: it is today, or a recent day for one approved on paper."""
    today = timezone.localdate()
    earliest = today - timedelta(days=settings.SETTLEMENT_BACKDATE_DAYS)
    if not earliest <= approved_on <= today:
        raise ValidationError(
            _("Η ημερομηνία έγκρισης πρέπει να είναι από %(earliest)s έως σήμερα.")
            % {"earliest": date_format(earliest, "SHORT_DATE_FORMAT")},
            "approved_on",
        )
    if first_due_date < approved_on:
        raise ValidationError(
            _("Η πρώτη δόση δεν μπορεί να λήγει πριν από την έγκριση της ρύθμισης."),
            "first_due_date",
        )


@transaction.atomic
def create_settlement(
    debtor: Debtor,
    debts: Iterable[Debt],
    scheme: SettlementScheme,
    *,
    number: str,
    installments: int,
    approved_on: date,
    first_due_date: date,
    actor=None,
) -> Settlement:
    """Settle certified open debts in monthly installments under ``scheme``.

    The surcharges due on approval, less the scheme's write-off, join the principal; from then on
    the settlement's interest replaces ΚΕΔΕ surcharges.
    """
    debtor = lock_debtor(debtor.pk)
    debts = _debtors_debts(debtor, debts)
    if not debts:
        raise ValidationError(_("Επιλέξτε τουλάχιστον μία οφειλή."), "empty")
    if not scheme.active:
        raise ValidationError(_("Το πρόγραμμα ρύθμισης δεν είναι ενεργό."), "inactive_scheme")
    if Settlement.objects.filter(number=number).exists():
        raise ValidationError(
            _("Υπάρχει ήδη ρύθμιση με αριθμό %(number)s.") % {"number": number}, "number_taken"
        )
    _check_settlement_dates(approved_on, first_due_date)
    if not scheme.min_installments <= installments <= scheme.max_installments:
        raise ValidationError(
            _("Το πρόγραμμα δέχεται από %(min)s έως %(max)s δόσεις.")
            % {"min": scheme.min_installments, "max": scheme.max_installments},
            "installment_count",
        )
    for debt in debts:
        if debt.status != Debt.Status.OPEN or not debt.is_certified:
            raise ValidationError(
                _("Σε ρύθμιση εντάσσονται μόνο ανοικτές βεβαιωμένες οφειλές: «%(debt)s».")
                % {"debt": debt.description},
                "not_settleable",
            )
    _expire_lapsed_notices(debts, [])
    _refuse_items_on_open_notices(debts, [])

    principal = sum((debt.principal for debt in debts), ZERO)
    bore: dict[str, Decimal] = {}
    for debt in debts:
        code = debt.revenue_type.code
        bore[code] = bore.get(code, ZERO) + debt.surcharge(approved_on)
    surcharge = round_money(sum(bore.values(), ZERO) * (1 - scheme.surcharge_writeoff))
    schedule = _installment_schedule(
        principal + surcharge, installments, scheme.annual_interest_rate
    )
    smallest = min(p + i for p, i in schedule)
    if smallest < scheme.min_installment_amount:
        raise ValidationError(
            _(
                "Κάθε δόση πρέπει να είναι τουλάχιστον %(min)s €: με %(n)s δόσεις θα ήταν %(amount)s €."
            )
            % {
                "min": figures(scheme.min_installment_amount),
                "n": installments,
                "amount": figures(smallest),
            },
            "installment_too_small",
        )

    settlement = Settlement.objects.create(
        number=number,
        debtor=debtor,
        scheme=scheme,
        approved_on=approved_on,
        principal=principal,
        surcharge=surcharge,
        surcharge_by_code={
            code: str(part)
            for code, part in zip(bore, apportion(surcharge, list(bore.values())), strict=True)
        },
        annual_interest_rate=scheme.annual_interest_rate,
        late_installment_monthly_rate=scheme.late_installment_monthly_rate,
        misses_before_loss=scheme.misses_before_loss,
    )
    Installment.objects.bulk_create(
        Installment(
            settlement=settlement,
            number=k,
            due_date=add_months(first_due_date, k - 1),
            principal=p,
            interest=i,
        )
        for k, (p, i) in enumerate(schedule, start=1)
    )
    for debt in debts:
        debt.settlement = settlement
        Debt.states.advance(
            debt,
            Debt.Status.IN_SETTLEMENT,
            cause=f"settlement {number}",
            actor=actor,
            also_update=("settlement",),
        )
    return settlement
