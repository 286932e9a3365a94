"""Allocations and unapplied entries are append-only in the database too, as payments are
(migration 0003): a reversal is a new row, and a row changed or deleted would leave a receipt or
a payment's balance without the money behind it.

The trigger is PostgreSQL's, where the portal runs; the embedded SQLite is for development.
"""

from django.db import migrations

TABLES = ("payments_allocation", "payments_unappliedentry")

FUNCTION = """
CREATE FUNCTION payments_money_row_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
"""
TRIGGER = """
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION payments_money_row_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)
        for table in TABLES:
            schema_editor.execute(TRIGGER.format(table=table), params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER {table}_append_only ON {table}", params=None)
        schema_editor.execute("DROP FUNCTION payments_money_row_append_only()", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0004_money_in_allocations_unapplied_returns"),
    ]

    operations = [migrations.RunPython(create, drop)]
