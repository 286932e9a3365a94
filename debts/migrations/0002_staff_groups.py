"""The municipality's staff groups and what each may do with the receivables.

Group names are data, not text for translation: they are the stable identifiers by which later
migrations (payments, receipts) grant their own permissions to the same groups.

Permissions are normally created after ``migrate`` (post_migrate), too late for this migration
on a fresh database, so it creates the permissions of ``debts`` first (the known pattern: an app
config of the migration state has no models module, so one is pretended for the call).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CASHIER = "Ταμείο"
REVENUE = "Τμήμα Εσόδων"
FINANCE = "Οικονομική Διεύθυνση"

VIEW = ("view",)
EDIT = ("add", "change", "view")

# model name -> actions. The status-change records are seen wherever their owner is seen (the
# admin shows them inline), and notice lines wherever notices are.
GRANTS = {
    CASHIER: {
        "debtor": ("change", "view"),  # the cashier keeps contact details up to date
        "debt": VIEW,
        "debtchange": VIEW,
        "paymentnotice": ("add", "view"),  # issues a notice at the counter
        "noticeitem": VIEW,
        "noticechange": VIEW,
        "settlement": VIEW,
        "settlementchange": VIEW,
        "installment": VIEW,
        "installmentchange": VIEW,
        "revenuetype": VIEW,
        "paravolotype": VIEW,
    },
    REVENUE: {
        "debtor": EDIT,
        "debt": EDIT,
        "debtchange": VIEW,
        "certificationroll": EDIT,
        "assessmentnote": EDIT,
        "settlementscheme": EDIT,
        "settlement": EDIT,
        "settlementchange": VIEW,
        "installment": VIEW,
        "installmentchange": VIEW,
        "revenuetype": EDIT,
        "paravolotype": EDIT,
        # Revenue may cancel a notice (the one change staff make to one), freeing its debts.
        "paymentnotice": EDIT,
        "noticeitem": VIEW,
        "noticechange": VIEW,
    },
}


def create_debts_permissions(apps, schema_editor):
    app_config = apps.get_app_config("debts")
    app_config.models_module = True
    try:
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    finally:
        app_config.models_module = None


def create_staff_groups(apps, schema_editor):
    db = schema_editor.connection.alias
    create_debts_permissions(apps, schema_editor)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    debts_permissions = Permission.objects.using(db).filter(content_type__app_label="debts")

    wanted = {
        name: {f"{action}_{model}" for model, actions in grants.items() for action in actions}
        for name, grants in GRANTS.items()
    }
    for name, codenames in wanted.items():
        permissions = list(debts_permissions.filter(codename__in=codenames))
        missing = codenames - {permission.codename for permission in permissions}
        if missing:
            raise RuntimeError(f"Permissions missing for group {name}: {sorted(missing)}")
        group, _ = Group.objects.using(db).get_or_create(name=name)
        group.permissions.add(*permissions)

    # Finance reads everything in debts, the audit history included.
    finance, _ = Group.objects.using(db).get_or_create(name=FINANCE)
    finance.permissions.add(*debts_permissions.filter(codename__startswith="view_"))


def delete_staff_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(
        name__in=[CASHIER, REVENUE, FINANCE]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("debts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_staff_groups, delete_staff_groups),
    ]
