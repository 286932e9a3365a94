"""The citizen's overview kept rendered in the cache, and replaced the moment its ledger changes.

The overview is the page every citizen opens first, and it changes only when their ledger does
(or the day, for surcharges). Its rendered ledger part is kept per debtor, day, language, month
rule and ``RELEASE``, together with the two versions it was rendered from: the debtor's *ledger
version* and the version of the rows all debtors share (revenue types, settlement schemes,
assessment notes). It is served only while both are still current. The versions and the entry
are read in one round trip (the versions could be part of the key instead, at the cost of a
second one).

A version is a random token kept in the cache. Each change replaces the token after its
transaction commits (``transaction.on_commit``). A reader takes the tokens *before* it reads the
data, so a render from data older than a commit carries a token the commit replaced, and is never
served. A token evicted or lost is replaced by a fresh one, never by one used before (as a counter
restarting from zero would be), so a cache flush or restart is always safe.

The rule for writers: a save or a delete of the models ``connect`` watches (and of
``payments.Payment``, which the payments app watches) bumps through Django's signals. A write that
sends none (``QuerySet.update``, ``bulk_create``, raw SQL) calls ``bump(debtor_id)`` itself in its
transaction, unless a watched save in the same transaction already bumps the same debtor: so
``build_notice`` (items bulk-created with their notice), ``create_settlement`` (installments
with their settlement), closing a notice and ``record_notice_payment`` (items updated with their
notice) need nothing more, and ``seed_demo`` bulk-creates only debtors that did not exist. A
database restored or recreated under a kept cache may reuse debtor ids: clear the cache then.

Inside a transaction the cache is neither read nor filled: the transaction sees its own writes,
whose bumps wait for the commit. (So views under ``ATOMIC_REQUESTS``, and tests in a rolled-back
``db`` transaction, always render afresh.) A cache that fails never fails a page or a write: the
page is rendered as without a cache, and a bump that could not be made is logged, its debtor's
entry then lasting until ``TIMEOUT`` at most.
"""

import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import date
from pathlib import Path

import django
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

# How long a rendered overview is kept: also the longest a bump lost to a cache outage shows.
TIMEOUT = 60 * 60
SHARED = "ledger:shared"


def _release() -> str:
    """A digest of what renders the overview (this app's code, the templates, the compiled
    translations), so that a deploy never serves what the code before it rendered."""
    base = Path(settings.BASE_DIR)
    files = [
        *Path(__file__).parent.glob("*.py"),
        *(base / "templates").rglob("*.html"),
        *(base / "locale").rglob("*.mo"),
    ]
    digest = hashlib.blake2b(django.get_version().encode(), digest_size=8)
    for path in sorted(files):
        digest.update(path.read_bytes())
    return digest.hexdigest()


RELEASE = _release()


def _version_key(debtor_id: int) -> str:
    return f"ledger:{debtor_id}"


def _replace_token(key: str) -> None:
    try:
        cache.set(key, secrets.token_hex(8), timeout=None)
    except Exception:
        logger.exception("Could not bump %s: an old overview may show for %s s", key, TIMEOUT)


def bump(debtor_id: int | None) -> None:
    """The debtor's overview changes once the current transaction commits (at once outside one)."""
    if debtor_id is not None:
        transaction.on_commit(lambda: _replace_token(_version_key(debtor_id)))


def bump_shared() -> None:
    """Every overview changes once the current transaction commits: a row they share changed."""
    transaction.on_commit(lambda: _replace_token(SHARED))


def overview(debtor_id: int, as_of: date, render: Callable[[], str]) -> SafeString:
    """The ledger part of the debtor's overview on ``as_of`` in the active language: the
    render kept in the cache, else ``render()``, which must read the data only when called."""
    if transaction.get_connection().in_atomic_block:
        return render()
    versions = [_version_key(debtor_id), SHARED]
    key = (
        f"overview:{debtor_id}:{as_of.isoformat()}:{get_language()}:"
        f"{settings.SURCHARGE_MONTH_RULE}:{RELEASE}"
    )
    try:
        found = cache.get_many([*versions, key])
        for missing in set(versions) - set(found):
            cache.add(missing, secrets.token_hex(8), timeout=None)
            found[missing] = cache.get(missing)  # ours, or one another process added meanwhile
    except Exception:
        logger.warning("The cache failed: the overview is rendered without it", exc_info=True)
        return render()
    tokens = [found[version] for version in versions]
    entry = found.get(key)
    if entry is not None and entry[:-1] == tokens:
        return mark_safe(entry[-1])  # noqa: S308 (our own render, kept as it was)
    content = render()
    if None not in tokens:  # None: a cache that keeps nothing (the dummy cache)
        try:
            cache.set(key, [*tokens, str(content)], TIMEOUT)
        except Exception:
            logger.warning("The cache failed: the overview is not kept", exc_info=True)
    return content


def watch(model: type[Model], debtor_of: Callable[[Model], int | None]) -> None:
    """Bump the debtor ``debtor_of(row)`` whenever a row of ``model`` is saved or deleted."""

    def changed(sender, instance, **kwargs):
        bump(debtor_of(instance))

    _connect(model, changed)


def watch_shared(model: type[Model]) -> None:
    """Bump every overview whenever a row of ``model``, which many overviews show, changes."""

    def changed(sender, instance, **kwargs):
        bump_shared()

    _connect(model, changed)


def _connect(model: type[Model], receiver) -> None:
    uid = f"ledger_cache:{model._meta.label}"
    post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid)


def connect() -> None:
    """Watch the rows of this app the overview shows (``DebtsConfig.ready`` calls it)."""
    from .models import (
        AssessmentNote,
        Debt,
        Debtor,
        Installment,
        NoticeItem,
        PaymentNotice,
        RevenueType,
        Settlement,
        SettlementScheme,
    )

    watch(Debtor, lambda debtor: debtor.pk)
    for model in (Debt, PaymentNotice, Settlement):
        watch(model, lambda row: row.debtor_id)
    watch(NoticeItem, lambda item: item.notice.debtor_id)
    watch(Installment, lambda installment: installment.settlement.debtor_id)
    for model in (RevenueType, SettlementScheme, AssessmentNote):
        watch_shared(model)
