"""Django's and allauth's authentication backends, loading the account with its debtor card.

Every citizen page and menu asks for ``request.user.debtor``: loading both in one query saves one
a page. The account is read from the database on every request, never from a cache, so a
deactivated account or a changed password (which ends the other sessions) counts from the very
next request, and the card's ``ledger_version`` read with it keys the kept overview
(``thermi_portal.ledger_cache``). Logging in is left to the parents.

This is every logged-in request's query: it is read with ``debts.rows`` (the ORM's
``select_related("debtor")`` compiled it at three times the cost of running it).
"""

from functools import cache

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends, get_user_model
from django.core.exceptions import ValidationError
from django.db import connections, router

from debts.models import Debtor
from debts.rows import Columns, Select


@cache
def _account_with_card(alias: str) -> Select:
    connection = connections[alias]
    account = Columns.of(get_user_model(), "a", connection)
    card = Columns.of(Debtor, "c", connection)
    return Select(
        (account, card),
        f"FROM {account.table} LEFT OUTER JOIN {card.table} ON {card['user']} = {account['pk']} "
        f"WHERE {account['pk']} = %s",
    )


def account_with_card(user_id):
    """The account ``user_id`` with its card read (``user.debtor``, or that it has none), as
    ``select_related("debtor").get(pk=user_id)`` gives it; ``None`` if there is no such account."""
    user_model = get_user_model()
    try:
        pk = user_model._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    alias = router.db_for_read(user_model)
    rows = _account_with_card(alias).rows(connections[alias], [pk])
    if not rows:
        return None
    ((user, debtor),) = rows
    to_account = Debtor._meta.get_field("user")
    to_account.remote_field.set_cached_value(user, debtor)  # ``user.debtor``, none included
    if debtor is not None:
        to_account.set_cached_value(debtor, user)
    return user


class AccountWithCard:
    def get_user(self, user_id):
        user = account_with_card(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(AccountWithCard, backends.ModelBackend):
    pass


class AuthenticationBackend(AccountWithCard, allauth_backends.AuthenticationBackend):
    pass
