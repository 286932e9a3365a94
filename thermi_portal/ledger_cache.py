"""The citizen's overview kept rendered in the shared cache, under a key made of what it shows.

The key holds the debtor's ``ledger_version`` and ``updated_at``, read from the debtor's row in
the request's one query for the account (``thermi_portal.auth_backends``), with the day (for the
surcharges), the language, the path, the month rule and the code's release. A change to the
ledger commits a new version in its own transaction, so the next request looks for another key:
nothing is bumped after the commit, nothing listens to signals, and a kept page is never older
than the version it is kept under (the version is read before the page is rendered).

The rule for writers: whatever changes what a debtor's overview shows takes
``debts.services.lock_debtor`` (or ``lock_notice``) in its transaction, as every service does, or
``debts.services.touch_ledgers`` for the debtors an admin's save concerns (a debt moved to
another debtor, a revenue type renamed: ``debts.admin.LedgerTouchingMixin``). A write that takes
neither, such as a bare ``QuerySet.update`` of a debt, does not show until the day changes or
``TIMEOUT`` passes. A save of the debtor itself shows anyway (its ``updated_at``). A database restored or recreated under a kept
cache may reuse ids and versions: clear the cache then.

A page kept for many requests carries nothing of one request: it is rendered with a hole where
each ``{% csrf_token %}`` goes, filled per response with a token masked for it. A request with
messages waiting or a query string is rendered afresh, as is every page under DEBUG or inside a
transaction (one that rolls back would leave a page under a version another commit reuses). A
cache that fails never fails the page: it is rendered as without a cache.
"""

import hashlib
import logging
from collections.abc import Callable
from datetime import date
from functools import cache as once
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from debts.models import Debtor

logger = logging.getLogger(__name__)

# How long a page is kept: the longest a write that broke the rule for writers shows late.
TIMEOUT = 60 * 60
# Escaped text never holds a raw "<": only a hole put there by ``kept_page`` can.
CSRF_HOLE = mark_safe("<csrf-token-hole>")


@once
def release() -> str:
    """A digest of Django's version, the project's code, templates and translations, and the
    collected static files' manifest (production's file names carry their content's hash, so a
    stylesheet changed alone changes the page): part of every key, so a deploy never serves a
    page of the code or static files before it."""
    base = Path(settings.BASE_DIR).resolve()
    roots = [base / "templates", base / "locale"]
    roots += [Path(app.path).resolve() for app in apps.get_app_configs()]
    files = {
        path
        for root in roots
        if root.is_relative_to(base) and ".venv" not in root.parts
        for pattern in ("*.py", "*.html", "*.mo")
        for path in root.rglob(pattern)
    }
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file():
        files.add(manifest)
    digest = hashlib.blake2b(django.get_version().encode(), digest_size=8)
    for path in sorted(files):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def can_be_kept(request) -> bool:
    """Whether the page ``request`` asks for is the one kept for its bare URL."""
    return (
        settings.OVERVIEW_CACHE
        and not settings.DEBUG
        and not request.META.get("QUERY_STRING")
        and not get_messages(request)
        and not transaction.get_connection().in_atomic_block
    )


def kept_page(
    request, debtor: Debtor, as_of: date, template_name: str, context: Callable[[], dict]
) -> HttpResponse:
    """The debtor's page, as kept for this version of their ledger, else rendered and kept;
    ``context()`` must read the data only when called. The caller checked ``can_be_kept``."""
    key = (
        f"overview:{debtor.pk}:{debtor.ledger_version}:{debtor.updated_at.timestamp()}:"
        f"{as_of.isoformat()}:{get_language()}:{request.path}:{settings.SURCHARGE_MONTH_RULE}:"
        f"{release()}"
    )
    try:
        page = cache.get(key)
    except Exception:
        logger.warning("The cache failed: the overview is rendered without it", exc_info=True)
        page = None
    if page is None:
        page = render_to_string(
            template_name, {**context(), "csrf_token": CSRF_HOLE, "messages": ()}, request
        )
        try:
            cache.set(key, page, TIMEOUT)
        except Exception:
            logger.warning("The cache failed: the overview is not kept", exc_info=True)
    return HttpResponse(page.replace(CSRF_HOLE, get_token(request)))
