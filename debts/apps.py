from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DebtsConfig(AppConfig):
    name = "debts"
    verbose_name = _("Οφειλές")

    def ready(self):
        from . import lookups  # noqa: F401 (registers ``__any``)
