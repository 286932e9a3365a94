"""Responses to a logged-in user are kept by no browser and no proxy.

Every page a logged-in account sees may carry its ΑΦΜ, email, debts or receipts: the citizen's
pages, allauth's account pages, the admin. One rule for all of them, here, rather than in each
view: after logging out on a shared computer, Back shows nothing, and no proxy serves one
person's page to another.
"""

from django.utils.cache import add_never_cache_headers


class PrivatePagesMiddleware:
    """``Cache-Control: no-store, private`` (and no-cache, max-age=0) for a logged-in user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            add_never_cache_headers(response)
        return response
