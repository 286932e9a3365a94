"""The municipality the receivables are owed to, as the settings name it."""

from django.conf import settings

from .models import in_reader_language


def municipality_name() -> str:
    """The municipality's name in the reader's language, so one deployment can serve another."""
    return in_reader_language(settings.MUNICIPALITY_NAME, settings.MUNICIPALITY_NAME_EN)
