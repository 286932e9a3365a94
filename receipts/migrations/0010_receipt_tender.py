from django.db import migrations, models
from django.db.models import Count, Max


def tender_of_counter_receipts(apps, schema_editor):
    """A counter receipt issued before its tender was kept takes its payments' (through the
    money it applied: a reversal's negative rows name them too), when they all had the same; the
    text it was issued with stays as it is."""
    Allocation = apps.get_model("payments", "Allocation")
    Receipt = apps.get_model("receipts", "Receipt")
    tenders = (
        Allocation.objects.filter(receipt__channel="counter")
        .values("receipt")
        .annotate(kinds=Count("payment__tender", distinct=True), tender=Max("payment__tender"))
        .filter(kinds=1)
        .exclude(tender="")
    )
    by_tender: dict[str, list[int]] = {}
    for row in tenders:
        by_tender.setdefault(row["tender"], []).append(row["receipt"])
    for tender, receipts in by_tender.items():
        Receipt.objects.filter(pk__in=receipts).update(tender=tender)


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
