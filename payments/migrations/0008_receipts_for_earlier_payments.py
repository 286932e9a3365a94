"""Payments recorded before receipts existed get what ``settle`` gives every payment now: their
debtor, an allocation per line of the notice they paid (its frozen amounts), and a receipt,
numbered in its channel's series in the order the money was received; so ``check_ledger`` holds
for the whole history.

Such a payment always paid its notice exactly (the old service refused anything else). The
append-only trigger is set aside for the one column this fills in, on PostgreSQL.
"""

import secrets

from django.db import migrations

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CHANNEL_LABELS = {
    "bank": "Τράπεζα (RF μέσω ΔΙΑΣ)",
    "card": "Κάρτα",
    "counter": "Ταμείο του Δήμου",
}


def _period(debt) -> str:
    ends = [day for day in (debt.period_start, debt.period_end) if day]
    return "–".join(day.strftime("%d/%m/%Y") for day in ends)


def _lines(items):
    for item in items:
        if item.debt_id:
            debt = item.debt
            yield (
                item,
                {
                    "revenue_code": debt.revenue_type.code,
                    "revenue_name": debt.revenue_type.name,
                    "description": debt.description,
                    "period": _period(debt),
                },
            )
        else:
            installment = item.installment
            codes = sorted({d.revenue_type.code for d in installment.settlement.debts.all()})
            yield (
                item,
                {
                    "revenue_code": ", ".join(codes),
                    "revenue_name": "Ρύθμιση οφειλών",
                    "description": (
                        f"Δόση {installment.number} της ρύθμισης {installment.settlement.number}"
                    ),
                    "period": installment.due_date.strftime("%d/%m/%Y"),
                },
            )


def give_receipts(apps, schema_editor):
    Payment = apps.get_model("payments", "Payment")
    Allocation = apps.get_model("payments", "Allocation")
    Receipt = apps.get_model("receipts", "Receipt")
    ReceiptCounter = apps.get_model("receipts", "ReceiptCounter")
    NoticeItem = apps.get_model("debts", "NoticeItem")
    earlier = (
        Payment.objects.filter(allocations__isnull=True, unapplied_entries__isnull=True)
        .select_related("notice__debtor")
        .order_by("received_at", "pk")
    )
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute("ALTER TABLE payments_payment DISABLE TRIGGER USER", params=None)
    for payment in earlier:
        notice = payment.notice
        Payment.objects.filter(pk=payment.pk).update(debtor_id=notice.debtor_id)
        year = payment.received_at.year
        counter, _ = ReceiptCounter.objects.get_or_create(
            series=payment.channel, year=year, defaults={"last_number": 0}
        )
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
        items = NoticeItem.objects.filter(notice=notice).select_related(
            "debt__revenue_type", "installment__settlement"
        )
        lines = list(_lines(items.order_by("pk")))
        debtor = notice.debtor
        receipt = Receipt.objects.create(
            series=payment.channel,
            year=year,
            number=counter.last_number,
            verification_code="".join(secrets.choice(ALPHABET) for _ in range(12)),
            debtor=debtor,
            payer_afm=debtor.afm,
            payer_name=" ".join(p for p in (debtor.last_name, debtor.first_name) if p),
            channel=payment.channel,
            channel_label=CHANNEL_LABELS[payment.channel],
            channel_reference=payment.reference,
            received_at=payment.received_at,
            issued_at=payment.recorded_at,
            cashier_id=payment.recorded_by_id if payment.channel == "counter" else None,
            notice_rf=notice.rf_code,
            total=notice.total,
            lines=[
                {**text, "principal": str(item.principal), "surcharge": str(item.surcharge)}
                for item, text in lines
            ],
        )
        Allocation.objects.bulk_create(
            Allocation(
                payment=payment,
                receipt=receipt,
                notice=notice,
                debt_id=item.debt_id,
                installment_id=item.installment_id,
                principal=item.principal,
                surcharge=item.surcharge,
                at=payment.recorded_at,
            )
            for item, _ in lines
        )
    if postgresql:
        # The foreign keys' deferred checks must run before the table is altered again.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE", params=None)
        schema_editor.execute("ALTER TABLE payments_payment ENABLE TRIGGER USER", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0007_counter_and_finance_grants"),
        ("receipts", "0001_initial"),
        ("debts", "0010_notice_debtor_never_changes"),
    ]

    operations = [migrations.RunPython(give_receipts, migrations.RunPython.noop)]
