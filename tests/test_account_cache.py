"""The logged-in account, kept with its debtor card in the cache (``thermi_portal.auth_backends``),
changes the moment it or its card does: a password changed, an account deactivated, a card tied
or moved to another account.

These tests commit (a transactional database), as a real request does: inside a transaction the
cache is not used, and bumps wait for the commit.
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from debts.models import Debtor
from thermi_portal.auth_backends import AccountWithCardFromTheCache

pytestmark = pytest.mark.django_db(transaction=True)


def overview(client):
    return client.get(reverse("citizen:overview"))


def sent_to_log_in(response) -> bool:
    return response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_the_account_is_read_once_then_taken_from_the_cache(citizen_client, monkeypatch):
    loads = []
    load = AccountWithCardFromTheCache._load
    monkeypatch.setattr(
        AccountWithCardFromTheCache, "_load", staticmethod(lambda pk: loads.append(pk) or load(pk))
    )
    for _ in range(3):
        assert overview(citizen_client).status_code == 200
    assert loads == [citizen_client.debtor.user_id]


def test_a_new_password_ends_the_other_sessions_at_once(citizen_client):
    assert overview(citizen_client).status_code == 200  # the account is now in the cache
    user = get_user_model().objects.get(pk=citizen_client.debtor.user_id)
    user.set_password("a-new-password-of-the-citizen")
    user.save()

    assert sent_to_log_in(overview(citizen_client))


def test_a_deactivated_account_is_logged_out_at_once(citizen_client):
    assert overview(citizen_client).status_code == 200
    user = get_user_model().objects.get(pk=citizen_client.debtor.user_id)
    user.is_active = False
    user.save(update_fields=["is_active"])

    assert sent_to_log_in(overview(citizen_client))


def test_a_card_moved_to_another_account_leaves_the_first_at_once(
    citizen_client, django_user_model
):
    debtor = citizen_client.debtor
    assert debtor.afm in overview(citizen_client).content.decode()
    # An account with no card yet, to which the Ταμείο then ties this one by hand.
    other = django_user_model.objects.create_user(username="heir", password="x-y-z-123456")

    card = Debtor.objects.get(pk=debtor.pk)
    card.user = other
    card.save()

    response = overview(citizen_client)
    assert response.status_code == 403
    assert debtor.afm not in response.content.decode()
    new_owner = Client()
    new_owner.force_login(other)
    assert debtor.afm in overview(new_owner).content.decode()


def test_a_card_tied_to_a_logged_in_account_shows_at_once(client, make_debtor, django_user_model):
    user = django_user_model.objects.create_user(username="tameio2", password="x-y-z-123456")
    client.force_login(user)
    assert overview(client).status_code == 403  # no card yet, and that answer is cached

    debtor = make_debtor()
    debtor.user = user
    debtor.save(update_fields=["user"])

    response = overview(client)
    assert response.status_code == 200
    assert debtor.afm in response.content.decode()
