"""Finance (Οικονομική Διεύθυνση) reads the bank statements imported and their entries; the
permissions are created first, as in migration 0007."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

FINANCE = "Οικονομική Διεύθυνση"
CODENAMES = {"view_bankstatement", "view_statemententry"}


def _permissions(apps, schema_editor):
    app_config = apps.get_app_config("payments")
    app_config.models_module = True
    db = schema_editor.connection.alias
    try:
        create_permissions(app_config, apps=apps, verbosity=0, using=db)
    finally:
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    found = list(
        Permission.objects.using(db).filter(
            content_type__app_label="payments", codename__in=CODENAMES
        )
    )
    if {p.codename for p in found} != CODENAMES:
        raise RuntimeError(f"Permissions missing: {sorted(CODENAMES)}")
    return found


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.using(schema_editor.connection.alias).get_or_create(name=FINANCE)
    group.permissions.add(*_permissions(apps, schema_editor))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.using(schema_editor.connection.alias).filter(name=FINANCE):
        group.permissions.remove(*_permissions(apps, schema_editor))


class Migration(migrations.Migration):
    dependencies = [("payments", "0011_finance_refunds_card_payments")]

    operations = [migrations.RunPython(grant, revoke)]
