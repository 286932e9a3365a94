"""How allauth opens, ties, enters and leaves accounts in the portal.

An account is opened only by a first login with TaxisNet, which ties it to the debtor card of the
ΑΦΜ GSIS vouched for; the citizen then gives an email, confirms it and sets a password. Every
later TaxisNet login lands in the account tied to the ΑΦΜ, and logging out of a session that came
through TaxisNet ends the TaxisNet session too.
"""

import logging
from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.authentication import get_authentication_records
from allauth.account.utils import user_username
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from allauth.utils import build_absolute_uri
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext

from debts.access import debtor_of
from debts.validators import validate_afm

from . import gsis
from .selectors import is_tied_to_an_account
from .services import AccountConflict, Identity, tie_account

logger = logging.getLogger(__name__)


def logged_in_with_taxisnet(request) -> bool:
    """Whether this session's login went through TaxisNet (allauth records each method used)."""
    return any(
        record.get("method") == "socialaccount" and record.get("provider") == gsis.PROVIDER_ID
        for record in get_authentication_records(request, request.user)
    )


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        """Closed to email and password: only TaxisNet proves whose debts an account may see."""
        return False

    def get_login_redirect_url(self, request) -> str:
        user = request.user
        if user.is_staff and debtor_of(user) is None:
            return reverse("admin:index")
        return super().get_login_redirect_url(request)

    def post_login(self, request, user, *, redirect_url, **kwargs):
        """An account opened through TaxisNet sets its own password first, then goes on."""
        if not user.has_usable_password():
            then = redirect_url or self.get_login_redirect_url(request)
            redirect_url = f"{reverse('account_set_password')}?{urlencode({'next': then})}"
        return super().post_login(request, user, redirect_url=redirect_url, **kwargs)

    def get_logout_redirect_url(self, request) -> str:
        """After TaxisNet, on to GSIS's logout, which sends the browser back to the home page."""
        if logged_in_with_taxisnet(request):
            return gsis.logout_url(build_absolute_uri(request, reverse("home")))
        return super().get_logout_redirect_url(request)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return sociallogin.account.provider == gsis.PROVIDER_ID

    def pre_social_login(self, request, sociallogin) -> None:
        """Refuse an invalid ΑΦΜ, or one tied to another account, before anything is created.

        A known TaxisNet account (or one being connected) is tied to its card right away; a new
        one only once the citizen has given an email (``save_user``).
        """
        if sociallogin.account.provider != gsis.PROVIDER_ID:
            return
        identity = Identity.from_userinfo(sociallogin.account.uid, sociallogin.account.extra_data)
        try:
            validate_afm(identity.afm)
        except ValidationError:
            raise refusal(request, "invalid_afm", identity.afm) from None
        if sociallogin.is_existing:
            user = sociallogin.user
        elif sociallogin.state.get("process") == AuthProcess.CONNECT:
            if not request.user.is_authenticated:
                return  # a session that ended on the way: allauth refuses to connect it
            user = request.user
        elif is_tied_to_an_account(identity.afm):
            raise refusal(request, "tied_elsewhere", identity.afm)
        else:
            return
        try:
            tie_account(user, identity)
        except AccountConflict:
            raise refusal(request, "tied_elsewhere", identity.afm) from None

    def save_user(self, request, sociallogin, form=None):
        """The new account and its tie to the card, in one transaction.

        The username is ours (``afm<ΑΦΜ>``): allauth would turn Greek-only names into ``user…``.
        """
        identity = Identity.from_userinfo(sociallogin.account.uid, sociallogin.account.extra_data)
        user = sociallogin.user
        user.set_unusable_password()
        if form is not None:
            get_account_adapter().save_user(request, user, form, commit=False)
        user_username(user, get_account_adapter().generate_unique_username([f"afm{identity.afm}"]))
        try:
            with transaction.atomic():
                sociallogin.save(request)
                tie_account(user, identity)
        except (AccountConflict, IntegrityError):
            raise refusal(request, "tied_elsewhere", identity.afm) from None
        return user

    def validate_disconnect(self, account, accounts) -> None:
        """TaxisNet stays connected: it is what ties the account to the ΑΦΜ."""
        if account.provider == gsis.PROVIDER_ID:
            raise ValidationError(
                gettext(
                    "Η σύνδεση με το TaxisNet δεν αφαιρείται: μέσω αυτής ο λογαριασμός σας "
                    "είναι δεμένος με τον ΑΦΜ σας."
                )
            )

    def on_authentication_error(self, request, provider, error=None, exception=None, **kwargs):
        logger.warning("Login with %s failed (%s): %r", provider.id, error, exception)
        super().on_authentication_error(request, provider, error, exception, **kwargs)


def refusal(request, reason: str, afm: str) -> ImmediateHttpResponse:
    """A page that says why the login was refused; nothing has been changed."""
    logger.info("TaxisNet login refused: %s", reason)
    return ImmediateHttpResponse(
        render(request, "taxisnet_auth/refused.html", {"reason": reason, "afm": afm}, status=403)
    )


def user_display(user) -> str:
    """An account by its email, which the citizen knows, rather than its ``afm…`` username."""
    return user.email or user.get_username()
