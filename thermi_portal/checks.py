"""Production settings that are allowed but dangerous: a warning at every start, never silence.

``_refuse_unsafe_production_settings`` (in settings) stops a process on what is never right in
production. What a municipality may choose for a while (staff in the admin without a second
factor, e.g. while their phones are handed out) starts, but says so: as a system check warning,
which ``manage.py check --deploy`` and ``runserver`` show and ``--fail-level WARNING`` fails on,
and as a log line at WARNING from every process, gunicorn's and Celery's too, which run no
checks.
"""

import logging

from django.conf import settings
from django.core import checks

logger = logging.getLogger(__name__)

ADMIN_WITHOUT_MFA = checks.Warning(
    "ADMIN_REQUIRES_MFA is off in production: staff reach the admin, and every citizen's data "
    "and the counter, with a password alone.",
    hint="Unset ADMIN_REQUIRES_MFA (it defaults to on) once every staff member has a TOTP device.",
    id="thermi_portal.W001",
)


@checks.register(checks.Tags.security)
def check_production_settings(app_configs=None, **kwargs):
    if settings.DJANGO_ENV == "production" and not settings.ADMIN_REQUIRES_MFA:
        return [ADMIN_WITHOUT_MFA]
    return []


def log_production_warnings() -> None:
    """Log each warning of ``check_production_settings`` at WARNING, for processes that run no
    checks."""
    for warning in check_production_settings():
        logger.warning("%s: %s %s", warning.id, warning.msg, warning.hint)
