"""Periodic work on the receivables, run by Celery beat (see ``CELERY_BEAT_SCHEDULE``)."""

from celery import shared_task

from . import services


@shared_task
def expire_notices() -> int:
    """Close notices whose validity has ended, freeing their debts for a new notice."""
    return services.expire_notices()
