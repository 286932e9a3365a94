"""The Django admin behind allauth's login, and behind a second factor for staff.

The admin's own login view knows nothing of allauth's rate limits or its TOTP stage, so it hands
over to allauth's login (allauth's ``secure_admin_login``). With ``settings.ADMIN_REQUIRES_MFA`` a
staff member whose account has no active TOTP authenticator is sent to activate one before any
admin page opens; from then on every login of theirs asks for the code.
"""

from functools import wraps

from allauth.account.decorators import secure_admin_login
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext


def lacks_required_totp(user) -> bool:
    return (
        settings.ADMIN_REQUIRES_MFA
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and not is_mfa_enabled(user, [Authenticator.Type.TOTP])
    )


def secure_admin_site(site) -> None:
    """Route ``site``'s login through allauth and put its pages behind the TOTP requirement."""
    site.login = secure_admin_login(site.login)
    admin_view = site.admin_view

    @wraps(admin_view)
    def mfa_admin_view(view, cacheable=False):
        protected = admin_view(view, cacheable)

        @wraps(protected)
        def inner(request, *args, **kwargs):
            logout_path = reverse("admin:logout", current_app=site.name)
            if request.path != logout_path and lacks_required_totp(request.user):
                messages.warning(
                    request,
                    gettext(
                        "Η διαχείριση ανοίγει μόνο με δεύτερο παράγοντα. Ενεργοποιήστε μια "
                        "εφαρμογή επαλήθευσης (TOTP) στον λογαριασμό σας."
                    ),
                )
                return redirect("mfa_activate_totp")
            return protected(request, *args, **kwargs)

        return inner

    site.admin_view = mfa_admin_view
