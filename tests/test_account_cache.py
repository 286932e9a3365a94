"""The logged-in account is read from the database with its debtor card on every request
(``thermi_portal.auth_backends``), never from a cache: a password changed, an account
deactivated, a card tied or moved to another account counts from the very next request.
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from debts.models import Debtor

pytestmark = pytest.mark.django_db(transaction=True)


def overview(client):
    return client.get(reverse("citizen:overview"))


def sent_to_log_in(response) -> bool:
    return response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_the_account_and_its_card_are_one_query(citizen_client, django_assert_num_queries):
    assert overview(citizen_client).status_code == 200  # the page is now kept
    with django_assert_num_queries(2) as context:  # the session, then the account and card
        assert overview(citizen_client).status_code == 200
    assert "debts_debtor" in context.captured_queries[1]["sql"]


def test_a_new_password_ends_the_other_sessions_at_once(citizen_client):
    assert overview(citizen_client).status_code == 200  # the page is now kept
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
    assert overview(client).status_code == 403  # no card yet

    debtor = make_debtor()
    debtor.user = user
    debtor.save(update_fields=["user"])

    response = overview(client)
    assert response.status_code == 200
    assert debtor.afm in response.content.decode()
