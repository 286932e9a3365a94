"""Bank credits that were the municipality's own money (the card gateway's payout, the
counter's cash deposited), taken off finance's queue as such; append-only in the database too,
with the function of migration 0005.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


TRIGGER = """
CREATE TRIGGER payments_owntransfer_append_only BEFORE UPDATE OR DELETE ON payments_owntransfer
    FOR EACH ROW EXECUTE FUNCTION payments_money_row_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER payments_owntransfer_append_only ON payments_owntransfer", params=None
        )


class Migration(migrations.Migration):
    dependencies = [
        ("debts", "0015_debtor_names_as_registry"),
        ("payments", "0018_statement_entry_content_key"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="OwnTransfer",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(decimal_places=2, max_digits=12, verbose_name="ποσό"),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("gateway_payout", "Εκκαθάριση πληρωμών με κάρτα"),
                            ("cash_deposit", "Κατάθεση μετρητών του ταμείου"),
                            ("own_account", "Μεταφορά από άλλο λογαριασμό του Δήμου"),
                        ],
                        max_length=16,
                        verbose_name="είδος",
                    ),
                ),
                ("note", models.TextField(verbose_name="σημείωση")),
                (
                    "at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="χρονική στιγμή"
                    ),
                ),
            ],
            options={
                "verbose_name": "μεταφορά χρημάτων του Δήμου",
                "verbose_name_plural": "μεταφορές χρημάτων του Δήμου",
            },
        ),
        migrations.RemoveConstraint(
            model_name="unappliedentry",
            name="unapplied_sign_matches_reason",
        ),
        migrations.AlterField(
            model_name="unappliedentry",
            name="reason",
            field=models.CharField(
                choices=[
                    ("malformed_reference", "Μη έγκυρος κωδικός RF"),
                    ("no_notice", "Δεν βρέθηκε ειδοποιητήριο"),
                    ("amount_short", "Ποσό μικρότερο από το σύνολο του ειδοποιητηρίου"),
                    ("amount_over", "Ποσό μεγαλύτερο από το σύνολο του ειδοποιητηρίου"),
                    ("notice_cancelled", "Το ειδοποιητήριο έχει ακυρωθεί"),
                    ("notice_paid", "Το ειδοποιητήριο έχει ήδη εξοφληθεί"),
                    ("line_closed", "Οφειλή του ειδοποιητηρίου εξοφλήθηκε ή ρυθμίστηκε στο μεταξύ"),
                    ("line_corrected", "Οφειλή του ειδοποιητηρίου διορθώθηκε μετά την έκδοσή του"),
                    ("reversed", "Ακύρωση εξόφλησης"),
                    ("applied", "Εφαρμόστηκε από υπάλληλο"),
                    ("for_return", "Προς επιστροφή"),
                    ("own_transfer", "Χρήματα του Δήμου (δική του μεταφορά)"),
                ],
                max_length=24,
                verbose_name="αιτία",
            ),
        ),
        migrations.AddConstraint(
            model_name="unappliedentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("amount__gt", 0),
                        (
                            "reason__in",
                            [
                                "malformed_reference",
                                "no_notice",
                                "amount_short",
                                "amount_over",
                                "notice_cancelled",
                                "notice_paid",
                                "line_closed",
                                "line_corrected",
                                "reversed",
                            ],
                        ),
                    ),
                    models.Q(
                        ("amount__lt", 0), ("reason__in", ["applied", "for_return", "own_transfer"])
                    ),
                    _connector="OR",
                ),
                name="unapplied_sign_matches_reason",
            ),
        ),
        migrations.AddField(
            model_name="owntransfer",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="χρήστης",
            ),
        ),
        migrations.AddField(
            model_name="owntransfer",
            name="payment",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="own_transfer",
                to="payments.payment",
                verbose_name="πληρωμή",
            ),
        ),
        migrations.AddConstraint(
            model_name="owntransfer",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__gt", 0)), name="own_transfer_amount_positive"
            ),
        ),
        migrations.RunPython(create, drop),
    ]
