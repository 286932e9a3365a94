"""A settlement keeps the late-installment charge and the misses before loss its scheme had on
approval, as it already kept the interest rate: editing a scheme must change no settlement."""

from decimal import Decimal

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_terms_from_schemes(apps, schema_editor):
    SettlementScheme = apps.get_model("debts", "SettlementScheme")
    for name in ("Settlement", "HistoricalSettlement"):
        scheme = SettlementScheme.objects.filter(pk=OuterRef("scheme_id"))
        apps.get_model("debts", name).objects.update(
            late_installment_monthly_rate=Subquery(
                scheme.values("late_installment_monthly_rate")[:1]
            ),
            misses_before_loss=Subquery(scheme.values("misses_before_loss")[:1]),
        )


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
