"""Services of their own for each pytest-xdist worker (``tests.run`` loads this with ``-p``).

A worker is a process with its own test database (pytest-django names it after the worker), but
Redis databases and the media folder come from the environment, which the workers share: one
worker's test empties the cache another's is reading, or a Celery worker started by one test
takes a task another enqueued. Imported before Django reads its settings (``-p`` plugins are
imported before pytest-django sets Django up), this gives worker N the Redis databases two
below the configured ones per N (the cache 14 and the broker 15 of ``tests.run`` become 12
and 13 for the second), and a media folder of its own.
"""

import atexit
import os
import shutil
import tempfile
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES_PER_WORKER = 2


def _shifted(url: str, by: int) -> str:
    """``url``'s Redis database number less ``by``."""
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0) - by
    if database < 0:
        raise ValueError(f"no Redis database left for this worker below {url}")
    return urlunsplit(parts._replace(path=f"/{database}"))


def _give_each_worker_its_own() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return
    number = int(worker[2:])
    for name in ("CACHE_URL", "CELERY_BROKER_URL"):
        url = os.environ.get(name, "")
        if url.startswith("redis"):
            os.environ[name] = _shifted(url, number * REDIS_DATABASES_PER_WORKER)
    media = tempfile.mkdtemp(prefix=f"thermi-media-{worker}-")
    os.environ["MEDIA_ROOT"] = media
    atexit.register(shutil.rmtree, media, ignore_errors=True)


_give_each_worker_its_own()
