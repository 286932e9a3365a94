"""Template context shared by every page."""

from django.conf import settings

from debts.municipality import municipality_name


def municipality(request):
    return {"MUNICIPALITY_NAME": municipality_name()}


def staff_policy(request):
    """Whether staff need a second factor for the admin, for the pages that explain it."""
    return {"ADMIN_REQUIRES_MFA": settings.ADMIN_REQUIRES_MFA}
