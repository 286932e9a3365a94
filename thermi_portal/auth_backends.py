"""Django's and allauth's authentication backends, loading the account with its debtor card from
the cache.

Every request of a logged-in person asks for ``request.user``, and every citizen page and menu for
``request.user.debtor``. Building and running that query was the largest cost of a cached
overview, so the account is kept, with its card, in the shared cache
(``thermi_portal.versioned_cache``) under a version of its own. The version is bumped after every
save or delete of the user, and of a card tied to it or, when a card changes hands, tied to it
before: a changed password (which ends the other sessions), a deactivated account or a card tied
to someone else counts from the commit on. A write that sends no signal (``QuerySet.update``,
``bulk_update``, raw SQL) to a user, or to the owner of a card, calls ``bump_account`` itself.
Logging in is left to the parents.
"""

from functools import partial

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends, get_user_model
from django.db.models.signals import post_delete, post_save, pre_save

from . import versioned_cache

# How long an account is kept: also the longest a bump lost to a cache outage shows, so the
# longest a session could outlive a password change made during one. Reloading an account every
# five minutes costs one query.
TIMEOUT = 5 * 60


def _version_key(user_id) -> str:
    return f"account:{user_id}"


def bump_account(*user_ids) -> None:
    """The accounts change once the current transaction commits (at once outside one)."""
    versioned_cache.bump(*(_version_key(user_id) for user_id in user_ids if user_id is not None))


class AccountWithCardFromTheCache:
    def get_user(self, user_id):
        key = f"account-with-card:{user_id}:{versioned_cache.release()}"
        user = versioned_cache.fetch(
            [_version_key(user_id)], key, partial(self._load, user_id), TIMEOUT
        )
        return user if user is not None and self.user_can_authenticate(user) else None

    @staticmethod
    def _load(user_id):
        user_model = get_user_model()
        try:
            return user_model._default_manager.select_related("debtor").get(pk=user_id)
        except user_model.DoesNotExist:
            return None


class ModelBackend(AccountWithCardFromTheCache, backends.ModelBackend):
    pass


class AuthenticationBackend(AccountWithCardFromTheCache, allauth_backends.AuthenticationBackend):
    pass


def _user_changed(sender, instance, **kwargs):
    bump_account(instance.pk)


def _remember_owner(sender, instance, update_fields=None, **kwargs):
    """Before a card is saved, note the account it is tied to in the database, which may lose it."""
    instance._saved_owner_id = versioned_cache.stored_before_save(instance, "user", update_fields)


def _card_changed(sender, instance, **kwargs):
    bump_account(instance.user_id, getattr(instance, "_saved_owner_id", None))


def connect() -> None:
    """Bump an account on every save or delete of it or of its card (``PortalConfig.ready``)."""
    from debts.models import Debtor

    user_model = get_user_model()
    for signal in (post_save, post_delete):
        signal.connect(_user_changed, sender=user_model, dispatch_uid="account-cache:user")
        signal.connect(_card_changed, sender=Debtor, dispatch_uid="account-cache:card")
    pre_save.connect(_remember_owner, sender=Debtor, dispatch_uid="account-cache:card-owner")
