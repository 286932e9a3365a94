"""The citizen's overview kept rendered in the cache, and replaced the moment its ledger changes.

The overview is the page every citizen opens first, and it changes only when their ledger does
(or the day, for surcharges). The whole page is kept rendered, with holes for its CSRF tokens
(``thermi_portal.kept_pages``), per debtor, day, language, URL, month rule and release
(``thermi_portal.versioned_cache``), under three versions: the debtor's ``ledger_version`` in the
database, the debtor's version in the cache and the version of the rows all debtors share
(revenue types, settlement schemes, assessment notes).

The rule for writers. A service that writes a debtor's ledger takes ``debts.services.lock_debtor``
first, which bumps ``Debtor.ledger_version`` in the statement that locks the row: its change shows
from its commit on, whatever it writes and however (``QuerySet.update``, ``bulk_create``, raw
SQL), signals or not. Other writes, such as the admin's saves, rely on Django's signals: a save or
a delete of the models ``connect`` watches bumps the debtor's version in the cache; a write that
sends none and takes no ``lock_debtor`` calls ``bump(debtor_id)`` itself in its transaction
(``seed_demo`` bulk-creates only new debtors, of whom nothing is kept). A database restored or
recreated under a kept cache may reuse debtor ids and versions: clear the cache then.
"""

from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.db.models import Model
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils.translation import get_language

from debts.models import (
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

from . import versioned_cache

# How long an overview page is kept: also the longest a bump lost to a cache outage shows.
TIMEOUT = 60 * 60
SHARED = "ledger:shared"


def _version_key(debtor_id: int) -> str:
    return f"ledger:{debtor_id}"


def bump(debtor_id: int | None) -> None:
    """The debtor's overview changes once the current transaction commits (at once outside one)."""
    if debtor_id is not None:
        versioned_cache.bump(_version_key(debtor_id))


def bump_shared() -> None:
    """Every overview changes once the current transaction commits: a row they share changed."""
    versioned_cache.bump(SHARED)


def overview_page(debtor_id: int, as_of: date, path: str, render: Callable[[], str]) -> str:
    """The debtor's overview page at ``path`` on ``as_of`` in the active language, with holes for
    its CSRF tokens (``thermi_portal.kept_pages``): the page kept in the cache, else ``render()``,
    which must read the data only when called.

    One query: the debtor's ``ledger_version``, read before anything is rendered, so a page is
    kept only under a version no older than its data.
    """
    ledger_version = Debtor.objects.values_list("ledger_version", flat=True).get(pk=debtor_id)
    key = (
        f"overview:{debtor_id}:{ledger_version}:{as_of.isoformat()}:{get_language()}:{path}:"
        f"{settings.SURCHARGE_MONTH_RULE}:{versioned_cache.release()}"
    )
    return versioned_cache.fetch([_version_key(debtor_id), SHARED], key, render, TIMEOUT)


def watch(model: type[Model], debtor_of: Callable[[Model], int | None]) -> None:
    """Bump the debtor ``debtor_of(row)`` whenever a row of ``model`` is saved or deleted."""

    def changed(sender, instance, **kwargs):
        bump(debtor_of(instance))

    _connect(model, changed)


def watch_owned(model: type[Model]) -> None:
    """Bump the debtor of a row of ``model``, which has its own ``debtor``, whenever it is saved
    or deleted, and the debtor it had before when staff move it to another one."""

    def remember(sender, instance, update_fields=None, **kwargs):
        instance._stored_debtor_id = versioned_cache.stored_before_save(
            instance, "debtor", update_fields
        )

    def changed(sender, instance, **kwargs):
        bump(instance.debtor_id)
        if getattr(instance, "_stored_debtor_id", None) != instance.debtor_id:
            bump(instance._stored_debtor_id)

    _connect(model, changed)
    pre_save.connect(
        remember, sender=model, weak=False, dispatch_uid=f"ledger_cache:{model._meta.label}:was"
    )


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
    """Watch the rows the overview shows (``PortalConfig.ready`` calls it)."""
    watch(Debtor, lambda debtor: debtor.pk)
    for model in (Debt, PaymentNotice, Settlement):
        watch_owned(model)
    watch(NoticeItem, lambda item: item.notice.debtor_id)
    watch(Installment, lambda installment: installment.settlement.debtor_id)
    for model in (RevenueType, SettlementScheme, AssessmentNote):
        watch_shared(model)
