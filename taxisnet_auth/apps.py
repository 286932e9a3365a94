from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxisnetAuthConfig(AppConfig):
    name = "taxisnet_auth"
    verbose_name = _("Σύνδεση με TaxisNet")

    def ready(self):
        from django.contrib import admin

        from thermi_portal import auth_backends

        from .admin_mfa import secure_admin_site

        secure_admin_site(admin.site)
        auth_backends.connect()
