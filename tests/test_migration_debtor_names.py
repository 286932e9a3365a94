"""Debtors registered before names were kept as the registry keeps them get their names so by
migration, and are found by the admin's search typed any way."""

import pytest

from tests.migrations import migrate, migrated_back_to

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("debts", "0014_settlement_surcharge_by_code")]
AFTER = [("debts", "0015_debtor_names_as_registry")]


def test_names_stored_as_typed_are_kept_as_the_registry_keeps_them():
    with migrated_back_to(BEFORE) as apps:
        debtors = apps.get_model("debts", "Debtor").objects
        typed = debtors.create(
            afm="068933130", last_name="Παπαδοπούλου", first_name="Ελένη", father_name="Νίκος"
        )
        latin = debtors.create(afm="090000045", last_name="ΠAΠAΔOΠOYΛOΣ", first_name="ΓΙΩΡΓΟΣ")
        company = debtors.create(afm="094014298", kind="business", last_name="Market  Ltd")
        kept = debtors.create(afm="123456783", last_name="ΝΙΚΟΛΑΪΔΗΣ", first_name="ΠΕΤΡΟΣ")
        apart = debtors.create(afm="100000003", last_name="Ζάιμη-Smith", first_name="Ευάγγελος")

        debtors = migrate(AFTER).get_model("debts", "Debtor").objects

        def names(debtor):
            return debtors.values_list("last_name", "first_name", "father_name").get(pk=debtor.pk)

        assert names(typed) == ("ΠΑΠΑΔΟΠΟΥΛΟΥ", "ΕΛΕΝΗ", "ΝΙΚΟΣ")
        assert names(latin) == ("ΠΑΠΑΔΟΠΟΥΛΟΣ", "ΓΙΩΡΓΟΣ", "")
        assert names(company) == ("MARKET LTD", "", "")
        assert names(kept) == ("ΝΙΚΟΛΑΪΔΗΣ", "ΠΕΤΡΟΣ", "")
        # A page kept under the ledger's version shows the names anew; one unchanged keeps it.
        versions = dict(debtors.values_list("pk", "ledger_version"))
        assert (versions[typed.pk], versions[kept.pk]) == (typed.ledger_version + 1, 0)
        assert names(apart) == ("ΖΑΪΜΗ-SMITH", "ΕΥΑΓΓΕΛΟΣ", "")
