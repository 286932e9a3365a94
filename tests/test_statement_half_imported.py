"""A bank file whose import stopped half-way (a worker lost, the database gone): the batches
committed stay, their receipts issued. The officer is told what they recorded, as a summary
of a whole file would: a second run skips them as imported, so no other output ever says
what was settled or held from them."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from payments import statement_import
from payments.models import Payment
from tests.bank_files import camt054, credit

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_stopped_import_says_what_the_batches_it_committed_recorded(
    make_notice, write, monkeypatch
):
    monkeypatch.setattr(statement_import, "BATCH_SIZE", 2)
    notices = [make_notice() for _ in range(4)]
    short = make_notice()
    entries = [credit(f"BR-{n}", x.total, x.rf_code) for n, x in enumerate(notices[:2])]
    entries += [credit("BR-SHORT", short.total - 1, short.rf_code)]
    entries += [credit(f"BR-{n}", x.total, x.rf_code) for n, x in enumerate(notices[2:], 2)]
    path = write(camt054(entries))
    real = statement_import.settle_many

    def failing_on_the_third_batch(arrivals, **options):
        if any("BR-3" in arrival.reference for arrival in arrivals):
            raise ValidationError("η σύνδεση με τη βάση χάθηκε")
        return real(arrivals, **options)

    monkeypatch.setattr(statement_import, "settle_many", failing_on_the_third_batch)
    out = io.StringIO()

    with pytest.raises(CommandError, match="δεν εισήχθη ολόκληρο"):
        call_command("import_bank_statement", path, stdout=out, no_progress=True, workers=1)

    assert Payment.objects.count() == 4
    output = out.getvalue()
    assert "Καταχωρίστηκαν πριν τη διακοπή: 4 από 5 κινήσεις" in output
    assert "Εξοφλήθηκαν: 3 (360,00 €)" in output
    assert "Αδιάθετα, Ποσό μικρότερο από το σύνολο του ειδοποιητηρίου: 1 (119,00 €)" in output
    assert "συμφωνεί" not in output, "no balance check of a file half-imported"
