"""The portal's URLs, a trivial view, the baseline ``bench/overview.py`` compares with, and two
floors: a view that only reads the session, and one that only loads the logged-in account with
its card, as every citizen page does before any work of its own."""

from django.contrib.auth import SESSION_KEY
from django.http import HttpResponse, HttpResponseForbidden
from django.urls import path

from debts.access import debtor_of
from thermi_portal.urls import urlpatterns as portal_urlpatterns


def ok(request):
    return HttpResponse("ok")


def session_only(request):
    if SESSION_KEY not in request.session:
        return HttpResponseForbidden()
    return HttpResponse("ok")


def account_only(request):
    if debtor_of(request.user) is None:
        return HttpResponseForbidden()
    return HttpResponse("ok")


urlpatterns = [
    path("bench/ok/", ok, name="bench_ok"),
    path("bench/session/", session_only),
    path("bench/account/", account_only),
    *portal_urlpatterns,
]
