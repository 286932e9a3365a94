"""Indexes for the optional foreign keys, which most rows leave empty."""

from django.db import migrations, models
from django.db.models import Q


def where_set(field: str, name: str) -> models.Index:
    """An index on ``field`` holding only the rows that have one.

    Django's index on a nullable foreign key takes an entry for every row inserted, empty or
    not, and another for every new version of the row an update writes: a bank payment (no
    cashier, no installment, no settlement, no roll…) paid for a dozen of them. Every look-up
    such an index serves asks for a value (a user's, a roll's, a settlement's rows, and the
    database's own check when one of those is deleted), which this smaller index answers alike.
    """
    return models.Index(fields=[field], condition=Q(**{f"{field}__isnull": False}), name=name)


def drop_own_index(alter: migrations.AlterField, table: str, index: str):
    """``alter`` (a foreign key's ``db_index=False``) made by dropping its index by name.

    Applied as it is, SQLite would rebuild the whole table to drop one index (Django alters a
    SQLite column by copying its table), which made the embedded default's first ``migrate``
    take 45 % longer; PostgreSQL drops the index either way.
    """
    column = f"{alter.name}_id"  # a foreign key's column, by Django's default
    return migrations.SeparateDatabaseAndState(
        state_operations=[alter],
        database_operations=[
            migrations.RunSQL(
                f'DROP INDEX "{index}"',
                reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
            )
        ],
    )
