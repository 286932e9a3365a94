"""Template context shared by every page."""

from django.conf import settings


def municipality(request):
    """The municipality's name, so that one deployment can serve another municipality."""
    return {"MUNICIPALITY_NAME": settings.MUNICIPALITY_NAME}
