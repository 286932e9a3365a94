"""Template context shared by every page."""

from django.conf import settings
from django.utils.translation import get_language


def municipality_name() -> str:
    """The municipality's name in the reader's language, so one deployment can serve another."""
    if get_language() == "en":
        return settings.MUNICIPALITY_NAME_EN
    return settings.MUNICIPALITY_NAME


def municipality(request):
    return {"MUNICIPALITY_NAME": municipality_name()}


def staff_policy(request):
    """Whether staff need a second factor for the admin, for the pages that explain it."""
    return {"ADMIN_REQUIRES_MFA": settings.ADMIN_REQUIRES_MFA}
