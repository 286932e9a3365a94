"""Whole pages kept rendered in the shared cache, each response given its own CSRF token.

A page kept for many requests must carry nothing of one request. It is rendered with a hole
where each ``{% csrf_token %}`` goes, and every response fills the holes with a freshly masked
token of its own request, as ``{% csrf_token %}`` would have. A request with messages waiting, or
with a query string, is rendered afresh instead: its messages show once, and a kept page is only
ever that of the bare URL. Under DEBUG every page is rendered afresh: templates change under a
running development server.
"""

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

# Escaped text never holds a raw "<": only a hole put there by ``render_with_holes`` can.
CSRF_HOLE = mark_safe("<csrf-token-hole>")


def can_be_kept(request) -> bool:
    """Whether the page ``request`` asks for is the one kept for its bare URL."""
    return not settings.DEBUG and not request.META.get("QUERY_STRING") and not get_messages(request)


def render_with_holes(request, template_name: str, context: dict) -> str:
    """The page with holes for its CSRF tokens, and no messages (``can_be_kept`` said none)."""
    return render_to_string(
        template_name, {**context, "csrf_token": CSRF_HOLE, "messages": ()}, request
    )


def respond(request, page: str) -> HttpResponse:
    """A response of the kept ``page`` with the request's own CSRF token in its holes."""
    return HttpResponse(page.replace(CSRF_HOLE, get_token(request)))
