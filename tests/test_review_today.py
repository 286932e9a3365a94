"""Defects found reviewing the day's changes as the engineer who keeps them: each test fails on
the code as it was reviewed."""

import pytest

from debts.models import registry_name
from tests.test_counter import staff_user  # noqa: F401 (fixture)


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


def test_a_return_whose_id_and_amount_two_credits_carry_names_both(make_notice, write):
    """A citizen paid one RF twice from e-banking, which sent the RF as the end-to-end id of
    both credits: the first paid the notice (a receipt), the second is held. The bank takes one
    back under that id: the summary named only the oldest credit, telling finance to reverse a
    receipt for money that may well be the held duplicate's; it now names both, to be checked
    with the bank."""
    from payments.models import Payment
    from tests.bank_files import Entry, Tx, camt054
    from tests.test_bank_statement_import import run

    notice = make_notice()
    paid_twice = Tx(notice.total, rf=notice.rf_code, end_to_end=notice.rf_code)
    run(write(camt054([Entry("C-1", [paid_twice]), Entry("C-2", [paid_twice])]), "monday.xml"))
    first, second = Payment.objects.order_by("pk")
    assert first.statement_entry.transaction_id == second.statement_entry.transaction_id
    taken_back = Entry(
        "R-1", [Tx(notice.total, end_to_end=notice.rf_code)], debit=True, reversal=True
    )

    output = run(write(camt054([taken_back], message_id="NTF-2"), "tuesday.xml"))

    told = output.split("Αντιλογισμοί πιστώσεων")[1]
    assert first.reference in told
    assert second.reference in told


def test_a_credit_and_its_return_in_other_batches_are_traced_whichever_commits_first(
    make_notice, write
):
    """A credit and the bank's reversal of it in one file (a recall booked the same day), in
    different batches: the return looked for its credit as its own batch committed, so when
    that batch came first (with workers, whichever process commits first) the credit was not
    there yet, and the money the bank took back stood in a receipt without a word."""
    from payments import statement_import
    from payments.models import Payment
    from tests.bank_files import Entry, Tx, camt054

    notice = make_notice()
    path = write(
        camt054(
            [
                Entry("R-1", [Tx(notice.total, tx_id="T-1")], debit=True, reversal=True),
                Entry("C-1", [Tx(notice.total, rf=notice.rf_code, tx_id="T-1")]),
            ]
        )
    )

    summary = statement_import.import_bank_statement(path, batch_size=1)

    payment = Payment.objects.get()
    assert [pks for *_return, pks in summary.taken_back] == [(payment.pk,)]


def test_the_cashier_finds_a_name_typed_partly_on_the_latin_keyboard(
    client,
    staff_user,  # noqa: F811
):
    """Names are kept as ``registry_name`` makes them, a word typed partly on the Latin keyboard
    in Greek letters; the search folded the term with ``greek_capitals`` only, so the cashier
    making the same slip the roll was forgiven («ΠAΠAΔOΠOYΛOY», A, O, Y Latin) was told no
    debtor was found."""
    from debts.models import Debtor
    from tests.conftest import valid_afm
    from tests.test_counter import CASHIER, counter_url

    debtor = Debtor.objects.create(afm=valid_afm(), last_name="ΠΑΠΑΔΟΠΟΥΛΟΥ", first_name="ΜΑΡΙΑ")
    client.force_login(staff_user(CASHIER))

    response = client.get(counter_url(), {"q": "ΠAΠAΔOΠOYΛOY"})

    assert response.get("Location") == counter_url("counter_debtor", debtor.pk)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        # A Latin name with a letter typed on the Greek keyboard (Η, ο) is the Latin name.
        ("\u0397elen", "HELEN"),
        ("J\u03bfhn Smith", "JOHN SMITH"),
        # Letters of both alphabets that look like no letter of the other: kept as typed,
        # never made into a third spelling.
        ("Παπαδopoulos", "ΠΑΠΑΔOPOULOS"),
    ],
)
def test_a_latin_name_with_a_greek_look_alike_is_not_made_greek(typed, kept):
    """registry_name made any run with a Greek letter Greek: «Ηelen» (Η typed on the Greek
    keyboard) became «ΗΕLΕΝ», a name in two alphabets that neither «Helen» nor «Ελεν» finds."""
    assert registry_name(typed) == kept


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Ζάιμης", "ΖΑΪΜΗΣ"),  # the accent parts α and ι: in capitals the dialytika does
        ("Λάιος", "ΛΑΪΟΣ"),
        ("Μπόικος", "ΜΠΟΪΚΟΣ"),
        ("Κάουφμαν", "ΚΑΟΥΦΜΑΝ"),  # ά and ου are apart anyway
        ("Αίγινα", "ΑΙΓΙΝΑ"),  # the accent on the diphthong's second letter: one sound
        ("Ευάγγελος", "ΕΥΑΓΓΕΛΟΣ"),
        ("Νικολαΐδης", "ΝΙΚΟΛΑΪΔΗΣ"),
    ],
)
def test_capitals_keep_two_vowels_apart_where_the_accent_kept_them(typed, kept):
    """greek_capitals dropped the accent of «Ζάιμης» and nothing took its place: ΖΑΙΜΗΣ reads
    «Zemis», another name, where the registry (and the citizen's own papers) write ΖΑΪΜΗΣ, which
    the cashier typing it from those papers did not find."""
    assert registry_name(typed) == kept
