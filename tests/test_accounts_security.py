"""What guards the accounts: the admin behind allauth's login and a second factor for staff,
optional TOTP for citizens, limits on failed logins, no account opened without TaxisNet."""

from types import SimpleNamespace

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal import auth as totp_auth
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from allauth.mfa.utils import decrypt
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.conftest import CITIZEN_PASSWORD
from thermi_portal import demo

pytestmark = pytest.mark.django_db

STAFF_PASSWORD = "Ταμείο-Θέρμης-2026"


@pytest.fixture(autouse=True)
def fresh_limits(settings):
    """Rate limits and used TOTP codes live in the cache: each test starts without them."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_staff(django_user_model):
    """A cashier who logs in with a verified email, with or without a TOTP secret."""

    def make(totp_secret: str | None = None):
        user = django_user_model.objects.create_user(
            "tameio", "tameio@example.org", STAFF_PASSWORD, is_staff=True
        )
        user.groups.add(Group.objects.get(name="Ταμείο"))
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        if totp_secret:
            TOTP.activate(user, totp_secret)
        return user

    return make


TOTP_NOW = 1_790_000_010  # where allauth's TOTP clock is stopped for these tests


@pytest.fixture(autouse=True)
def stopped_totp_clock(monkeypatch):
    """A code the test computes is checked in the same 30-second period, however slow the run:
    on a real clock a request that crosses a period boundary fails now and then."""
    monkeypatch.setattr(totp_auth, "time", SimpleNamespace(time=lambda: TOTP_NOW))


def current_code(secret: str, periods_ago: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, TOTP_NOW // 30 - periods_ago))


def reauthenticate(client, password: str, next_url: str):
    """allauth asks for the password again before a second factor is added."""
    return client.post(reverse("account_reauthenticate"), {"password": password, "next": next_url})


def log_in(client, email: str, password: str, next_url: str = ""):
    data = {"login": email, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("account_login"), data)


# --- The admin ------------------------------------------------------------------------------


def test_the_admin_login_is_allauths_login(client):
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('account_login')}?next=%2Fadmin%2F"
    assert "Σύνδεση στην πύλη πληρωμών" in response.content.decode()


def test_staff_without_totp_are_sent_to_activate_one_before_any_admin_page(client, make_staff):
    client.force_login(make_staff())

    for url in (reverse("admin:index"), reverse("admin:debts_debtor_changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")
    assert client.post(reverse("admin:logout")).status_code == 200, "logging out stays possible"


def test_without_the_requirement_the_admin_opens_without_totp(client, make_staff, settings):
    settings.ADMIN_REQUIRES_MFA = False
    client.force_login(make_staff())
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize("required", [True, False])
def test_the_second_factor_pages_tell_staff_the_rule_in_force(
    client, make_staff, settings, required
):
    settings.ADMIN_REQUIRES_MFA = required
    secret = generate_totp_secret()
    client.force_login(make_staff(totp_secret=secret))

    index = client.get(reverse("mfa_index")).content.decode()
    reauthenticate(client, STAFF_PASSWORD, reverse("mfa_deactivate_totp"))
    deactivate = client.get(reverse("mfa_deactivate_totp")).content.decode()

    assert ("για το προσωπικό του Δήμου είναι υποχρεωτικός" in index) is required
    assert ("Είναι προαιρετικός." in index) is not required
    assert ("Η διαχείριση του Δήμου ανοίγει μόνο με ενεργή" in deactivate) is required
    assert "Απενεργοποίηση εφαρμογής επαλήθευσης" in deactivate


def test_staff_log_in_with_password_then_the_authenticator_code(client, make_staff):
    secret = generate_totp_secret()
    make_staff(totp_secret=secret)

    response = log_in(client, "tameio@example.org", STAFF_PASSWORD, next_url="/admin/")
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("admin:index")).status_code == 302, "not in before the code"

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "govgr-error-summary" in wrong.content.decode()

    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert response["Location"] == "/admin/"
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize(("periods_ago", "accepted"), [(1, True), (2, False)])
def test_the_code_of_the_previous_period_is_still_accepted(
    client, make_staff, periods_ago, accepted
):
    """A phone's clock drifts and people type slowly: one 30-second period back is accepted
    (RFC 6238, 5.2), two are not."""
    secret = generate_totp_secret()
    make_staff(totp_secret=secret)
    log_in(client, "tameio@example.org", STAFF_PASSWORD, next_url="/admin/")

    response = client.post(
        reverse("mfa_authenticate"), {"code": current_code(secret, periods_ago=periods_ago)}
    )
    assert (response.get("Location") == "/admin/") is accepted
    assert (client.get(reverse("admin:index")).status_code == 200) is accepted


def test_staff_without_totp_activate_it_then_reach_the_admin(client, make_staff):
    make_staff()

    response = log_in(client, "tameio@example.org", STAFF_PASSWORD)
    assert response["Location"] == reverse("admin:index")
    response = client.get(reverse("admin:index"))
    assert response["Location"] == reverse("mfa_activate_totp")
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = reauthenticate(client, STAFF_PASSWORD, reverse("mfa_activate_totp"))
    assert response["Location"] == reverse("mfa_activate_totp")
    html = client.get(reverse("mfa_activate_totp")).content.decode()
    assert "Ενεργοποίηση εφαρμογής επαλήθευσης" in html
    secret = client.session[SECRET_SESSION_KEY]
    assert f'value="{secret}"' in html

    response = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert "Συνέχεια στη διαχείριση" in client.get(response["Location"]).content.decode()
    assert client.get(reverse("admin:index")).status_code == 200


def test_demo_staff_have_a_verified_email_and_the_documented_totp_secret():
    demo.seed_staff("thermi-demo")
    demo.seed_staff("thermi-demo")

    staff = User.objects.filter(username__in=["admin", "tameio", "esoda", "oikonomiki"])
    assert staff.count() == 4
    for user in staff:
        assert EmailAddress.objects.get(user=user).verified
        (totp,) = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP)
        assert decrypt(totp.data["secret"]) == demo.DEMO_TOTP_SECRET


# --- Citizens -------------------------------------------------------------------------------


def test_a_citizen_may_add_totp_and_is_then_asked_for_it(client, make_citizen):
    citizen = make_citizen()
    log_in(client, citizen.email, CITIZEN_PASSWORD)
    index = client.get(reverse("mfa_index")).content.decode()
    assert "Δεν είναι ενεργή." in index
    assert f'href="{reverse("mfa_index")}"' in client.get(reverse("account_email")).content.decode()

    reauthenticate(client, CITIZEN_PASSWORD, reverse("mfa_activate_totp"))
    client.get(reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]
    client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert "Ενεργή" in client.get(reverse("mfa_index")).content.decode()

    client.post(reverse("account_logout"))
    cache.clear()  # the code just used may not be used twice
    response = log_in(client, citizen.email, CITIZEN_PASSWORD)
    assert response["Location"] == reverse("mfa_authenticate")


def test_the_taxisnet_connection_cannot_be_removed(client, make_citizen):
    citizen = make_citizen()
    account = SocialAccount.objects.create(
        user=citizen, provider="taxisnet", uid=citizen.debtor.afm
    )
    log_in(client, citizen.email, CITIZEN_PASSWORD)

    response = client.post(reverse("socialaccount_connections"), {"account": account.pk})

    html = response.content.decode()
    assert "govgr-error-summary" in html
    assert "μέσω αυτής ο λογαριασμός σας είναι δεμένος με τον ΑΦΜ σας" in html
    assert SocialAccount.objects.filter(pk=account.pk).exists()


# --- Logins ---------------------------------------------------------------------------------


def test_repeated_failed_logins_are_refused_even_with_the_right_password(client, make_citizen):
    citizen = make_citizen()
    for _ in range(5):
        response = log_in(client, citizen.email, "wrong-password")
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
    html = response.content.decode()
    assert "Δεν βρέθηκε λογαριασμός με αυτό το email και αυτόν τον κωδικό πρόσβασης." in html
    assert "<title>Σφάλμα: Σύνδεση ·" in html, "a screen reader hears the error first"

    response = log_in(client, citizen.email, CITIZEN_PASSWORD)

    assert response.status_code == 200
    assert "Πολλές αποτυχημένες προσπάθειες σύνδεσης" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_behind_the_proxy_failures_lock_out_only_the_address_they_came_from(settings, make_citizen):
    """Every request reaches the portal from the TLS proxy; the client's own address is the one
    the proxy appended to X-Forwarded-For."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    attacker = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    citizen = Client(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.5")
    victim = make_citizen()
    for n in range(10):
        log_in(attacker, f"someone{n}@example.org", "guess")
    assert "Πολλές αποτυχημένες" in log_in(attacker, "other@example.org", "x").content.decode()

    response = log_in(citizen, victim.email, CITIZEN_PASSWORD)

    assert response.status_code == 302
    assert citizen.session["_auth_user_id"] == str(victim.pk)


def test_no_account_is_opened_without_taxisnet(client):
    page = client.get(reverse("account_signup")).content.decode()
    assert "Λογαριασμός ανοίγει μόνο με TaxisNet" in page
    assert f'action="{reverse("taxisnet_login")}"' in page

    client.post(
        reverse("account_signup"),
        {
            "email": "someone@example.gr",
            "password1": "Μακρύς-κωδικός-1",
            "password2": "Μακρύς-κωδικός-1",
        },
    )
    assert not User.objects.exists()
