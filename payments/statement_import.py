"""Importing a bank statement: each booked credit settled as bank/DIAS money, debits and returns
recorded apart, each entry once.

The file is read whole first (``statement_files``), so a broken one changes nothing. Then the
transactions go through ``settle_many`` in batches, each batch one transaction: the entries the
database already holds (the same file again, a camt.053 after its camt.054) are skipped, and the
rest are recorded with the payments they became. A run cut short is finished by running it again.
"""

import gc
import hashlib
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from debts.bulk import insert_rows
from debts.money import ZERO, euros, figures

from .batch_workers import run_in_workers
from .import_lock import one_import_at_a_time
from .models import BankStatement, Channel, OwnTransfer, StatementEntry
from .services import Arrival, record_own_transfer, settle_many
from .statement_files import (
    CONTENT_KEY,
    BrokenStatement,
    Kind,
    StatementFile,
    Transaction,
    read_statement,
)

BATCH_SIZE = 2000
RUNS_PER_BATCH = 3


@dataclass
class Counts:
    """What batches did: entries skipped as imported before (count and net euros), credits
    settled and held (count and euros, by reason), other entries (debits, returns) by kind and
    direction, (kind, credit): a return may be money in or out, and the lines add up to the
    file's net only with each told its way."""

    skipped: int = 0
    # Their net, money in less money out: a camt.053 after its camt.054 skips most of the day.
    skipped_amount: Decimal = ZERO
    # Of them, entries known by what they hold (no reference of the bank's): in a file that
    # does not overlap the one imported, the same would be another payment, alike.
    skipped_by_content: int = 0
    # Of them, entries imported under the same key (account, reference, transaction) booked
    # another day: a bank books an entry once, so the key may be one it gave again to another
    # payment. (account, reference, transaction, amount, booked now, booked then) each.
    booked_otherwise: list = field(default_factory=list)
    # Returns recorded that take money out under a transaction id of the bank's (not one of the
    # import's): (account, reference, transaction id, amount) each, to be looked up among the
    # credits once the batches are done (``_credits_taken_back``).
    returned: list = field(default_factory=list)
    settled: int = 0
    settled_amount: Decimal = ZERO
    held: Counter = field(default_factory=Counter)
    held_amount: Counter = field(default_factory=Counter)
    # Credits from the card gateway's payout accounts, taken off the queue as the municipality's
    # own money as they were recorded (``_card_payouts``).
    payouts: int = 0
    payouts_amount: Decimal = ZERO
    other: Counter = field(default_factory=Counter)
    other_amount: Counter = field(default_factory=Counter)

    def add(self, more: "Counts") -> None:
        """Add ``more`` to these counts, field by field (a field added later is added too)."""
        for name in (item.name for item in fields(Counts)):
            mine = getattr(self, name)
            if isinstance(mine, Counter):
                mine.update(getattr(more, name))
            else:
                setattr(self, name, mine + getattr(more, name))


@dataclass
class ImportSummary(Counts):
    """What an import did (or, dry, would do), with the file's own totals to check it against."""

    statement: StatementFile = field(kw_only=True)
    # The file's entries that batches committed: a failure after them leaves them recorded.
    committed: int = 0
    # Returns that take back a credit imported as a payment (the bank reversed it): its receipt
    # stands for money the account no longer has. (account, reference, transaction id, amount,
    # payment ids) each: the ids of every credit of that transaction id and amount, more than
    # one when the id is not the bank's own (a payer's end-to-end id, the RF paid twice).
    # Looked up once the batches are done (``_credits_taken_back``).
    taken_back: list = field(default_factory=list)

    @property
    def read(self) -> int:
        """Every transaction the summary goes on to count, those left aside too (not booked, of
        no money): its lines add up to it."""
        statement = self.statement
        return len(statement.transactions) + statement.not_booked + statement.no_money


class ImportStopped(RuntimeError):
    """An import that failed after some of its batches committed (a worker's connection cut, the
    database gone): they stay recorded, and running the file again finishes it."""

    def __init__(self, cause: BaseException, summary: ImportSummary):
        super().__init__(str(cause))
        self.summary = summary


def payment_reference(transaction: Transaction) -> str:
    """The bank payment's reference, unique per channel: the entry's own key, shortened to a
    checksum when the bank's references are long, or hold the «/» that joins them (BR/1 and X,
    BR and 1/X would read alike)."""
    parts = (transaction.account, transaction.bank_reference, transaction.transaction_id)
    reference = "/".join(parts)
    if len(reference) <= 100 and "/" not in transaction.bank_reference + transaction.transaction_id:
        return reference
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:48]
    return f"{transaction.account}/{digest}"


def received_at(transaction: Transaction) -> datetime:
    """When the money reached the account: the start of its booking day, local time."""
    return timezone.make_aware(datetime.combine(transaction.booked_on, time()))


def import_bank_statement(
    path: str | Path,
    *,
    actor=None,
    batch_size: int | None = None,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    waiting: Callable[[], None] | None = None,
) -> ImportSummary:
    """Import the statement at ``path`` (``BrokenStatement`` if it cannot be read). A dry run is
    the caller's: inside a transaction it rolls back (``import_bank_statement --dry-run``), where
    the batches run in this process. ``workers`` above one runs the batches after the first in
    that many processes (``batch_workers``), outside a transaction only;
    ``progress`` is told, once the file is read and after each batch, how many of its entries are
    done and how many it has; ``waiting``, that another import is running, which this one waits
    for (``import_lock``). ``batch_size`` is ``BATCH_SIZE`` unless given."""
    batch_size = batch_size or BATCH_SIZE
    statement = read_statement(path)
    _refuse_other_accounts(statement)
    _refuse_too_long(statement.transactions)
    summary = ImportSummary(statement=statement)
    with one_import_at_a_time(waiting):
        try:
            _import(statement, Path(path).name, summary, actor, batch_size, workers, progress)
        except Exception as error:
            # Batches committed stay; in a caller's transaction (a dry run) none did.
            if summary.committed and not connection.in_atomic_block:
                raise ImportStopped(error, summary) from error
            raise
    return summary


def _import(statement, file_name, summary, actor, batch_size, workers, progress) -> None:
    """The batches, each one transaction: the first here, as it records the statement; the rest
    here too, or in ``workers`` processes when there are more than one (``_can_fork``).

    Each batch first sets aside (``gc.freeze``) what exists when it starts: the statement read,
    every one of its transactions, what earlier batches left. Python's cyclic garbage
    collections then go through what the running batch makes, not all of that again each time:
    at 100,000 credits, 54 full collections (2.7 s) became 4 (1.4 s). An object is still freed
    when its last reference goes; only a reference cycle among what was set aside waits for the
    end of the import, when all of it is given back. A process that froze objects of its own
    (a server preloading its code) is left as it was: nothing is set aside there.
    """
    set_aside = gc.get_freeze_count() == 0
    transactions = _unique(statement.transactions)
    total = len(statement.transactions)
    handled = total - len(transactions)  # the file's repeats of an entry, skipped
    summary.skipped += handled
    summary.skipped_amount += _net(statement.transactions) - _net(transactions)
    if progress:
        progress(handled, total)
    _refuse_changed(transactions, batch_size)
    batches = list(_batches(transactions, batch_size))
    if not batches:
        return
    record = None

    def run(batch) -> Counts:
        nonlocal record
        if set_aside:
            gc.freeze()
        record, new, settled, otherwise, payouts = _import_batch(
            record, statement, file_name, batch, actor
        )
        return _counted(batch, new, settled, otherwise, payouts)

    def done(batch, counts: Counts) -> None:
        nonlocal handled
        summary.add(counts)
        summary.committed += len(batch)
        handled += len(batch)
        if progress:
            progress(handled, total)

    try:
        done(batches[0], run(batches[0]))
        if workers > 1 and len(batches) > 1 and _can_fork():
            run_in_workers(batches[1:], run, workers=workers, done=done)
        else:
            for batch in batches[1:]:
                done(batch, run(batch))
    except Exception:
        # The batches committed stay recorded: their returns are told too, if the database
        # still answers (in a caller's transaction, a dry run's, none stays).
        if summary.committed and not connection.in_atomic_block:
            with suppress(DatabaseError):
                summary.taken_back = _credits_taken_back(summary.returned)
        raise
    finally:
        if set_aside:
            gc.unfreeze()
    summary.taken_back = _credits_taken_back(summary.returned)


def _can_fork() -> bool:
    """Whether batches may go to worker processes: on PostgreSQL (the embedded SQLite takes one
    writer at a time), with no transaction open around the import (a dry run's, a test's)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


@contextmanager
def _planned_for_these_values():
    """Have PostgreSQL plan the statements run inside for the values they are given.

    The lookup of the entries already imported looks the same from one batch to the next
    (thousands of bank references), so after five runs the connection's prepared
    statement switches to a generic plan, made without the values: a scan of every statement
    entry testing each against the batch's 2,000 references. A 100,000-credit file took 1.7 s a
    batch at first and 8 s a batch by the end. Planned with its values, the lookup uses the index.

    Only for that lookup: the same setting kept for the whole batch also replans each of the
    foreign-key checks its thousands of new rows make at the commit, which then took longer than
    all the batch's inserts (bench/README).
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        yield
        # Not on an error: the transaction it breaks is rolled back, and the setting with it.
        cursor.execute("SET LOCAL plan_cache_mode = DEFAULT")


def _compact(account: str) -> str:
    return "".join(account.split()).upper()


def _refuse_other_accounts(statement: StatementFile) -> None:
    """Refuse a file of an account RF payments do not reach (``BANK_STATEMENT_ACCOUNTS``, else
    the municipality's IBAN): imported, its credits would become citizens' payments, applied
    to notices or held in the queue for finance to return, and money records are never
    deleted."""
    ours = {
        _compact(account)
        for account in settings.BANK_STATEMENT_ACCOUNTS or [settings.MUNICIPALITY_IBAN]
    }
    for report in statement.reports:
        if _compact(report.account) not in ours:
            raise BrokenStatement(
                _(
                    "Ο λογαριασμός του αρχείου, %(account)s, δεν είναι αυτός όπου φτάνουν οι "
                    "πληρωμές RF (%(ours)s): αν είναι λογαριασμός του Δήμου για πληρωμές RF, "
                    "προσθέστε τον στη ρύθμιση BANK_STATEMENT_ACCOUNTS."
                )
                % {"account": report.account, "ours": ", ".join(sorted(ours))}
            )


def _refuse_too_long(transactions: list[Transaction]) -> None:
    """Refuse a file with a key longer than the ledger keeps (ISO 20022 allows 35 characters):
    cut, two entries could become one; found at the insert, the batches before would stay."""
    limits = {
        name: StatementEntry._meta.get_field(name).max_length
        for name in ("account", "bank_reference", "transaction_id")
    }
    for item in transactions:
        for name, limit in limits.items():
            value = getattr(item, name)
            if len(value) > limit:
                raise BrokenStatement(
                    _("Πολύ μεγάλο πεδίο «%(field)s» (πάνω από %(limit)s χαρακτήρες): «%(value)s».")
                    % {
                        "field": StatementEntry._meta.get_field(name).verbose_name,
                        "limit": limit,
                        "value": value,
                    }
                )


def _unique(transactions: list[Transaction]) -> list[Transaction]:
    """The file's transactions, one per key (account, bank reference, transaction): a file that
    repeats one carries it once. One key given to two that differ refuses the file: kept once,
    the other's money would be left out without a word; the key tells them apart for nobody,
    so the bank must."""
    first: dict[tuple[str, str, str], Transaction] = {}
    for item in transactions:
        seen = first.setdefault((item.account, item.bank_reference, item.transaction_id), item)
        # The same entry twice has the same contents, but for their count of alike ones.
        if seen is not item and replace(seen, content=()) != replace(item, content=()):
            raise BrokenStatement(
                _(
                    "Η τράπεζα δίνει την ίδια αναφορά %(ref)s του λογαριασμού %(account)s σε δύο "
                    "διαφορετικές κινήσεις του αρχείου (%(first)s στις %(first_day)s, "
                    "%(second)s στις %(second_day)s): δεν ξεχωρίζουν, και η μία θα χανόταν· "
                    "ζητήστε από την τράπεζα αρχείο με δική του αναφορά για κάθε κίνηση."
                )
                % {
                    "ref": item.bank_reference,
                    "account": item.account,
                    "first": euros(seen.amount),
                    "first_day": date_format(seen.booked_on, "SHORT_DATE_FORMAT"),
                    "second": euros(item.amount),
                    "second_day": date_format(item.booked_on, "SHORT_DATE_FORMAT"),
                }
            )
    return list(first.values())


def _statement_record(statement: StatementFile, file_name: str, actor) -> BankStatement:
    single = statement.reports[0] if len(statement.reports) == 1 else None
    record, _created = BankStatement.objects.get_or_create(
        file_sha256=statement.sha256,
        defaults={
            "format": statement.format,
            "version": statement.version,
            "message_id": statement.message_id[:100],
            "file_name": file_name[:255],
            "opening_balance": single.opening if single else None,
            "closing_balance": single.closing if single else None,
            "imported_by": actor,
        },
    )
    return record


def _known(batch: list[Transaction]) -> dict[tuple, tuple[Decimal, date]]:
    """The amounts and booking days of the entries of ``batch`` the database already holds, by
    key: those recorded under the references here, and those recorded for what they held where
    one side had no reference of the bank's (a camt.054 and the day's camt.053, either first).
    Those are told under the key they have here, so each is skipped as imported.

    An entry here with a reference is looked up under the key it would have had without one
    (``Transaction.counted_key``). One without a reference is looked up among the entries with
    a reference that held the same (``Transaction.content_key``), in the order they were
    recorded: the second alike here is the second alike recorded, from whatever files. Two
    references of the bank's are two entries however alike (two payments of a day of one
    notice's amount)."""
    references = {_entry(item) for item in batch}
    counted = {
        (item.account, item.counted_key)
        for item in batch
        if item.content and not item.known_by_content
    }
    # An MT940 line keeps no contents: looked up by "", it would read every such line imported.
    contents = {
        (item.account, item.content_key) for item in batch if item.known_by_content and item.content
    }
    # Two look-ups, not one with an OR: PostgreSQL takes the account out of both arms, and then
    # reads every entry of the account instead of either index.
    rows = []
    for pairs, column in ((references | counted, "bank_reference"), (contents, "content_key")):
        if pairs:
            found = StatementEntry.objects.filter(_per_account(pairs, column)).values_list(
                "pk",
                "account",
                "bank_reference",
                "transaction_id",
                "content_key",
                "amount",
                "booked_on",
            )
            with _planned_for_these_values():
                rows += found
    known, held, alike = {}, {}, {}
    # In the order they were recorded (a row both look-ups found is read twice, alike).
    for _pk, account, reference, transaction_id, content_key, amount, booked in sorted(rows):
        if (account, reference) in references:
            known[account, reference, transaction_id] = amount, booked
        held[account, reference, transaction_id] = amount, booked
        if (account, content_key) in contents and not reference.startswith(CONTENT_KEY):
            entries = alike.setdefault((account, content_key), {})
            entries.setdefault(reference, {})[transaction_id] = amount, booked
    for item in batch:
        key = (item.account, item.bank_reference, item.transaction_id)
        if not item.content or key in known:
            continue
        if item.known_by_content:
            entries = list(alike.get((item.account, item.content_key), {}).values())
            _parts, order = item.content
            found = entries[order - 1].get(item.transaction_id) if order <= len(entries) else None
        else:
            found = held.get((item.account, item.counted_key, item.transaction_id))
        if found:
            known[key] = found
    return known


def _per_account(pairs: set[tuple[str, str]], field: str) -> Q:
    """Statement entries with one of these (account, ``field`` value) pairs: one ``= ANY`` of
    the values per account, which the index on (account, …) serves."""
    wanted = Q()
    for account in {account for account, _value in pairs}:
        values = [value for other, value in pairs if other == account]
        wanted |= Q(account=account, **{f"{field}__any": values})
    return wanted


def _import_batch(record, statement, file_name, batch, actor) -> tuple:
    """One batch in one transaction: the statement's record (made by the first), the batch's
    transactions not imported before, and what ``settle_many`` made of its credits.

    Another import of the same entries under the same keys (the same file, or a camt.053 after
    its camt.054) may commit some of them after this batch looked them up: their unique key
    then refuses the batch, which is rolled back whole and run again, to find them imported and
    skip them. Each run finds more of them imported; a third refusal in a row is no race, and
    is raised. (On PostgreSQL imports take turns, ``import_lock``; the embedded SQLite's do not.)
    """
    for attempt in range(1, RUNS_PER_BATCH + 1):
        try:
            with transaction.atomic():
                current = record or _statement_record(statement, file_name, actor)
                return current, *_record_new(current, batch, actor)
        except IntegrityError:
            if attempt == RUNS_PER_BATCH:
                raise


def _net(transactions) -> Decimal:
    """Money in less money out, as the transactions moved the account."""
    return sum((item.amount if item.credit else -item.amount for item in transactions), ZERO)


def _counted(batch, new, settled, booked_otherwise, payouts: set[int]) -> Counts:
    """What one batch did: its entries not ``new`` were imported before; ``payouts``, the ids of
    the payments taken off the queue as card payouts."""
    fresh = {id(item) for item in new}
    counts = Counts(
        skipped=len(batch) - len(new),
        skipped_amount=_net(item for item in batch if id(item) not in fresh),
        skipped_by_content=sum(
            1 for item in batch if id(item) not in fresh and item.known_by_content
        ),
        booked_otherwise=booked_otherwise,
        returned=[
            (item.account, item.bank_reference, item.transaction_id, item.amount)
            for item in new
            if item.kind == Kind.RETURN
            and not item.credit
            and item.transaction_id
            and not item.transaction_id.startswith("#")  # an id of the import's, not the bank's
        ],
    )
    for result in settled:
        if result.applied:
            counts.settled += 1
            counts.settled_amount += result.payment.amount
        elif result.payment.pk in payouts:
            counts.payouts += 1
            counts.payouts_amount += result.payment.amount
        else:
            counts.held[result.reason] += 1
            counts.held_amount[result.reason] += result.payment.amount
    for item in new:
        if item.kind != Kind.PAYMENT:
            counts.other[item.kind, item.credit] += 1
            counts.other_amount[item.kind, item.credit] += item.amount
    return counts


def _batches(transactions: list[Transaction], size: int):
    """Batches of ``size`` transactions or a few more: an entry's are never split, as ``_new``
    judges an entry whole."""
    batch = []
    for item in transactions:
        if len(batch) >= size and _entry(item) != _entry(batch[-1]):
            yield batch
            batch = []
        batch.append(item)
    if batch:
        yield batch


def _entry(item: Transaction) -> tuple[str, str]:
    return item.account, item.bank_reference


def _refuse_changed(transactions: list[Transaction], batch_size: int) -> None:
    """Refuse the file, before anything is written, if it carries an entry already imported
    with another amount: found batch by batch as the import goes, it would leave the batches
    before it imported."""
    for batch in _batches(transactions, batch_size):
        with transaction.atomic():  # for the look-up's planner setting, local to a transaction
            _new(batch, _known(batch))


def _told_otherwise(batch: list[Transaction]) -> set[tuple]:
    """(account, bank id, day, amount, kind) of the transactions of ``batch`` the database holds
    under the banks' own id for them but another entry reference (``_known`` finds those under
    theirs): a camt.053 may book under an entry of its own (a batch of the day's credits) what
    the camt.054 told one by one, or a camt.054 may give no entry reference at all."""
    references: dict[tuple[str, str], set[str]] = {}
    for item in batch:
        if item.bank_id:
            references.setdefault((item.account, item.bank_id), set()).add(item.bank_reference)
    if not references:
        return set()
    wanted = _per_account(set(references), "transaction_id")
    rows = StatementEntry.objects.filter(wanted).values_list(
        "account", "transaction_id", "booked_on", "amount", "kind", "bank_reference"
    )
    with _planned_for_these_values():
        rows = list(rows)
    return {
        (account, bank_id, booked, amount, kind)
        for account, bank_id, booked, amount, kind, reference in rows
        if reference not in references[account, bank_id]
    }


def _new(batch: list[Transaction], known: dict, told: set = frozenset()) -> list[Transaction]:
    """The transactions of ``batch`` not in ``known``; one there with another amount refuses
    the file. One ``told`` under another reference (``_told_otherwise``), the same day, amount
    and kind, was imported then.

    An entry imported before, booked the same day, with its transactions told apart otherwise
    (a camt.054 lists a batch's credits, the camt.053 books it as one sum, or the other way
    round) is the same money when its sum is the same: skipped whole. With another sum it
    refuses the file. A reference is the bank's, unique for the account (ISO 20022), so only
    an entry of the same day is taken for one itemised otherwise; a reference a bank used again
    another day, for another entry of the same shape, would be taken for the first (the key is
    the issue's: account, reference, transaction)."""
    held: dict[tuple[str, str, date], Decimal] = {}
    held_keys: dict[tuple[str, str, date], set] = {}
    for key, (amount, booked) in known.items():
        entry = (*key[:2], booked)
        held[entry] = held.get(entry, ZERO) + amount
        held_keys.setdefault(entry, set()).add(key)
    entries: dict[tuple[str, str, date], list[Transaction]] = {}
    for item in batch:
        entries.setdefault((*_entry(item), item.booked_on), []).append(item)
    new = []
    for entry, items in entries.items():
        keys = [(*entry[:2], item.transaction_id) for item in items]
        # Told apart otherwise: other keys than those imported, though some may be alike (a
        # sum with no ids of its own is «#1», as is the first of the same entry itemised).
        if entry in held and set(keys) != held_keys[entry]:
            total = sum((item.amount for item in items), ZERO)
            if total != held[entry]:
                raise _changed(entry, held[entry], total)
            continue
        for item, key in zip(items, keys, strict=True):
            if key not in known:
                same = (item.account, item.bank_id, item.booked_on, item.amount, item.kind)
                if not (item.bank_id and same in told):
                    new.append(item)
            elif known[key][0] != item.amount:
                raise _changed(entry, known[key][0], item.amount, before=known[key][1])
    return new


def _changed(
    entry: tuple, known: Decimal, amount: Decimal, *, before: date | None = None
) -> ValidationError:
    """The file's refusal for an entry imported with another amount; ``before``: the day the
    one imported was booked, named when it is not the entry's (a reference given again?)."""
    account, reference, booked = entry
    values = {
        "ref": reference,
        "account": account,
        "known": figures(known),
        "amount": figures(amount),
    }
    if before is None or before == booked:
        message = _(
            "Η κίνηση %(ref)s του λογαριασμού %(account)s έχει ήδη εισαχθεί με ποσό "
            "%(known)s €, όχι %(amount)s €: ελέγξτε το αρχείο με την τράπεζα."
        )
    else:
        message = _(
            "Η κίνηση %(ref)s του λογαριασμού %(account)s έχει ήδη εισαχθεί με ποσό "
            "%(known)s € και λογιστικοποίηση %(before)s· εδώ είναι %(amount)s € στις "
            "%(booked)s: αν η τράπεζα έδωσε ξανά την ίδια αναφορά σε άλλη πληρωμή, ελέγξτε "
            "το αρχείο μαζί της."
        )
        values |= {
            "before": date_format(before, "SHORT_DATE_FORMAT"),
            "booked": date_format(booked, "SHORT_DATE_FORMAT"),
        }
    return ValidationError(message % values, "entry_changed")


def _booked_otherwise(batch: list[Transaction], new: list[Transaction], known: dict) -> list:
    """The entries of ``batch`` skipped as imported under their key, though the one imported
    was booked another day (``Counts.booked_otherwise``)."""
    fresh = {id(item) for item in new}
    found = []
    for item in batch:
        key = (item.account, item.bank_reference, item.transaction_id)
        if id(item) not in fresh and key in known and known[key][1] != item.booked_on:
            found.append((*key, item.amount, item.booked_on, known[key][1]))
    return found


def _record_new(record, batch, actor) -> tuple[list[Transaction], list, list, set[int]]:
    """The entries of ``batch`` not imported before, recorded with what their credits became,
    those skipped though booked another day than the ones imported, and the payments taken off
    the queue as card payouts."""
    known = _known(batch)
    new = _new(batch, known, _told_otherwise(batch))
    credits = [item for item in new if item.kind == Kind.PAYMENT]
    settled = settle_many(
        [
            Arrival(
                channel=Channel.BANK,
                reference=payment_reference(item),
                amount=item.amount,
                received_at=received_at(item),
                named=item.rf,
                payer=item.payer,
            )
            for item in credits
        ],
        recorded_by=actor,
    )
    payments = {id(item): result.payment for item, result in zip(credits, settled, strict=True)}
    payouts = _card_payouts(credits, settled, actor)
    insert_rows(
        StatementEntry,
        [
            "statement",
            "account",
            "bank_reference",
            "transaction_id",
            "kind",
            "credit",
            "amount",
            "booked_on",
            "value_on",
            "named_reference",
            "remittance",
            "payer",
            "payer_account",
            "payment",
            "content_key",
        ],
        [
            (
                record.pk,
                item.account,
                item.bank_reference,
                item.transaction_id,
                item.kind,
                item.credit,
                item.amount,
                item.booked_on,
                item.value_on,
                item.rf[:140],
                item.remittance[:500],
                item.payer[:200],
                item.payer_account[:34],
                payments[id(item)].pk if id(item) in payments else None,
                item.content_key,
            )
            for item in new
        ],
    )
    return new, settled, _booked_otherwise(batch, new, known), payouts


def _card_payouts(credits: list[Transaction], settled: list, actor) -> set[int]:
    """Of ``credits``, those the card gateway paid out (from an account of
    ``CARD_PAYOUT_ACCOUNTS``) and ``settle`` held: taken off the queue as the municipality's own
    money (``record_own_transfer``), as finance would by hand, the bank's text kept as the note.
    One that named a notice or an RF stays held, a payer's for finance to look at. The ids of
    their payments."""
    accounts = {_compact(account) for account in settings.CARD_PAYOUT_ACCOUNTS}
    payouts = set()
    for item, result in zip(credits, settled, strict=True):
        if result.applied or result.repeated or _compact(item.payer_account) not in accounts:
            continue
        payment = result.payment
        try:
            record_own_transfer(
                payment,
                kind=OwnTransfer.Kind.GATEWAY_PAYOUT,
                note=" ".join(part for part in (item.payer, item.remittance) if part)
                or item.bank_reference,
                expected_balance=payment.amount,
                actor=actor,
            )
        except ValidationError:
            continue
        payouts.add(payment.pk)
    return payouts


def _credits_taken_back(returned: list[tuple]) -> list[tuple]:
    """(account, bank reference, transaction id, amount, payment ids) of each return recorded
    (``Counts.returned``) that takes money out of the account under the transaction id, and for
    the amount, of a credit imported as a payment: the bank reversed it (a recall, an error), so
    the payment's receipt, or the money it holds in the queue, stands for money the account no
    longer has. A person reverses the receipt and records the return; the summary names them
    (``ImportSummary.taken_back``).

    Looked up once the file's batches are done, not as each commits: a credit in a batch that
    commits later (further down the file, or in another worker process) was not there to be
    found. Every credit of that id and amount is named: a payer's end-to-end id (the RF, paid
    twice) is no bank's, and which of them the bank took back is not told."""
    if not returned:
        return []
    ids = {(account, transaction_id) for account, _reference, transaction_id, _amount in returned}
    rows = StatementEntry.objects.filter(
        _per_account(ids, "transaction_id"), kind=StatementEntry.Kind.PAYMENT
    ).values_list("account", "transaction_id", "amount", "payment_id")
    credits: dict[tuple, list[int]] = {}
    for account, transaction_id, amount, payment_id in rows.order_by("pk"):
        credits.setdefault((account, transaction_id, amount), []).append(payment_id)
    return [
        (account, reference, transaction_id, amount, tuple(payments))
        for account, reference, transaction_id, amount in returned
        if (payments := credits.get((account, transaction_id, amount)))
    ]
