"""A settlement keeps the late-installment charge and the misses before loss its scheme had on
approval, as it already kept the interest rate: editing a scheme must change no settlement."""

from datetime import UTC, datetime, time
from decimal import Decimal

from django.db import migrations, models


def _made_at(apps, settlement):
    """When the settlement was made: its first history row, else its debts' recorded move into
    it (written in the same transaction), else the end of its approval day."""
    HistoricalSettlement = apps.get_model("debts", "HistoricalSettlement")
    DebtChange = apps.get_model("debts", "DebtChange")
    first = HistoricalSettlement.objects.filter(id=settlement.pk).order_by("history_date")
    moved = DebtChange.objects.filter(debt__settlement=settlement, to_status="in_settlement")
    return (
        first.values_list("history_date", flat=True).first()
        or moved.order_by("at").values_list("at", flat=True).first()
        or datetime.combine(settlement.approved_on, time.max, tzinfo=UTC)
    )


def copy_terms_from_schemes(apps, schema_editor):
    """Each settlement gets its scheme's terms as they stood when it was made: the scheme's
    history row of that moment, or the scheme itself when it has no history that old."""
    Settlement = apps.get_model("debts", "Settlement")
    HistoricalSettlement = apps.get_model("debts", "HistoricalSettlement")
    HistoricalScheme = apps.get_model("debts", "HistoricalSettlementScheme")
    for settlement in Settlement.objects.select_related("scheme"):
        then = HistoricalScheme.objects.filter(
            id=settlement.scheme_id, history_date__lte=_made_at(apps, settlement)
        )
        terms = then.order_by("-history_date").first() or settlement.scheme
        values = {
            "late_installment_monthly_rate": terms.late_installment_monthly_rate,
            "misses_before_loss": terms.misses_before_loss,
        }
        Settlement.objects.filter(pk=settlement.pk).update(**values)
        HistoricalSettlement.objects.filter(id=settlement.pk).update(**values)


TERMS = [
    (
        "late_installment_monthly_rate",
        models.DecimalField(
            decimal_places=4,
            default=Decimal("0"),
            max_digits=6,
            verbose_name="μηνιαία επιβάρυνση εκπρόθεσμης δόσης",
        ),
    ),
    (
        "misses_before_loss",
        models.PositiveSmallIntegerField(
            default=1, verbose_name="ανεξόφλητες δόσεις έως την απώλεια"
        ),
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("debts", "0005_one_unpaid_paravolo_per_type"),
    ]

    operations = [
        *(
            migrations.AddField(
                model_name=model, name=name, field=field.clone(), preserve_default=False
            )
            for model in ("settlement", "historicalsettlement")
            for name, field in TERMS
        ),
        migrations.RunPython(copy_terms_from_schemes, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="settlement", name="settlement_amounts"),
        migrations.AddConstraint(
            model_name="settlement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("annual_interest_rate__gte", 0),
                    ("late_installment_monthly_rate__gte", 0),
                    ("misses_before_loss__gte", 1),
                    ("principal__gt", 0),
                    ("surcharge__gte", 0),
                ),
                name="settlement_amounts",
            ),
        ),
    ]
