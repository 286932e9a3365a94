"""Django's and allauth's authentication backends, loading the account's debtor card with it.

Every citizen page and the menu of every page ask for ``request.user.debtor``; with Django's
``get_user`` that costs a query of its own on each request. Logging in is left to the parents.
"""

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends, get_user_model


class DebtorInTheSameQuery:
    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("debtor").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class ModelBackend(DebtorInTheSameQuery, backends.ModelBackend):
    pass


class AuthenticationBackend(DebtorInTheSameQuery, allauth_backends.AuthenticationBackend):
    pass
