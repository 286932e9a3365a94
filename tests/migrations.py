"""The schema taken back to a point of its history and forward again, for tests of what a data
migration does to rows written before it."""

from contextlib import contextmanager

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets):
    """Migrate to ``targets``; the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_to_latest():
    return migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@contextmanager
def migrated_back_to(targets):
    """The models at ``targets``, and every migration applied again afterwards."""
    try:
        yield migrate(targets)
    finally:
        migrate_to_latest()
