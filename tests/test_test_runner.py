"""The test runner's own rules: two processes unless told otherwise, and each worker's services
apart from the other's."""

import os
from pathlib import Path

import pytest

from tests import xdist_services
from tests.run import in_two_processes


@pytest.mark.parametrize(
    "argv, expected",
    [
        ([], ["-n", "2", "--dist", "load"]),
        (["-x", "tests/test_rf.py"], ["-n", "2", "--dist", "load", "-x", "tests/test_rf.py"]),
        (["-n", "0", "--pdb"], ["-n", "0", "--pdb"]),
        (["--numprocesses=3"], ["--numprocesses=3"]),
        (["--dist", "loadfile"], ["--dist", "loadfile"]),
    ],
)
def test_the_suite_runs_in_two_processes_unless_told(argv, expected):
    assert in_two_processes(argv) == expected


def given(monkeypatch, worker: str, broker: str) -> None:
    """The environment a worker starts with, restored after the test."""
    for name, value in [
        ("PYTEST_XDIST_WORKER", worker),
        ("CACHE_URL", "redis://127.0.0.1:6379/14"),
        ("CELERY_BROKER_URL", broker),
        ("MEDIA_ROOT", "/srv/media"),
    ]:
        monkeypatch.setenv(name, value)
    xdist_services._give_each_worker_its_own()


def test_the_second_worker_gets_redis_databases_and_media_of_its_own(monkeypatch):
    given(monkeypatch, "gw1", broker="redis://127.0.0.1:6379/15")

    assert os.environ["CACHE_URL"] == "redis://127.0.0.1:6379/12"
    assert os.environ["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/13"
    media = Path(os.environ["MEDIA_ROOT"])
    assert media.is_dir() and media.name.startswith("thermi-media-gw1-")
    media.rmdir()


def test_the_first_worker_and_a_single_process_keep_what_they_are_given(monkeypatch):
    for worker in ("gw0", ""):
        given(monkeypatch, worker, broker="")
        assert os.environ["CACHE_URL"] == "redis://127.0.0.1:6379/14"
        assert os.environ["CELERY_BROKER_URL"] == ""


def test_a_worker_with_no_redis_database_left_is_refused():
    with pytest.raises(ValueError, match="no Redis database left"):
        xdist_services._shifted("redis://127.0.0.1:6379/1", 2)
