"""Those who read what became of money (Τμήμα Εσόδων, Οικονομική Διεύθυνση: ``READ_MONEY`` of
migration 0007) read the municipality's own transfers too, on a payment's page; the permission
is created first, as there."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ("Τμήμα Εσόδων", "Οικονομική Διεύθυνση")
CODENAME = "view_owntransfer"


def _permission(apps, schema_editor):
    app_config = apps.get_app_config("payments")
    app_config.models_module = True
    db = schema_editor.connection.alias
    try:
        create_permissions(app_config, apps=apps, verbosity=0, using=db)
    finally:
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.using(db).get(content_type__app_label="payments", codename=CODENAME)


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    permission = _permission(apps, schema_editor)
    for name in GROUPS:
        group, _ = Group.objects.using(schema_editor.connection.alias).get_or_create(name=name)
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    permission = _permission(apps, schema_editor)
    for group in Group.objects.using(schema_editor.connection.alias).filter(name__in=GROUPS):
        group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [("payments", "0019_own_transfers")]

    operations = [migrations.RunPython(grant, revoke)]
