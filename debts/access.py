"""Who may see a citizen page: a logged-in account tied to a debtor card, with its own password.

Every citizen view reads through ``self.debtor`` and filters by it, so an id of another debtor
is simply not found (404), never forbidden: the page does not even confirm that it exists.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ObjectDoesNotExist
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Debtor


def debtor_of(user) -> Debtor | None:
    """The debtor card tied to ``user``, if any."""
    if not user.is_authenticated:
        return None
    try:
        return user.debtor
    except ObjectDoesNotExist:
        return None


class CitizenRequiredMixin(LoginRequiredMixin):
    """A view for the citizen whose card is tied to the logged-in account.

    An account without a card (a staff member) gets a page explaining how to tie one; an account
    opened through TaxisNet that has no password yet is sent to set one first. No page is kept
    by the browser or a proxy: the portal's middleware says so for every logged-in user's page.
    """

    debtor: Debtor

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        debtor = debtor_of(request.user)
        if debtor is None:
            return render(request, "debts/no_debtor_card.html", status=403)
        if not request.user.has_usable_password():
            messages.info(
                request,
                _("Ορίστε έναν κωδικό, για να συνδέεστε στο εξής και με το email σας."),
            )
            # Then on to the page asked for (a form posted goes to the overview instead):
            # without ``next``, allauth ends on the page to change the password just set.
            then = request.get_full_path() if request.method == "GET" else None
            return redirect(
                f"{reverse('account_set_password')}?"
                f"{urlencode({'next': then or reverse('citizen:overview')})}"
            )
        self.debtor = debtor
        return super().dispatch(request, *args, **kwargs)
