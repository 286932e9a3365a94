"""Settings of ``bench/overview.py``: the portal's own, served with a trivial view beside it."""

from thermi_portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1"]
