from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxisnetAuthConfig(AppConfig):
    name = "taxisnet_auth"
    verbose_name = _("Σύνδεση με TaxisNet")
