"""The names TaxisNet gives a new card are kept as the registry keeps names, so that the counter's
search finds the citizen however the cashier types the name."""

import pytest
from django.contrib.auth import get_user_model

from taxisnet_auth.services import Identity, tie_account
from tests.conftest import valid_afm

pytestmark = pytest.mark.django_db


def test_names_in_lower_case_with_accents_are_kept_in_capitals_without_them():
    user = get_user_model().objects.create_user(username="citizen")
    identity = Identity(
        afm=valid_afm(), last_name="Παπαδόπουλος", first_name="Γιώργος", father_name="Νικόλαος"
    )

    debtor = tie_account(user, identity)

    debtor.refresh_from_db()
    assert (debtor.last_name, debtor.first_name, debtor.father_name) == (
        "ΠΑΠΑΔΟΠΟΥΛΟΣ",
        "ΓΙΩΡΓΟΣ",
        "ΝΙΚΟΛΑΟΣ",
    )
