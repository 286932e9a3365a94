"""Every staff group reads receipts (the cashier finds one for a citizen at the counter); none
writes them: only the services issue a receipt, and only a reversing receipt cancels one."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ("Ταμείο", "Τμήμα Εσόδων", "Οικονομική Διεύθυνση")


def grant_view(apps, schema_editor):
    db = schema_editor.connection.alias
    app_config = apps.get_app_config("receipts")
    app_config.models_module = True
    try:
        create_permissions(app_config, apps=apps, verbosity=0, using=db)
    finally:
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.using(db).get(
        content_type__app_label="receipts", codename="view_receipt"
    )
    for group in Group.objects.using(db).filter(name__in=GROUPS):
        group.permissions.add(view)


def revoke_view(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.using(schema_editor.connection.alias).filter(
        content_type__app_label="receipts", codename="view_receipt"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("receipts", "0001_initial"),
        ("debts", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(grant_view, revoke_view)]
