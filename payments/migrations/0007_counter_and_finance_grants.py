"""What each staff group may do with money: the cashier takes payments at the counter, finance
resolves unapplied money and reverses receipts, revenue only reads.

The groups are those of ``debts`` migration 0002. Permissions are created first, as there: on a
fresh database they would otherwise appear only after ``migrate`` (post_migrate).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CASHIER = "Ταμείο"
REVENUE = "Τμήμα Εσόδων"
FINANCE = "Οικονομική Διεύθυνση"

READ_MONEY = {
    "payments": {"view_payment", "view_allocation", "view_unappliedentry", "view_paymentreturn"},
    "receipts": {"view_receipt"},
}
GRANTS = {
    CASHIER: {
        "payments": {"take_counter_payment", "view_payment"},
        "receipts": {"view_receipt"},
    },
    REVENUE: READ_MONEY,
    FINANCE: {
        "payments": READ_MONEY["payments"] | {"resolve_unapplied", "reverse_receipt"},
        # Finance looks at any cashier's day at the counter.
        "receipts": READ_MONEY["receipts"] | {"view_cash_day"},
    },
}


def _create_permissions(apps, schema_editor, app_label):
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True
    try:
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    finally:
        app_config.models_module = None


def _granted(apps, db, name, grants):
    Permission = apps.get_model("auth", "Permission")
    found = []
    for app_label, codenames in grants.items():
        permissions = list(
            Permission.objects.using(db).filter(
                content_type__app_label=app_label, codename__in=codenames
            )
        )
        missing = codenames - {permission.codename for permission in permissions}
        if missing:
            raise RuntimeError(f"Permissions missing for group {name}: {sorted(missing)}")
        found += permissions
    return found


def grant(apps, schema_editor):
    db = schema_editor.connection.alias
    for app_label in ("payments", "receipts"):
        _create_permissions(apps, schema_editor, app_label)
    Group = apps.get_model("auth", "Group")
    for name, grants in GRANTS.items():
        group, _ = Group.objects.using(db).get_or_create(name=name)
        group.permissions.add(*_granted(apps, db, name, grants))


def revoke(apps, schema_editor):
    """Take back what ``grant`` gave, except what migration 0002 had given already."""
    db = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.using(db).filter(name__in=GRANTS):
        granted = _granted(apps, db, group.name, GRANTS[group.name])
        group.permissions.remove(*[p for p in granted if p.codename != "view_payment"])


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0006_unappliedpayment"),
        ("debts", "0002_staff_groups"),
        ("receipts", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
