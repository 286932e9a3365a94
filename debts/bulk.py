"""Writing many rows of a model at once, each a tuple of values, no model instance per row.

A bank file's batch writes thousands of records of each kind. Through ``bulk_create`` each row is
a model instance and each value prepared by its field, in statements of thousands of placeholders
that psycopg must parse: most of an import's time. Here, on PostgreSQL, rows are streamed with
``COPY``, or, when the new rows must answer (their ids, or which were new), sent as one array per
column to a single ``INSERT … SELECT FROM unnest(…)``. Elsewhere (the embedded SQLite) they go in
multi-row ``VALUES``, each value prepared by its field.

Instances already built (a certification roll's debtors, debts and notices) are written by
``insert_new``: their ids taken from the table's sequence first, then the rows streamed.

``Writes`` gathers the updates and inserts of several tables that a service makes once it has
read and locked all it needs, and sends them as one statement on PostgreSQL.

Values are given as the model's fields hold them (``Decimal``, aware ``datetime``, ``date``, str,
int, bool, None; a foreign key by its id). A field left out takes its default, as ``Model()``
would give it (a callable default called for each row).
"""

from collections.abc import Sequence
from contextlib import nullcontext
from datetime import datetime

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.utils import timezone

# Fields whose values psycopg writes as they are (a date and time only when aware: ``_preparer``);
# any other field prepares its own.
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.DateField,
    models.DecimalField,
    models.ForeignKey,
    models.AutoField,
)
_ROWS_PER_VALUES = 100


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Insert ``rows``, each the values of ``fields`` (names), in the current transaction."""
    if not rows:
        return
    columns = _Columns(model, fields)
    if connection.vendor != "postgresql":
        _values(columns, [columns.complete(row) for row in rows], "")
        return
    _copy(columns, [columns.complete(row) for row in rows])


def insert_new(objs: Sequence[models.Model]) -> None:
    """Insert these new instances of one model, as ``bulk_create`` would (each field's
    ``pre_save``), and set their ids: on PostgreSQL the ids are taken from the table's sequence
    first, then the rows streamed with ``COPY``, so each row's id is known by construction;
    elsewhere one ``INSERT`` each."""
    if not objs:
        return
    model = type(objs[0])
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    columns = _Columns(model, [field.name for field in fields])
    rows = [[field.pre_save(obj, True) for field in fields] for obj in objs]
    pk = model._meta.pk
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, pk.column, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
        _copy(columns, rows, ids=ids)
    else:
        returning = " RETURNING " + connection.ops.quote_name(pk.column)
        ids = [_values(columns, [row], returning)[0][0] for row in rows]
    alias = connection.alias
    for obj, new_id in zip(objs, ids, strict=True):
        obj.pk = new_id
        obj._state.adding = False
        obj._state.db = alias


def _copy(columns: "_Columns", complete: list[list], *, ids: list[int] | None = None) -> None:
    """Stream complete rows with ``COPY`` (each after its id, when ``ids`` are given)."""
    names = columns.names
    if ids is not None:
        names = f"{connection.ops.quote_name(columns.model._meta.pk.column)}, {names}"
    sql = f"COPY {columns.table} ({names}) FROM STDIN"
    # Through psycopg's own cursor: a constraint it breaks raises Django's IntegrityError still.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        _logged(cursor, sql),
        cursor.cursor.copy(sql) as copy,
    ):
        if ids is None:
            for values in complete:
                copy.write_row(columns.prepared(values))
        else:
            for new_id, values in zip(ids, complete, strict=True):
                copy.write_row([new_id, *columns.prepared(values)])


def insert_returning(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence],
    *,
    returning: Sequence[str],
    unless: Sequence[str] = (),
) -> list[tuple]:
    """Insert ``rows`` as ``insert_rows`` does, and read back the ``returning`` columns of each
    new row, in no set order (return a unique column to tell them apart). With ``unless`` (the
    columns of a unique constraint), a row whose values are already there is skipped
    (``ON CONFLICT DO NOTHING``: a concurrent insert of the same values is waited for)."""
    if not rows:
        return []
    columns = _Columns(model, fields)
    return _returning(columns, [columns.complete(row) for row in rows], returning, unless)


def create_all(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence], *, key: str
) -> list[models.Model]:
    """Insert ``rows`` and give them back as instances of ``model`` with their ids, in order, as
    ``bulk_create`` would, for a fraction of its cost; ``key``: one of ``fields`` whose value
    differs from row to row, to match each new id to its row."""
    if not rows:
        return []
    columns = _Columns(model, fields)
    complete = [columns.complete(row) for row in rows]
    pk = model._meta.pk
    ids = dict(_returning(columns, complete, (key, pk.name), ()))
    if len(ids) != len(rows):
        raise ValueError(f"create_all: {key} must tell the rows apart")
    at = columns.fields.index(model._meta.get_field(key))
    order = [
        None if field.primary_key else columns.fields.index(field)
        for field in model._meta.concrete_fields
    ]
    alias = connection.alias
    return [
        model.from_db(
            alias, None, [ids[values[at]] if index is None else values[index] for index in order]
        )
        for values in complete
    ]


def _returning(columns, complete: list[list], returning, unless) -> list[tuple]:
    quote = connection.ops.quote_name
    suffix = ""
    if unless:
        suffix += " ON CONFLICT ({}) DO NOTHING".format(", ".join(map(quote, unless)))
    suffix += " RETURNING " + ", ".join(
        quote(columns.model._meta.get_field(name).column) for name in returning
    )
    if connection.vendor != "postgresql":
        return _values(columns, complete, suffix)
    with connection.cursor() as cursor:
        sql, params = _unnest(cursor, columns, complete)
        cursor.execute(sql + suffix, params)
        return cursor.fetchall()


def _unnest(cursor, columns: "_Columns", complete: list[list]) -> tuple[str, list]:
    """PostgreSQL's ``INSERT … SELECT * FROM unnest(…)`` of complete rows, one array a column,
    and its parameters."""
    ready = [columns.prepared(values) for values in complete]
    # Binary (``%b``): an array of strings sent as text is quoted and escaped in Python, value by
    # value; sent in binary it is only encoded, three to ten times faster. Only with server-side
    # binding: psycopg's client-side cursor takes text alone.
    binary = "%s" if isinstance(cursor.cursor, psycopg.ClientCursor) else "%b"
    arrays = ", ".join(
        f"{binary}::{field.db_type(connection).split('(')[0]}[]" for field in columns.fields
    )
    sql = f"INSERT INTO {columns.table} ({columns.names}) SELECT * FROM unnest({arrays})"  # noqa: S608 (the model's own names)
    return sql, [list(values) for values in zip(*ready, strict=True)]


class Writes:
    """Updates and inserts of several tables, sent together by ``send``: on PostgreSQL as one
    statement, each write but the last in a ``WITH``; elsewhere one statement each, in order.

    For a service that has read and locked all it needs, then writes many tables (a payment: its
    notice, notice items, debts, installments, settlements, their status changes, allocations):
    one round trip, not a dozen. In one statement every write runs once and to completion on the
    statement's snapshot: none may need another's rows, nor two change the same row. The
    database's foreign-key checks come after all of them.
    """

    def __init__(self):
        self._writes = []  # each (its PostgreSQL statement, made with a cursor; itself elsewhere)

    def update(self, model: type[models.Model], field: str, values, **changes) -> None:
        """Set ``changes`` on the rows of ``model`` whose ``field`` ("pk" or a field's name) is
        one of ``values``, given as the column holds them."""
        values = list(values)
        if not values:
            return
        meta = model._meta
        where = meta.pk if field == "pk" else meta.get_field(field)
        assigned = [(meta.get_field(name), value) for name, value in changes.items()]

        def statement(_cursor) -> tuple[str, list]:
            quote = connection.ops.quote_name
            columns = ", ".join(f"{quote(target.column)} = %s" for target, _value in assigned)
            sql = (
                f"UPDATE {quote(meta.db_table)} SET {columns} WHERE {quote(where.column)} = ANY(%s)"  # noqa: S608 (the model's own names)
            )
            prepared = [target.get_db_prep_save(value, connection) for target, value in assigned]
            return sql, [*prepared, values]

        def elsewhere() -> None:
            model._default_manager.filter(**{f"{field}__in": values}).update(**changes)

        self._writes.append((statement, elsewhere))

    def insert(
        self, model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence]
    ) -> None:
        """Insert ``rows`` as ``insert_rows`` does."""
        if not rows:
            return
        columns = _Columns(model, fields)
        complete = [columns.complete(row) for row in rows]

        def statement(cursor) -> tuple[str, list]:
            return _unnest(cursor, columns, complete)

        def elsewhere() -> None:
            _values(columns, complete, "")

        self._writes.append((statement, elsewhere))

    def send(self) -> None:
        """Write what was gathered, in the current transaction."""
        writes, self._writes = self._writes, []
        if not writes:
            return
        if connection.vendor != "postgresql":
            for _statement, elsewhere in writes:
                elsewhere()
            return
        with connection.cursor() as cursor:
            *first, (sql, params) = [statement(cursor) for statement, _elsewhere in writes]
            if first:
                named = ", ".join(f"w{n} AS ({each})" for n, (each, _params) in enumerate(first))
                sql = f"WITH {named} {sql}"
                params = [value for _sql, each in first for value in each] + params
            cursor.execute(sql, params)


class _Columns:
    """The columns written, the given fields' then the defaulted ones', and how a row of the
    given values becomes the values the database is sent."""

    def __init__(self, model, names: Sequence[str]):
        given = [model._meta.get_field(name) for name in names]
        rest = [
            field
            for field in model._meta.concrete_fields
            if field not in given and not field.primary_key
        ]
        quote = connection.ops.quote_name
        self.model = model
        self.fields = given + rest
        self.table = quote(model._meta.db_table)
        self.names = ", ".join(quote(field.column) for field in self.fields)
        self._defaults = _defaults(rest)
        # The connection itself, not the proxy that looks it up again at each attribute.
        database = connections[DEFAULT_DB_ALIAS]
        self._prepare = [_preparer(field, database) for field in self.fields]
        self._any_prepared = any(prepare is not None for prepare in self._prepare)

    def complete(self, row: Sequence) -> list:
        """The row's values with the defaults of the fields left out."""
        return [*row, *self._defaults()]

    def prepared(self, values: list) -> list:
        """A complete row's values as the database is sent them."""
        if not self._any_prepared:
            return values
        return [
            value if prepare is None else prepare(value)
            for prepare, value in zip(self._prepare, values, strict=True)
        ]


def _preparer(field: models.Field, database):
    """How a value of ``field`` becomes what the database is sent (None: as it is). The field's
    own preparation, except on PostgreSQL for the fields psycopg writes as they are, and for an
    aware date and time (or none); a naive one is made aware in the portal's time zone by the
    field, as the ORM makes it."""

    def prepare(value):
        return field.get_db_prep_save(value, database)

    if database.vendor != "postgresql":
        return prepare
    if isinstance(field, models.DateTimeField):
        return lambda value: (
            value
            if value is None or (isinstance(value, datetime) and value.tzinfo is not None)
            else prepare(value)
        )
    return None if isinstance(field, _PLAIN) else prepare


def _defaults(rest: list[models.Field]):
    """Each row's values of the fields left out: constants once, callables per row."""
    now = timezone.now()
    fixed = {}
    for field in rest:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            fixed[field] = now
        elif not (field.has_default() and callable(field.default)):
            fixed[field] = field.get_default()
    called = [(index, field) for index, field in enumerate(rest) if field not in fixed]
    values = [fixed.get(field) for field in rest]

    def each_row() -> list:
        if not called:
            return values
        row = list(values)
        for index, field in called:
            row[index] = field.get_default()
        return row

    return each_row


def _logged(cursor, sql: str):
    """``COPY`` is no ``execute``: log it as one, so the queries a test counts are those sent."""
    debug_sql = getattr(cursor, "debug_sql", None)
    return debug_sql(sql) if debug_sql else nullcontext()


def _values(columns: _Columns, rows: list[list], suffix: str) -> list[tuple]:
    """Complete rows in multi-row ``VALUES``, a hundred a statement; what ``suffix`` returns."""
    row_sql = "(" + ", ".join(["%s"] * len(columns.fields)) + ")"
    returned = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _ROWS_PER_VALUES):
            chunk = rows[start : start + _ROWS_PER_VALUES]
            sql = "INSERT INTO {} ({}) VALUES {}{}".format(  # noqa: S608 (the model's own names)
                columns.table, columns.names, ", ".join([row_sql] * len(chunk)), suffix
            )
            cursor.execute(sql, [value for row in chunk for value in columns.prepared(row)])
            if suffix:
                returned += cursor.fetchall()
    return returned
