"""The account pages look and read like the rest of the portal: one h1, every field labelled,
errors summarised with links to their fields, TaxisNet offered first, Greek or English."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.conftest import CITIZEN_PASSWORD

pytestmark = pytest.mark.django_db


def assert_accessible_form_page(html: str) -> None:
    """One h1, and every visible input, select and textarea has a label tied to it by id."""
    assert len(re.findall(r"<h1[ >]", html)) == 1
    labels = set(re.findall(r'<label[^>]* for="([^"]+)"', html))
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        if re.search(r'type="(hidden|submit)"', tag):
            continue
        (field_id,) = re.findall(r'\sid="([^"]+)"', tag)
        assert field_id in labels, tag
        assert "placeholder=" not in tag, tag


def test_the_login_page_offers_taxisnet_first_then_email_and_password(client):
    html = client.get(reverse("account_login")).content.decode()

    assert_accessible_form_page(html)
    taxisnet = html.index(f'action="{reverse("taxisnet_login")}"')
    password = html.index(f'action="{reverse("account_login")}"')
    assert taxisnet < password
    assert re.search(r'<form method="post" action="/accounts/taxisnet/login/">', html)
    assert "Σύνδεση με TaxisNet" in html
    assert 'class="govgr-input"' in html
    assert f'href="{reverse("account_reset_password")}"' in html


def test_the_login_page_in_english(client):
    response = client.get("/en/accounts/login/")
    assert '<html lang="en">' in response.content.decode()


def test_login_errors_are_summarised_and_tied_to_their_fields(client):
    html = client.post(reverse("account_login"), {"login": "", "password": ""}).content.decode()

    assert 'class="govgr-error-summary" role="alert"' in html
    assert 'href="#id_login"' in html
    assert 'aria-describedby="id_login_error"' in html
    assert 'id="id_login_error"' in html
    assert_accessible_form_page(html)


def test_a_wrong_password_is_a_summarised_error(client, make_citizen):
    citizen = make_citizen()
    html = client.post(
        reverse("account_login"), {"login": citizen.email, "password": "wrong"}
    ).content.decode()
    assert "govgr-error-summary" in html


@pytest.mark.parametrize(
    "name",
    [
        "account_email",
        "account_change_password",
        "mfa_index",
        "account_logout",
        "socialaccount_connections",
    ],
)
def test_the_account_pages_of_a_citizen(client, make_citizen, name):
    client.post(
        reverse("account_login"), {"login": make_citizen().email, "password": CITIZEN_PASSWORD}
    )
    response = client.get(reverse(name))

    assert response.status_code == 200
    html = response.content.decode()
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert 'aria-labelledby="account-nav-title"' in html
    assert f'href="{reverse("mfa_index")}"' in html


@pytest.mark.parametrize(
    "name", ["account_reset_password", "account_signup", "account_reset_password_done"]
)
def test_the_entrance_pages(client, name):
    html = client.get(reverse(name)).content.decode()
    assert_accessible_form_page(html)


def test_a_password_reset_for_an_unknown_email_says_how_accounts_are_opened(client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.gr"})

    assert response["Location"] == reverse("account_reset_password_done")
    (message,) = mail.outbox
    assert message.subject == "Δεν υπάρχει λογαριασμός με αυτό το email"
    assert "TaxisNet" in message.body
    assert "Δήμος Θέρμης" in message.body


def test_a_password_reset_mail_in_greek(client, make_citizen):
    citizen = make_citizen()
    client.post(reverse("account_reset_password"), {"email": citizen.email})

    (message,) = mail.outbox
    assert message.subject == "Νέος κωδικός πρόσβασης"
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", message.body)
    html = client.get(link.group(1), follow=True).content.decode()
    assert "Ορίστε νέο κωδικό πρόσβασης" in html
    assert_accessible_form_page(html)
