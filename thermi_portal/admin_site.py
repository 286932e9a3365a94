"""The Django admin of the portal: behind allauth's login, and behind a second factor for staff.

The admin's own login view knows nothing of allauth's rate limits or its TOTP stage, so it hands
over to allauth's login (allauth's ``secure_admin_login``). With ``settings.ADMIN_REQUIRES_MFA`` a
staff member whose account has no active TOTP authenticator is sent to activate one before any
admin page opens; from then on every login of theirs asks for the code.
"""

from functools import update_wrapper

from allauth.account.decorators import secure_admin_login
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from debts.municipality import municipality_name


def lacks_required_totp(user) -> bool:
    return (
        settings.ADMIN_REQUIRES_MFA
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and not is_mfa_enabled(user, [Authenticator.Type.TOTP])
    )


class PortalAdminSite(admin.AdminSite):
    site_header = format_lazy("{}: {}", lazy(municipality_name, str)(), _("Ταμείο και Έσοδα"))
    site_title = _("Διαχείριση πύλης πληρωμών")
    index_title = _("Διαχείριση")

    def login(self, request, extra_context=None):
        return secure_admin_login(super().login)(request, extra_context)

    def admin_view(self, view, cacheable=False):
        protected = super().admin_view(view, cacheable)

        def inner(request, *args, **kwargs):
            logout_path = reverse("admin:logout", current_app=self.name)
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

        return update_wrapper(inner, protected)
