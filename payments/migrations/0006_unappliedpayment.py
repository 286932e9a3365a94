"""Finance's queue of unapplied money in the admin: a proxy of ``Payment``, no table."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0005_money_rows_append_only_in_the_database"),
    ]

    operations = [
        migrations.CreateModel(
            name="UnappliedPayment",
            fields=[],
            options={
                "verbose_name": "αδιάθετο ποσό",
                "verbose_name_plural": "αδιάθετα ποσά",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("payments.payment",),
        ),
    ]
