"""Running a bank file's batches in worker processes, each batch its own transaction on its own
connection, as concurrent imports run them.

One process runs a batch's Python (the rules of ``settle()``) or waits for the database, in
turn; two or more keep the database and Python busy at once, on as many cores as there are.
Processes, not threads: the rules are Python, and threads would take turns at it. The batches
need no more care than two finance officers importing at once already do: each locks its
debtors in the order of their ids, first, and a batch refused by a concurrent one runs again
(``statement_import._import_batch``).

The workers are forked, so they start with the file already read and checked. The parent hands
each its next batch over a pipe of its own and reads back a small outcome (a tally, never model
instances): nothing is shared but the pipes, so a worker killed at any point leaves no lock held
and no message half-queued, and the parent sees its death at once. The first failure or death
stops the handing out of batches and is raised in the parent once the workers have ended: the
batches committed until then stay, as when a run in one process stops, and running the file
again finishes it. A worker whose parent is gone stops before its next batch.
"""

import multiprocessing
import pickle
from collections.abc import Callable, Sequence
from multiprocessing.connection import wait

from django.db import connection, connections
from django.utils.translation import gettext as _


class WorkerDied(RuntimeError):
    """A worker ended without saying how its batch went (killed, out of memory)."""


def run_in_workers(
    batches: Sequence,
    work: Callable,
    *,
    workers: int,
    done: Callable[[object, object], None],
) -> None:
    """``work(batch)`` for each of ``batches`` in ``workers`` forked processes, each batch given
    to the next free worker; ``done(batch, outcome)`` in this process as each ends (``outcome``:
    what ``work`` returned, pickled across). Only from a process's main thread (a fork copies no
    other thread) and outside a transaction: a worker cannot see what is not committed."""
    if connection.in_atomic_block:
        raise RuntimeError("worker processes cannot see an open transaction's rows")
    if any(c.settings_dict.get("OPTIONS", {}).get("pool") for c in connections.all()):
        # Closed, a pooled connection goes back to the pool a forked worker would share.
        raise RuntimeError("worker processes need connections of their own, not a pool's")
    # A forked worker must not share this process's database connections: it opens its own.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    pipes, processes = [], []
    for _worker_number in range(min(workers, len(batches))):
        ours, theirs = context.Pipe()
        # The worker closes the parent's ends it inherits, so that the parent's death is the end
        # of every pipe it held.
        held = [*pipes, ours]
        process = context.Process(target=_worker, args=(batches, work, theirs, held), daemon=True)
        process.start()
        theirs.close()
        pipes.append(ours)
        processes.append(process)
    try:
        _hand_out(batches, dict(zip(pipes, processes, strict=True)), done)
    finally:
        for pipe in pipes:
            pipe.close()
        for process in processes:
            process.join()


def _hand_out(batches, workers: dict, done) -> None:
    """Give each worker a batch, and the next as it reports one, until all are done or one fails
    or dies; then let each finish the batch it holds, and raise the first failure."""
    pending = iter(range(len(batches)))
    busy, failure = {}, None

    def died(pipe, index) -> WorkerDied:
        workers[pipe].join()
        return WorkerDied(
            _(
                "μια διεργασία εισαγωγής τερματίστηκε χωρίς να πει τι έγινε με την παρτίδα της "
                "(%(size)s κινήσεις, κωδικός εξόδου %(code)s)."
            )
            % {"size": len(batches[index]), "code": workers[pipe].exitcode}
        )

    def give(pipe) -> None:
        nonlocal failure
        index = None if failure else next(pending, None)
        try:
            pipe.send(index)
        except OSError:  # the worker died since its last report
            if index is not None:
                failure = failure or died(pipe, index)
            return
        if index is not None:
            busy[pipe] = index

    for pipe in workers:
        give(pipe)
    while busy:
        for pipe in wait(list(busy)):
            index = busy.pop(pipe)
            try:
                kind, payload = pipe.recv()
            except (EOFError, OSError):
                failure = failure or died(pipe, index)
                continue
            if kind == "failed":
                failure = failure or payload
            else:
                done(batches[index], payload)
            give(pipe)
    if failure is not None:
        raise failure


def _worker(batches, work, pipe, held) -> None:
    for inherited in held:
        inherited.close()
    try:
        while (index := pipe.recv()) is not None:
            try:
                outcome = ("done", work(batches[index]))
            except BaseException as error:  # reported to the parent, which raises it
                outcome = ("failed", _picklable(error))
            pipe.send(outcome)
    except (EOFError, OSError):
        return  # the parent is gone: no more batches
    finally:
        connections.close_all()


def _picklable(error: BaseException) -> BaseException:
    """The error itself if it crosses to the parent whole, else one that says what it was."""
    try:
        pickle.loads(pickle.dumps(error))  # noqa: S301 (our own bytes, made on the line)
    except Exception:  # anything that does not survive the trip is named instead
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error
