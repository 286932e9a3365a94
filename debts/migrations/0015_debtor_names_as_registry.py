"""Debtors' names kept as the registry keeps them, as rolls, the admin and TaxisNet now write
them (``debts.models.registry_name``): a name stored with accents, in lower case or partly in
Latin look-alike letters was not found by the admin's search typed another way. A copy of the
rule as it stands today, so that a later change to it does not change this step."""

import re
import unicodedata

from django.db import migrations

LATIN_LOOK_ALIKES = str.maketrans("ABEHIKMNOPTXYZ", "ΑΒΕΗΙΚΜΝΟΡΤΧΥΖ")
GREEK_LETTER = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")
NAMES = ("last_name", "first_name", "father_name")


def _registry_name(name: str) -> str:
    capitals = unicodedata.normalize("NFD", " ".join(name.split()).upper()).replace("\u0301", "")
    words = unicodedata.normalize("NFC", capitals).split(" ")
    return " ".join(
        word.translate(LATIN_LOOK_ALIKES) if GREEK_LETTER.search(word) else word for word in words
    )


def names_as_registry(apps, schema_editor):
    Debtor = apps.get_model("debts", "Debtor")
    changed = []
    for debtor in Debtor.objects.only("pk", *NAMES).iterator(chunk_size=2000):
        names = {field: _registry_name(getattr(debtor, field)) for field in NAMES}
        if any(getattr(debtor, field) != value for field, value in names.items()):
            for field, value in names.items():
                setattr(debtor, field, value)
            changed.append(debtor)
        if len(changed) >= 2000:
            Debtor.objects.bulk_update(changed, NAMES)
            changed = []
    Debtor.objects.bulk_update(changed, NAMES)


class Migration(migrations.Migration):
    dependencies = [("debts", "0014_settlement_surcharge_by_code")]

    operations = [migrations.RunPython(names_as_registry, migrations.RunPython.noop)]
