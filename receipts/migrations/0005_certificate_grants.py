"""Who does what with properties and certificates of no ΤΑΠ debt: revenue keeps the properties
and revokes a certificate issued in error; the cashier issues certificates by the rule; finance
reads and may revoke. Permissions are created first, as in payments migration 0007."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CASHIER = "Ταμείο"
REVENUE = "Τμήμα Εσόδων"
FINANCE = "Οικονομική Διεύθυνση"

READ = {
    "debts": {"view_property"},
    "receipts": {"view_certificate", "view_certificaterequest"},
}
GRANTS = {
    CASHIER: {"debts": READ["debts"], "receipts": READ["receipts"] | {"issue_certificate"}},
    REVENUE: {
        "debts": READ["debts"] | {"add_property", "change_property"},
        "receipts": READ["receipts"] | {"revoke_certificate"},
    },
    FINANCE: {"debts": READ["debts"], "receipts": READ["receipts"] | {"revoke_certificate"}},
}


def _permissions(apps, db, grants):
    Permission = apps.get_model("auth", "Permission")
    found = []
    for app_label, codenames in grants.items():
        rows = list(
            Permission.objects.using(db).filter(
                content_type__app_label=app_label, codename__in=codenames
            )
        )
        missing = codenames - {row.codename for row in rows}
        if missing:
            raise RuntimeError(f"Permissions missing: {sorted(missing)}")
        found += rows
    return found


def grant(apps, schema_editor):
    db = schema_editor.connection.alias
    for app_label in ("debts", "receipts"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        try:
            create_permissions(app_config, apps=apps, verbosity=0, using=db)
        finally:
            app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for name, grants in GRANTS.items():
        group, _ = Group.objects.using(db).get_or_create(name=name)
        group.permissions.add(*_permissions(apps, db, grants))


def revoke(apps, schema_editor):
    db = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.using(db).filter(name__in=GRANTS):
        group.permissions.remove(*_permissions(apps, db, GRANTS[group.name]))


class Migration(migrations.Migration):
    dependencies = [
        ("receipts", "0004_tap_certificates"),
        ("debts", "0011_properties"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
