"""A bank file is the statement of the account RF payments reach: a file of another account
(the municipality's payroll account, a file picked by mistake) is refused whole, since its
credits would become citizens' payments held in the queue, or receipts, that cannot be undone."""

from decimal import Decimal

import pytest
from django.core.management import CommandError

from payments.models import BankStatement, Payment, StatementEntry
from tests.bank_files import ACCOUNT, Entry, Tx, camt054, credit, mt940
from tests.test_bank_statement_import import run

pytestmark = pytest.mark.django_db

OTHER = "GR9608100010000001234567890"


def test_a_file_of_another_account_is_refused_and_changes_nothing(make_notice, write):
    notice = make_notice()
    entries = [
        credit("G-1", notice.total, notice.rf_code),
        credit("G-2", "250000.00", unstructured="ΚΑΠ ΔΕΚΕΜΒΡΙΟΥ"),
        Entry("G-D", [Tx(Decimal("30.00"), tx_id="D1")], debit=True),
    ]
    path = write(camt054(entries).replace(ACCOUNT, OTHER))

    with pytest.raises(CommandError, match=f"απορρίφθηκε.*{OTHER}.*BANK_STATEMENT_ACCOUNTS"):
        run(path)

    assert not Payment.objects.exists()
    assert not StatementEntry.objects.exists()
    assert not BankStatement.objects.exists()


def test_the_account_may_be_written_with_spaces_or_named_in_the_setting(settings, write):
    settings.MUNICIPALITY_IBAN = "GR16 0110 1250 0000 0001 2300 695"
    path = write(camt054([credit("S-1", "9.00")]))
    assert "Αδιάθετα" in run(path)

    settings.BANK_STATEMENT_ACCOUNTS = [ACCOUNT, OTHER]
    assert "Αδιάθετα" in run(write(camt054([credit("S-2", "9.00")]).replace(ACCOUNT, OTHER)))


def test_an_mt940_of_another_account_is_refused(write):
    path = write(mt940([("C", Decimal("9.00"), "BK-1", "ΤΕΛΗ")]).replace(ACCOUNT, OTHER))

    with pytest.raises(CommandError, match=OTHER):
        run(path)

    assert not Payment.objects.exists()
