"""Django's and allauth's authentication backends, loading the account with its debtor card.

Every citizen page and menu asks for ``request.user.debtor``: loading both in one query saves one
a page. The account is read from the database on every request, never from a cache, so a
deactivated account or a changed password (which ends the other sessions) counts from the very
next request, and the card's ``ledger_version`` read with it keys the kept overview
(``thermi_portal.ledger_cache``). Logging in is left to the parents.
"""

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends, get_user_model


class AccountWithCard:
    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("debtor").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class ModelBackend(AccountWithCard, backends.ModelBackend):
    pass


class AuthenticationBackend(AccountWithCard, allauth_backends.AuthenticationBackend):
    pass
