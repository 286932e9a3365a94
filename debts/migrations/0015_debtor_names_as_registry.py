"""Debtors' names kept as the registry keeps them, as rolls, the admin and TaxisNet now write
them (``debts.models.registry_name``): a name stored with accents, in lower case or partly in
Latin look-alike letters was not found by the admin's search typed another way. A copy of the
rule as it stands today, so that a later change to it does not change this step."""

import re
import unicodedata

from django.db import migrations

_APART = re.compile("([ΑΕΟΥ]\u0301Ι|[ΑΕΗΟ]\u0301Υ)(?![\u0300-\u036f])")
LOOK_ALIKE_LATIN, LOOK_ALIKE_GREEK = "ABEHIKMNOPTXYZ", "ΑΒΕΗΙΚΜΝΟΡΤΧΥΖ"
LATIN_LOOK_ALIKES = str.maketrans(LOOK_ALIKE_LATIN, LOOK_ALIKE_GREEK)
GREEK_LOOK_ALIKES = str.maketrans(LOOK_ALIKE_GREEK, LOOK_ALIKE_LATIN)
GREEK_LETTER = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")
LETTERS = re.compile(r"[^\W\d_]+")
NAMES = ("last_name", "first_name", "father_name")


def _greek_capitals(text: str) -> str:
    decomposed = _APART.sub("\\g<1>\u0308", unicodedata.normalize("NFD", text.upper()))
    return unicodedata.normalize("NFC", decomposed.replace("\u0301", ""))


def _one_alphabet(run: str) -> str:
    greek = GREEK_LETTER.findall(run)
    if not greek:
        return run
    latin = [c for c in run if c.isascii()]
    as_greek = all(c in LOOK_ALIKE_LATIN for c in latin)
    as_latin = all(c in LOOK_ALIKE_GREEK for c in greek)
    if as_greek and as_latin:
        as_greek = len(greek) >= len(latin)
    if as_greek:
        return run.translate(LATIN_LOOK_ALIKES)
    if as_latin:
        return run.translate(GREEK_LOOK_ALIKES)
    return run


def _registry_name(name: str) -> str:
    return LETTERS.sub(lambda run: _one_alphabet(run[0]), _greek_capitals(" ".join(name.split())))


def names_as_registry(apps, schema_editor):
    Debtor = apps.get_model("debts", "Debtor")
    changed = []
    # The ledger version raised with the names: a citizen's page kept under it shows them anew.
    fields = (*NAMES, "ledger_version")
    for debtor in Debtor.objects.only("pk", *fields).iterator(chunk_size=2000):
        names = {field: _registry_name(getattr(debtor, field)) for field in NAMES}
        if any(getattr(debtor, field) != value for field, value in names.items()):
            for field, value in names.items():
                setattr(debtor, field, value)
            debtor.ledger_version += 1
            changed.append(debtor)
        if len(changed) >= 2000:
            Debtor.objects.bulk_update(changed, fields)
            changed = []
    Debtor.objects.bulk_update(changed, fields)


class Migration(migrations.Migration):
    dependencies = [("debts", "0014_settlement_surcharge_by_code")]

    operations = [migrations.RunPython(names_as_registry, migrations.RunPython.noop)]
