"""The worker processes that run a bank file's batches: each batch done once and reported here,
a failure or a death stops the handing out of batches, and workers never outlive their parent."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from payments.batch_workers import run_in_workers

ROOT = Path(__file__).resolve().parent.parent


def noted(log: Path, then=lambda batch: batch * 10):
    """A batch's work that writes which process ran it, then returns ``then(batch)``."""

    def work(batch):
        with log.open("a") as out:
            out.write(f"{os.getpid()} {batch}\n")
        return then(batch)

    return work


def ran(log: Path) -> list[tuple[int, int]]:
    return [tuple(map(int, line.split())) for line in log.read_text().splitlines()]


def test_each_batch_is_run_once_by_a_worker_and_its_outcome_handed_back_here(tmp_path):
    log, outcomes = tmp_path / "log", {}

    run_in_workers(
        list(range(12)), noted(log), workers=3, done=lambda b, o: outcomes.setdefault(b, o)
    )

    assert outcomes == {batch: batch * 10 for batch in range(12)}
    assert sorted(batch for _pid, batch in ran(log)) == list(range(12))
    assert os.getpid() not in {pid for pid, _batch in ran(log)}


def test_a_failure_is_raised_here_and_no_batch_is_given_out_after_it(tmp_path):
    log, outcomes = tmp_path / "log", []

    def then(batch):
        if batch == 2:
            raise ValueError("batch 2 refused")
        time.sleep(0.05)
        return batch

    with pytest.raises(ValueError, match="batch 2 refused"):
        run_in_workers(
            list(range(40)), noted(log, then), workers=2, done=lambda b, o: outcomes.append(o)
        )

    started = [batch for _pid, batch in ran(log)]
    assert len(started) < 10, "the workers stopped after the batch they held"
    assert sorted(outcomes) == sorted(b for b in started if b != 2), "what ran was reported"


def test_an_error_that_cannot_cross_to_the_parent_is_named(tmp_path):
    class Local(Exception):  # a class pickle cannot find again
        pass

    def then(batch):
        raise Local("no way back")

    with pytest.raises(RuntimeError, match="Local: no way back"):
        run_in_workers([1], noted(tmp_path / "log", then), workers=1, done=lambda b, o: None)


@pytest.mark.django_db
def test_workers_are_refused_inside_a_transaction():
    with pytest.raises(RuntimeError, match="open transaction"):
        run_in_workers([1, 2], lambda batch: batch, workers=2, done=lambda b, o: None)


def test_workers_are_refused_with_pooled_connections(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", {"pool": True})
    with pytest.raises(RuntimeError, match="not a pool"):
        run_in_workers([1, 2], lambda batch: batch, workers=2, done=lambda b, o: None)


KILLED_AT_FIRST_REPORT = """
import os, signal, sys, time
import django
django.setup()
from payments.batch_workers import run_in_workers

def work(batch):
    with open(sys.argv[1], "a") as out:
        out.write(f"{os.getpid()} {batch}\\n")
    time.sleep(0.3)

def done(batch, outcome):
    os.kill(os.getpid(), signal.SIGKILL)

run_in_workers(list(range(30)), work, workers=2, done=done)
"""


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie waiting for its reaper does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_workers_stop_when_their_parent_is_killed(tmp_path):
    log = tmp_path / "log"
    process = subprocess.run(  # noqa: S603 (this test's own script)
        [sys.executable, "-c", KILLED_AT_FIRST_REPORT, str(log)],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "thermi_portal.settings"},
        check=False,
    )
    assert process.returncode == -signal.SIGKILL

    workers = {pid for pid, _batch in ran(log)}
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers), "a worker outlived its parent"
    assert len(ran(log)) <= 3, "no batch was taken after the parent died"
