"""Receipts in the staff admin: found however staff type what they have, read, never changed,
and their PDF served to staff who may view receipts."""

import io
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from receipts.services import ReceiptLine, issue_receipt, issue_reversal
from receipts.verification import grouped_code

LINES = [
    ReceiptLine(
        revenue_code="0311",
        revenue_name="Τέλη καθαριότητας και φωτισμού",
        description="ΤΚΦ 2024",
        period="2024",
        principal=Decimal("100.00"),
        surcharge=Decimal("23.50"),
    ),
    ReceiptLine(
        revenue_code="1699",
        revenue_name="Παράβολα",
        description="Παράβολο ένστασης <κατά προστίμου>",
        period="",
        principal=Decimal("20.00"),
        surcharge=Decimal("0"),
    ),
]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def issue(debtor, series="counter"):
    with transaction.atomic():
        return issue_receipt(
            series=series,
            debtor=debtor,
            lines=LINES,
            channel=series,
            channel_label="Ταμείο του Δήμου",
            channel_reference="Ταμείο 1",
            received_at=timezone.now(),
        )


@pytest.fixture
def receipt(make_debtor):
    return issue(make_debtor(afm="068933130", last_name="ΒΑΒΟΥΛΑ", first_name="ΕΥΤΥΧΙΑ"))


@pytest.fixture
def others(make_debtor):
    return [issue(make_debtor(), series="card") for _ in range(3)]


def changelist(client, **query):
    response = client.get(reverse("admin:receipts_receipt_changelist"), query)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_the_list_shows_each_receipt_with_a_link_to_its_pdf(admin_client, receipt, others):
    response = admin_client.get(reverse("admin:receipts_receipt_changelist"))

    html = response.content.decode()
    assert receipt.display_number in html
    assert "ΒΑΒΟΥΛΑ ΕΥΤΥΧΙΑ (068933130)" in html
    assert reverse("admin:receipts_receipt_pdf", args=[receipt.pk]) in html
    assert reverse("admin:receipts_receipt_add") not in html


@pytest.mark.parametrize(
    "typed",
    [
        lambda receipt: receipt.display_number,
        lambda receipt: receipt.display_number.replace("ΤΜ", "tm"),  # Latin look-alikes
        lambda receipt: "068933130",
        lambda receipt: "βαβουλα",
        lambda receipt: grouped_code(receipt.verification_code).lower(),
    ],
)
def test_search_by_number_afm_name_or_code(admin_client, receipt, others, typed):
    assert changelist(admin_client, q=typed(receipt)) == [receipt]


def test_a_number_without_its_series_finds_it_in_every_series(admin_client, receipt, others):
    both = {receipt, others[0]}
    assert {r.display_number[-1] for r in both} == {"1"}
    assert set(changelist(admin_client, q=f"{receipt.year}/{receipt.number}")) == both
    assert set(changelist(admin_client, q="1")) == both
    assert changelist(admin_client, q=f"ΚΡ-{receipt.year}/2") == [others[1]]


def test_filters(admin_client, receipt, others):
    assert changelist(admin_client, series__exact="counter") == [receipt]
    assert len(changelist(admin_client, channel="card")) == 3
    assert len(changelist(admin_client, year=str(receipt.year))) == 4


def test_the_detail_page_shows_the_lines_as_a_table_and_changes_nothing(admin_client, receipt):
    with transaction.atomic():
        reversal = issue_reversal(receipt, reason="Λάθος ποσό")
    url = reverse("admin:receipts_receipt_change", args=[receipt.pk])

    html = admin_client.get(url).content.decode()
    assert "<table>" in html and "Τέλη καθαριότητας και φωτισμού" in html
    assert "Παράβολο ένστασης &lt;κατά προστίμου&gt;" in html
    assert "123,50" in html
    assert grouped_code(receipt.verification_code) in html
    assert reversal.display_number in html
    assert 'name="_save"' not in html
    assert admin_client.post(url, {}).status_code == 403
    delete = reverse("admin:receipts_receipt_delete", args=[receipt.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403


@pytest.fixture
def staff(django_user_model):
    def make(group_name: str | None):
        user = django_user_model.objects.create_user(
            username=f"staff-{group_name}", password="x", is_staff=True
        )
        if group_name:
            user.groups.add(Group.objects.get(name=group_name))
        TOTP.activate(user, generate_totp_secret())
        return user

    return make


@pytest.mark.parametrize("group", ["Ταμείο", "Τμήμα Εσόδων", "Οικονομική Διεύθυνση"])
def test_every_staff_group_reads_receipts_and_their_pdf(client, staff, receipt, group):
    client.force_login(staff(group))

    assert changelist(client) == [receipt]
    response = client.get(reverse("admin:receipts_receipt_pdf", args=[receipt.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content)
    assert receipt.display_number in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_staff_without_the_right_get_no_pdf(client, staff, receipt):
    client.force_login(staff(None))
    assert client.get(reverse("admin:receipts_receipt_pdf", args=[receipt.pk])).status_code == 403


def test_the_pdf_view_is_for_staff_only(citizen_client, receipt):
    url = reverse("admin:receipts_receipt_pdf", args=[receipt.pk])
    assert Client().get(url).status_code == 302
    assert citizen_client.get(url).status_code == 302
