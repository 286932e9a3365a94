from django.db import migrations, models
from django.db.models import Exists, OuterRef


def tender_of_counter_receipts(apps, schema_editor):
    """A counter receipt issued before its tender was kept takes its payments' (through the
    money it applied: a reversal's negative rows name them too), when they all had the same; the
    text it was issued with stays as it is. One UPDATE per tender, however many receipts."""
    Allocation = apps.get_model("payments", "Allocation")
    Receipt = apps.get_model("receipts", "Receipt")
    applied = Allocation.objects.filter(receipt=OuterRef("pk"))
    for tender in ("cash", "pos"):
        Receipt.objects.filter(
            Exists(applied.filter(payment__tender=tender)),
            ~Exists(applied.exclude(payment__tender=tender)),
            channel="counter",
        ).update(tender=tender)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0018_statement_entry_content_key"),
        ("receipts", "0009_pooled_payments"),
    ]

    operations = [
        migrations.AddField(
            model_name="receipt",
            name="tender",
            field=models.CharField(
                blank=True,
                choices=[("cash", "Μετρητά"), ("pos", "Κάρτα (POS)")],
                editable=False,
                max_length=8,
                verbose_name="μέσο στο ταμείο",
            ),
        ),
        migrations.RunPython(tender_of_counter_receipts, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="receipt",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("tender", ""),
                    models.Q(("channel", "counter"), ("tender__in", ["cash", "pos"])),
                    _connector="OR",
                ),
                name="receipt_tender_at_counter",
            ),
        ),
    ]
