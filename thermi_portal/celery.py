"""The Celery app: configured from Django settings (``CELERY_*``), tasks found in each app.

Periodic tasks are declared in ``settings.CELERY_BEAT_SCHEDULE`` and run by ``celery beat``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thermi_portal.settings")

app = Celery("thermi_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
