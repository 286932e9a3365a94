"""The overview's tables, made by ``{% debt_table %}``: what each cell says, in both languages,
written as Django's own localisation writes it, and every text escaped."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format, localize

from debts.selectors import debtor_overview
from debts.templatetags.rf_codes import rf_groups

AS_OF = date(2025, 6, 15)
TABLE = engines["django"].from_string("{% load ledger_tables %}{% debt_table group title id %}")


def render(group, title="Οφειλές", group_id="certified") -> str:
    return TABLE.render({"group": group, "title": title, "id": group_id})


def cells(html: str) -> dict[str, list[str]]:
    """The text of each labelled cell, by label."""
    found: dict[str, list[str]] = {}
    for label, text in re.findall(r'data-label="([^"]+)">(.*?)</td>', html):
        found.setdefault(label, []).append(text)
    return found


@pytest.mark.parametrize("language", ["el", "en"])
def test_each_cell_as_the_language_writes_it(make_debtor, make_everything, language):
    debtor = make_debtor()
    rows = make_everything(debtor)
    rows["certified"].principal = Decimal("1234.50")
    rows["certified"].save()
    overview = debtor_overview(debtor, AS_OF)
    [line] = overview.certified.lines
    with translation.override(language):
        html = render(overview.certified)
        period, due = ("Περίοδος", "Λήξη") if language == "el" else ("Period", "Due date")
        principal = "Κεφάλαιο" if language == "el" else "Principal"
        surcharge = "Προσαυξήσεις" if language == "el" else "Surcharges"
        total = "Σύνολο" if language == "el" else "Total"
        found = cells(html)
        assert found[due] == [date_format(line.debt.due_date, "SHORT_DATE_FORMAT")]
        assert found[period] == ["—"]
        assert found[principal] == [f"{localize(Decimal('1234.50'))}&nbsp;€"] * 2  # row, total
        assert line.surcharge > 0
        assert found[surcharge] == [f"{localize(line.surcharge)}&nbsp;€"] * 2
        assert found[total] == [f"{localize(Decimal('1234.50') + line.surcharge)}&nbsp;€"]
        assert localize(Decimal("1234.50")) == ("1234,50" if language == "el" else "1234.50")
        link = reverse("citizen:notice", args=[line.notice.pk])
        assert f'<a class="govgr-link" href="{link}"><span class="portal-rf">' in html
        assert rf_groups(line.notice.rf_code) in html
        footer = f'portal-total-amount">{localize(overview.certified.total)}&nbsp;€</td>'
        assert footer in html


def test_an_assessment_note_and_a_reference_are_named(make_debtor, make_everything):
    debtor = make_debtor()
    make_everything(debtor)
    overview = debtor_overview(debtor, AS_OF)
    with translation.override("el"):
        html = render(overview.assessment_notes, group_id="assessment-notes")
    assert '<span class="portal-muted">(βεβαιωτικό σημείωμα ΒΣ-9/2025)</span>' in html
    assert cells(html)["Περίοδος"] == ["2024"]
    assert 'id="assessment-notes"' in html


def test_text_is_escaped(make_debtor, make_debt):
    debtor = make_debtor()
    make_debt(debtor, "10.00", description='<script>alert("x")</script>', reference="<b>&")
    overview = debtor_overview(debtor, AS_OF)
    html = render(overview.uncertified, title="<i>τίτλος</i>", group_id='x" onclick="y')
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert 'title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"' in html
    assert "(&lt;b&gt;&amp;)" in html
    assert 'id="x&quot; onclick=&quot;y"' in html
