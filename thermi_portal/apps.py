from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class PortalConfig(AppConfig):
    """The top floor: its management commands (``seed_demo``) and the pages that compose the other
    apps."""

    name = "thermi_portal"

    def ready(self):
        from . import checks

        checks.log_production_warnings()


class PortalAdminConfig(AdminConfig):
    """``django.contrib.admin`` with the portal's site as ``admin.site``."""

    default_site = "thermi_portal.admin_site.PortalAdminSite"
