"""URLs of the portal: each app brings its own, wired here."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from .views import HomeView, health

admin.site.site_header = _("Δήμος Θέρμης: Ταμείο και Έσοδα")
admin.site.site_title = _("Διαχείριση πύλης πληρωμών")
admin.site.index_title = _("Διαχείριση")

urlpatterns = [
    path("health/", health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
urlpatterns += i18n_patterns(
    path("", HomeView.as_view(), name="home"),
    prefix_default_language=False,
)
