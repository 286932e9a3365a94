"""One bank-file import at a time.

Two files can tell the same credits under other keys: a camt.054 and the camt.053 that books
them, or an entry itemised in one and summed in the other. The import knows them for the same
money only once the other file's batches have committed, so two such imports running at once
would both record them (the second time held as an overpayment, for a person to refund). One
import waits for the other instead, on a PostgreSQL advisory lock.

The lock is held on a connection of its own, for the whole import: the batches' worker
processes are forked after the import's connections are closed (``batch_workers``), which
would let go of a lock held there. It is let go at the end, and ends with that connection
anyway, so an import that is killed does not keep the next one waiting. The embedded SQLite has
no such lock: it is for one person on one machine.
"""

from collections.abc import Callable
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections

# The advisory lock's key, an arbitrary number of this project's: the bytes of "bankfile".
KEY = int.from_bytes(b"bankfile", "big") >> 1


@contextmanager
def one_import_at_a_time(waiting: Callable[[], None] | None = None):
    """Hold the import's lock inside; ``waiting`` is told when another import holds it, before
    this one waits for it to end."""
    if connection.vendor != "postgresql":
        yield
        return
    holder = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [KEY])
            if not cursor.fetchone()[0]:
                if waiting:
                    waiting()
                cursor.execute("SELECT pg_advisory_lock(%s)", [KEY])
        yield
    finally:
        _let_go(holder)


def _let_go(holder) -> None:
    """Unlock, then close. Closed alone, the session ends a moment later on the server, and the
    lock with it: the next import, or a look at the locks, could still find it held. A session
    already broken has let go of the lock with itself."""
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [KEY])
    except DatabaseError:
        pass
    finally:
        holder.close()
