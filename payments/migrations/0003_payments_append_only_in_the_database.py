"""Payments are append-only in the database too, not only in ``Payment.save``/``delete``:
``QuerySet.update()``, ``.delete()`` and raw SQL skip those, and a payment changed or deleted
leaves a notice marked paid without the money that paid it. The channel is one of the known ones,
so the unique (channel, reference) cannot be dodged by spelling a channel another way.

The trigger is PostgreSQL's, where the portal runs; the embedded SQLite is for development.
"""

from django.db import migrations, models

CREATE = """
CREATE FUNCTION payments_payment_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'payments_payment is append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER payments_payment_append_only
    BEFORE UPDATE OR DELETE ON payments_payment
    FOR EACH ROW EXECUTE FUNCTION payments_payment_append_only();
"""
DROP = """
DROP TRIGGER payments_payment_append_only ON payments_payment;
DROP FUNCTION payments_payment_append_only();
"""


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0002_staff_view_payments"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="payment",
            constraint=models.CheckConstraint(
                condition=models.Q(("channel__in", ["bank", "card", "counter"])),
                name="payment_channel_known",
            ),
        ),
        migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP)),
    ]
