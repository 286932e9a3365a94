"""The portal's URLs and a trivial view, the baseline ``bench/overview.py`` compares with."""

from django.http import HttpResponse
from django.urls import path

from thermi_portal.urls import urlpatterns as portal_urlpatterns


def ok(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/ok/", ok, name="bench_ok"), *portal_urlpatterns]
