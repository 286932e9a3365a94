"""WSGI entry point, served by gunicorn in deployment."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thermi_portal.settings")
application = get_wsgi_application()
