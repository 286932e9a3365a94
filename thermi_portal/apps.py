from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class PortalConfig(AppConfig):
    """The top floor: its management commands (``seed_demo``), and the caches of what the other
    apps hold, which it alone watches (each app below stays unaware of them)."""

    name = "thermi_portal"

    def ready(self):
        from . import auth_backends, ledger_cache

        auth_backends.connect()
        ledger_cache.connect()


class PortalAdminConfig(AdminConfig):
    """``django.contrib.admin`` with the portal's site as ``admin.site``."""

    default_site = "thermi_portal.admin_site.PortalAdminSite"
