"""Settings of ``bench/overview.py``: the portal's own, served with a trivial view beside it.

The cache comes from ``CACHE_URL``, which the script sets to a Redis database of its own: like
production, the kept overviews are shared by the gunicorn workers. ``--off`` turns a piece of
the overview's design off through the environment, to measure what it buys.
"""

import os

from thermi_portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1"]
if os.environ.get("BENCH_NO_KEPT_PAGE"):
    OVERVIEW_CACHE = False
