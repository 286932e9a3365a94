"""URLs of the portal: each app brings its own, wired here.

Pages for people sit under ``i18n_patterns``: Greek without a prefix, English under ``/en/``.
Unprefixed paths are always Greek, so the admin and the language switch are inside it too.
"""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from debts.views import SurchargesView
from payments.urls import webhook_urlpatterns

from .views import HomeView, health


def favicon(request):
    """Browsers ask for /favicon.ico whatever the pages link; send them to the municipality's
    icon (not permanently: the static file's name changes with its content in production)."""
    return redirect(static("img/favicon.ico"))


urlpatterns = [
    path("health/", health, name="health"),
    path("favicon.ico", favicon),
    # The GSIS stand-in answers only while settings.TAXISNET_SANDBOX is on (404 otherwise).
    path("gsis-sandbox/oauth2server/", include("taxisnet_auth.sandbox.urls")),
    path("payments/", include(webhook_urlpatterns)),
]
urlpatterns += i18n_patterns(
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("surcharges/", SurchargesView.as_view(), name="surcharges"),
    path("", include("thermi_portal.citizen_urls")),
    path("payments/", include("payments.urls")),
    path("", include("receipts.urls")),
    path("", HomeView.as_view(), name="home"),
    prefix_default_language=False,
)
