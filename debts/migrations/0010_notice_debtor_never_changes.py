"""A notice's debtor never changes: its RF was issued to that debtor, and ``lock_notice`` locks
the debtor it finds through the notice before the notice itself, which is only sound while no
notice moves. No page or service moves one; the trigger refuses any other path too.

The trigger is PostgreSQL's, where the portal runs; the embedded SQLite is for development.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION debts_notice_debtor_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a notice''s debtor never changes (notice %)', OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER debts_notice_debtor_fixed
    BEFORE UPDATE OF debtor_id ON debts_paymentnotice
    FOR EACH ROW WHEN (OLD.debtor_id IS DISTINCT FROM NEW.debtor_id)
    EXECUTE FUNCTION debts_notice_debtor_fixed();
"""
DROP = """
DROP TRIGGER debts_notice_debtor_fixed ON debts_paymentnotice;
DROP FUNCTION debts_notice_debtor_fixed();
"""


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("debts", "0009_debtor_ledger_version"),
    ]

    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
