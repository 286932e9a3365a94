"""Running a bank file's batches in worker processes, each batch its own transaction on its own
connection, as concurrent imports run them.

One process runs a batch's Python (the rules of ``settle()``) or waits for the database, in
turn; two or more keep the database and Python busy at once, on as many cores as there are.
Processes, not threads: the rules are Python, and threads would take turns at it. The batches
need no more care than two finance officers importing at once already do: each locks its
debtors in the order of their ids, first, and a batch refused by a concurrent one runs again
(``statement_import._import_batch``).

The workers are forked, so they start with the file already read and checked; a worker's
outcome reaches the parent as a small tally, never as model instances. The first failure stops
the workers taking new batches and is raised in the parent, once they have ended: the batches
committed until then stay, as when a run in one process stops, and running the file again
finishes it.
"""

import multiprocessing
import pickle
import queue
from collections.abc import Callable, Sequence

from django.db import connection, connections

# How long the parent waits for a message before it looks whether a worker died unheard.
_POLL_SECONDS = 1.0


class WorkerDied(RuntimeError):
    """A worker ended without saying how its batch went (killed, out of memory)."""


def run_in_workers(
    batches: Sequence,
    work: Callable,
    *,
    workers: int,
    done: Callable[[object, object], None],
) -> None:
    """``work(batch)`` for each of ``batches`` in ``workers`` forked processes, each batch taken by
    the next free worker; ``done(batch, outcome)`` in this process as each ends (``outcome``:
    what ``work`` returned, pickled across). Only outside a transaction: a worker cannot see
    what this process has not committed."""
    if connection.in_atomic_block:
        raise RuntimeError("worker processes cannot see an open transaction's rows")
    # A forked worker must not share this process's database connections: it opens its own.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    next_index = context.Value("i", 0)
    stop = context.Event()
    messages = context.Queue()
    processes = [
        context.Process(
            target=_worker, args=(batches, work, next_index, stop, messages), daemon=True
        )
        for _ in range(min(workers, len(batches)))
    ]
    for process in processes:
        process.start()
    failure = None
    try:
        failure = _collect(batches, processes, messages, done, stop)
    finally:
        stop.set()
        for process in processes:
            process.join()
    if failure is not None:
        raise failure


def _collect(batches, processes, messages, done, stop) -> BaseException | None:
    """Hand each outcome to ``done`` as it comes, until every batch is reported or every worker
    has ended (then what they sent before is read too); the first failure, if any.

    A worker's messages reach the pipe before it exits, so once all have ended, what is not in
    the pipe was never sent: a batch a worker did not report."""
    reported, failure = 0, None
    while reported < len(batches):
        try:
            kind, index, payload = messages.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            if any(process.is_alive() for process in processes):
                continue
            try:
                kind, index, payload = messages.get_nowait()
            except queue.Empty:
                break
        reported += 1
        if kind == "failed":
            failure = failure or payload
            stop.set()
        else:
            done(batches[index], payload)
    if failure is None and reported < len(batches):
        codes = ", ".join(str(process.exitcode) for process in processes)
        failure = WorkerDied(
            f"{len(batches) - reported} of {len(batches)} batches unreported: a worker process "
            f"ended without saying how its batch went (exit codes {codes})"
        )
    return failure


def _worker(batches, work, next_index, stop, messages) -> None:
    try:
        while not stop.is_set():
            with next_index.get_lock():
                index = next_index.value
                next_index.value += 1
            if index >= len(batches):
                return
            try:
                messages.put(("done", index, work(batches[index])))
            except BaseException as error:  # reported to the parent, which raises it
                stop.set()
                messages.put(("failed", index, _picklable(error)))
                return
    finally:
        connections.close_all()


def _picklable(error: BaseException) -> BaseException:
    """The error itself if it crosses to the parent whole, else one that says what it was."""
    try:
        pickle.loads(pickle.dumps(error))  # noqa: S301 (our own bytes, made on the line)
    except Exception:  # anything that does not survive the trip is named instead
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error
