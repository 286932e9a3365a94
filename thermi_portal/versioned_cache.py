"""Values kept in the shared cache and never served once a commit has changed what they came from.

An entry is kept with the *versions* it was built from: random tokens, kept in the cache under
keys that name what the entry depends on (one debtor's ledger, one account, the rows every
overview shares). It is served only while each token is still current. A change replaces the
tokens it touches after its transaction commits (``bump``, through ``transaction.on_commit``).

A reader takes the tokens *before* it builds the value, in the same round trip as the entry, so a
value built from data older than a commit carries a token the commit replaced, and is never
served. A token evicted or lost is replaced by a fresh one, never by one used before (as a counter
restarting from zero would be), so a cache flush or restart is always safe.

Inside a transaction the cache is neither read nor filled: the transaction sees its own writes,
whose bumps wait for the commit (so views under ``ATOMIC_REQUESTS``, and tests in a rolled-back
``db`` transaction, always build afresh). A cache that fails never fails a page or a write: the
value is built as without a cache, and a bump that could not be made is logged, the entries it
should have replaced then lasting until their timeout at most.
"""

import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable
from functools import cache as once
from pathlib import Path
from typing import TypeVar

import django
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from . import read_ahead

logger = logging.getLogger(__name__)

T = TypeVar("T")


@once
def release() -> str:
    """A digest of the project's code, templates and compiled translations: part of every key, so
    that a deploy never serves what the code before it built (a model pickled with other fields,
    a page of other templates)."""
    base = Path(settings.BASE_DIR).resolve()
    files = [
        *(base / "thermi_portal").rglob("*.py"),
        *(base / "templates").rglob("*.html"),
        *(base / "locale").rglob("*.mo"),
    ]
    for app in apps.get_app_configs():
        path = Path(app.path).resolve()
        if path.is_relative_to(base) and ".venv" not in path.parts:
            files += [*path.rglob("*.py"), *path.rglob("*.html"), *path.rglob("*.mo")]
    digest = hashlib.blake2b(django.get_version().encode(), digest_size=8)
    for path in sorted(set(files)):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _replace(version: str) -> None:
    read_ahead.forget()
    try:
        cache.set(version, secrets.token_hex(8), timeout=None)
    except Exception:
        logger.exception(
            "Could not bump %s: entries built from it may show until they expire", version
        )


def bump(*versions: str) -> None:
    """Replace these versions once the current transaction commits (at once outside one)."""
    for version in versions:
        transaction.on_commit(lambda version=version: _replace(version))


def fetch(versions: Iterable[str], key: str, build: Callable[[], T], timeout: int) -> T:
    """The value kept under ``key`` while ``versions`` are those it was built from, else
    ``build()`` (which must read its data only when called), kept for ``timeout`` seconds."""
    if transaction.get_connection().in_atomic_block:
        return build()
    versions = list(versions)
    try:
        found = read_ahead.get_many([*versions, key])
        for missing in set(versions) - set(found):
            cache.add(missing, secrets.token_hex(8), timeout=None)
            found[missing] = cache.get(missing)  # ours, or one another process added meanwhile
    except Exception:
        logger.warning("The cache failed: %s is built without it", key, exc_info=True)
        return build()
    tokens = [found[version] for version in versions]
    entry = found.get(key)
    if entry is not None and entry[:-1] == tokens:
        return entry[-1]
    value = build()
    if None not in tokens:  # None: a cache that keeps nothing (the dummy cache)
        try:
            cache.set(key, [*tokens, value], timeout)
        except Exception:
            logger.warning("The cache failed: %s is not kept", key, exc_info=True)
    return value


def stored_before_save(instance, field: str, update_fields=None):
    """For a ``pre_save`` receiver: the value of ``field`` (a foreign key) in the database, which
    the save may replace, so the owner who loses the row can be bumped too; None for a new row or
    a save of other fields only."""
    if instance._state.adding or (update_fields is not None and field not in update_fields):
        return None
    stored = type(instance)._default_manager.filter(pk=instance.pk)
    return stored.values_list(f"{field}_id", flat=True).first()
