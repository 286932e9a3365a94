"""Defects found reviewing the day's changes as the engineer who keeps them: each test fails on
the code as it was reviewed."""

import pytest

from debts.models import registry_name


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        # A double surname of two alphabets: the Latin part is Latin, whatever the hyphen joins.
        ("Παπαδοπούλου-Smith", "ΠΑΠΑΔΟΠΟΥΛΟΥ-SMITH"),
        ("Smith-Παπαδοπούλου", "SMITH-ΠΑΠΑΔΟΠΟΥΛΟΥ"),
        ("O'Brien-Κωνσταντίνου", "O'BRIEN-ΚΩΝΣΤΑΝΤΙΝΟΥ"),
        # A part typed on the Latin keyboard beside a Greek one is still read as Greek.
        ("ΠAΠAΔOΠOYΛOY-ΜΑΡΙΝΟΥ", "ΠΑΠΑΔΟΠΟΥΛΟΥ-ΜΑΡΙΝΟΥ"),
        ("Νικολαΐδης", "ΝΙΚΟΛΑΪΔΗΣ"),
    ],
)
def test_a_name_of_two_alphabets_joined_by_a_hyphen_keeps_each_its_own(typed, kept):
    """registry_name read a whole word as Greek when any letter of it was, so the Latin half of
    a hyphenated name became Greek look-alikes («SΜΙΤΗ»): the card showed a name nobody has,
    and the cashier typing «Smith» found nobody."""
    assert registry_name(typed) == kept
