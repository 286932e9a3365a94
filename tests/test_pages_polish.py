"""What a citizen, a cashier and an attacker met on the portal's pages, each fixed and kept fixed:
RF codes in unbreakable groups of four, the portal's own error pages, the admin's Greek and the
debtor's total today, one word for a password, messages that say what to do, one banner at a
time, the language kept through GSIS's logout, one 24-hour clock, and the municipality's icon.
Layout seen in a browser is in test_pages_polish_browser.py."""

import re
from datetime import datetime
from html import unescape

import pytest
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from debts.selectors import debtor_overview
from tests.conftest import valid_afm
from tests.test_taxisnet_provider import browser, open_account, taxisnet_login  # noqa: F401
from thermi_portal.views import HomeView

RF = "RF75 9046 0308 7448 5216 7373 7"
GROUPS = re.compile(r'<span class="portal-rf-group">(\w{1,4})</span>')


def rf_groups(value) -> str:
    return Template("{% load rf_codes %}{{ value|rf_groups }}").render(Context({"value": value}))


def words(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ").split())


def main_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.search(r"<main.*</main>", response.content.decode(), re.DOTALL).group()


# --- RF codes in groups of four ------------------------------------------------------------------


def test_an_rf_is_rendered_in_groups_that_copy_and_read_as_one_code():
    html = rf_groups(RF.replace(" ", "").lower())
    assert GROUPS.findall(html) == RF.split()
    # Only ordinary spaces between the groups: copied or read aloud, it is the code as printed.
    assert re.sub(r"<[^>]+>", "", html) == RF
    # The short last group stays on the line of the one before it.
    assert '<span class="portal-rf-tail"><span class="portal-rf-group">7373</span> ' in html
    assert rf_groups("") == ""


@pytest.fixture
def citizen_notice(citizen_client, make_everything):
    return make_everything(citizen_client.debtor)["notice"]


def test_citizen_pages_show_the_rf_in_groups(citizen_client, citizen_notice):
    groups = citizen_notice.formatted_rf.split()
    for url in (
        reverse("citizen:overview"),
        reverse("citizen:notice", args=[citizen_notice.pk]),
        reverse("citizen:notices"),
        reverse("citizen:notice_new"),
    ):
        html = main_of(citizen_client.get(url))
        assert GROUPS.findall(html)[: len(groups)] == groups, url
        assert citizen_notice.formatted_rf not in html, f"{url} shows the RF as one string"


def test_the_admin_notice_list_shows_the_rf_in_groups(admin_client, make_debtor, make_everything):
    notice = make_everything(make_debtor())["notice"]
    html = admin_client.get(reverse("admin:debts_paymentnotice_changelist")).content.decode()
    assert GROUPS.findall(html) == notice.formatted_rf.split()
    assert "css/admin.css" in html


# --- The portal's own error pages ----------------------------------------------------------------


@pytest.fixture
def visitor():
    return Client(raise_request_exception=False)


def raise_from_home(monkeypatch, error):
    def get(self, request, *args, **kwargs):
        raise error

    monkeypatch.setattr(HomeView, "get", get)


@override_settings(DEBUG=False)
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("prefix", "heading", "home"),
    [("", "Η σελίδα δεν βρέθηκε", 'href="/"'), ("/en", "Page not found", 'href="/en/"')],
)
def test_a_missing_page_is_the_portal_s_own(visitor, prefix, heading, home):
    response = visitor.get(f"{prefix}/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert f'<h1 class="govgr-heading-xl">{heading}</h1>' in html
    assert "govgr-header" in html and home in html
    assert "Not Found" not in html and "URLconf" not in html


@override_settings(DEBUG=False)
@pytest.mark.django_db
def test_a_refused_page_is_the_portal_s_own(visitor, monkeypatch):
    raise_from_home(monkeypatch, PermissionDenied)
    response = visitor.get("/en/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "You do not have access to this page" in html and 'href="/en/"' in html
    assert '<html lang="en">' in html and "403 Forbidden" not in html


@override_settings(DEBUG=False)
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "heading"), [("/", "Πρόβλημα στην πύλη"), ("/en/", "A problem on the portal")]
)
def test_a_server_error_is_the_portal_s_own_with_nothing_of_the_code(
    visitor, monkeypatch, path, heading
):
    raise_from_home(monkeypatch, RuntimeError("secret detail of the failure"))
    response = visitor.get(path)
    assert response.status_code == 500
    html = response.content.decode()
    assert f'<h1 class="govgr-heading-xl">{heading}</h1>' in html
    assert f'href="{path}"' in html  # the way back home, in the same language
    assert "secret detail" not in html and "Traceback" not in html and "Server Error" not in html


def test_the_server_error_page_needs_no_request_nor_database():
    """Django renders 500.html with an empty context; this test has no database access."""
    with translation.override("el"):
        html = render_to_string("500.html")
    assert "Δήμος Θέρμης: Πληρωμές οφειλών" in html and "Πρόβλημα στην πύλη" in html


# --- The admin ---------------------------------------------------------------------------------


def test_the_greek_admin_has_no_english_left_in_its_lists():
    with translation.override("el"):
        assert gettext("Show counts") == "Εμφάνιση πλήθους"
        assert gettext("Start typing to filter…") == "Γράψτε για φιλτράρισμα…"


def test_a_debtor_s_admin_page_shows_what_they_owe_today_as_the_citizen_sees_it(
    admin_client, make_debtor, make_everything
):
    debtor = make_debtor()
    make_everything(debtor)
    overview = debtor_overview(debtor)
    # An installment's surcharges are those the settlement took in and its late charge, as its
    # receipt posts them.
    surcharge = sum(group.surcharge for group in overview.debt_groups) + sum(
        line.posted.surcharge for view in overview.settlements for line in view.open_installments
    )
    assert surcharge > 0
    # A settlement's interest is apart from the principal, as receipts keep it.
    interest = sum(
        line.installment.interest
        for view in overview.settlements
        for line in view.open_installments
    )
    assert interest > 0
    html = admin_client.get(reverse("admin:debts_debtor_change", args=[debtor.pk])).content
    owed = re.search(r'id="owed-today">.*?</div>', html.decode(), re.DOTALL).group()
    assert "Τόκοι ρύθμισης" in owed
    sums = [overview.total - surcharge - interest, surcharge, interest, overview.total]
    shown = " ".join(f"{formats.number_format(amount, decimal_pos=2)} €" for amount in sums)
    assert f"Σύνολο {shown}" in words(owed)


def test_the_admin_finds_a_name_typed_with_accents_and_a_diaeresis(admin_client, make_debtor):
    """Registries keep names in capitals without accents but with the diaeresis (ΝΙΚΟΛΑΪΔΗΣ), as
    the notice's PDF sets its capitals: one ``greek_capitals`` for both."""
    debtor = make_debtor(last_name="ΝΙΚΟΛΑΪΔΗΣ")
    make_debtor(last_name="ΝΙΚΟΛΑΟΥ")
    found = admin_client.get(reverse("admin:debts_debtor_changelist"), {"q": "Νικολαΐδης"})
    assert list(found.context["cl"].result_list) == [debtor]


# --- Wording -------------------------------------------------------------------------------------


def test_the_password_rules_say_κωδικός_πρόσβασης_in_good_greek():
    from django.contrib.auth.password_validation import (
        CommonPasswordValidator,
        MinimumLengthValidator,
        NumericPasswordValidator,
    )

    with translation.override("el"):
        texts = list(password_validators_help_texts())
        for validator, password in (
            (MinimumLengthValidator(), "1a"),
            (CommonPasswordValidator(), "password"),
            (NumericPasswordValidator(), "12345678901"),
        ):
            with pytest.raises(ValidationError) as refused:
                validator.validate(password)
            texts += refused.value.messages
        texts.append(gettext("The two password fields didn’t match."))
    for text in texts:
        assert "κωδικός πρόσβασης" in text or "κωδικοί πρόσβασης" in text, text
        assert not re.search(r"συνθηματικ|\bαπο\b|\bδε μπορεί|κωδικός σας", text), text


@pytest.mark.django_db
def test_the_payments_page_promises_no_card(citizen_client):
    text = words(citizen_client.get(reverse("payments:history")).content.decode())
    assert "κάρτα" not in text
    assert "με τον κωδικό RF ενός ειδοποιητηρίου σε τράπεζα ή e-banking, ή στο Ταμείο" in text


@pytest.mark.django_db
def test_gsis_s_sandbox_logout_keeps_the_language_the_citizen_left_in(client, settings):
    settings.TAXISNET_SANDBOX = True
    logout = "/gsis-sandbox/oauth2server/logout/sandbox/"
    english = client.get(logout, {"url": "http://testserver/en/"})
    assert english["Content-Language"] == "en"
    assert "You have signed out of TaxisNet" in english.content.decode()
    greek = client.get(logout, {"url": "http://testserver/"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Αποσυνδεθήκατε από το TaxisNet" in greek.content.decode()


@pytest.mark.parametrize("language", ["el", "en"])
def test_times_are_on_the_24_hour_clock_in_both_languages(language):
    moment = timezone.make_aware(datetime(2026, 12, 13, 23, 58))
    with translation.override(language), timezone.override("Europe/Athens"):
        for name in ("SHORT_DATETIME_FORMAT", "DATETIME_FORMAT", "TIME_FORMAT"):
            shown = formats.date_format(timezone.localtime(moment), name)
            assert "23:58" in shown, (name, shown)
        assert formats.date_format(moment.date(), "SHORT_DATE_FORMAT") == "13/12/2026"


@pytest.mark.django_db
def test_the_notice_page_shows_its_issue_time_on_the_24_hour_clock(citizen_client, citizen_notice):
    issued = timezone.make_aware(datetime(2025, 6, 1, 23, 58))
    type(citizen_notice).objects.filter(pk=citizen_notice.pk).update(issued_at=issued)
    html = citizen_client.get(reverse("citizen:notice", args=[citizen_notice.pk])).content
    assert "01/06/2025 23:58" in html.decode()


# --- The icon ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_municipality_s_icon_answers_at_favicon_ico_and_is_linked(client):
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"
    home = client.get("/").content.decode()
    assert re.search(
        r'<link rel="icon" href="/static/img/favicon\.svg" type="image/svg\+xml">', home
    )
    assert client.get("/static/img/favicon.svg").status_code == 200


# --- First login: one banner at a time -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("gsis_sandbox")
def test_a_first_login_shows_one_banner_at_a_time(browser):  # noqa: F811
    def banners() -> list[str]:
        return re.findall(r'notification-banner__heading">([^<]*)<', browser.text)

    open_account(browser, "eleni@example.gr", afm=valid_afm())
    assert banners() == ["Έχετε επιβεβαιώσει το eleni@example.gr."]
    browser.submit(
        reverse("account_set_password"), password1="Καλή-μέρα-2026", password2="Καλή-μέρα-2026"
    )
    assert banners() == ["Ο κωδικός πρόσβασης ορίστηκε."]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("gsis_sandbox")
def test_an_invalid_afm_says_what_is_wrong_and_what_to_do(browser):  # noqa: F811
    taxisnet_login(browser, afm="123456789")
    assert browser.response.status_code == 403
    text = words(browser.text)
    assert "Δοκιμάστε ξανά αργότερα" not in text
    assert "ζητήστε από την ΑΑΔΕ (ή τη ΔΟΥ σας) να διορθώσει τον ΑΦΜ σας" in text
    assert "το Ταμείο του Δήμου σάς εξυπηρετεί" in text


@pytest.mark.parametrize("typed", ["ζαιμης", "Ζαιμης", "ΖΑΙΜΗΣ", "Ζαΐμης", "Ζάιμης"])
def test_the_admin_finds_a_name_with_a_diaeresis_typed_without_one(
    admin_client, make_debtor, typed
):
    """The registry writes ΖΑΪΜΗΣ; a cashier types «ζαιμης», as they type accents away."""
    debtor = make_debtor(last_name="ΖΑΪΜΗΣ")
    make_debtor(last_name="ΖΑΧΑΡΙΟΥ")
    found = admin_client.get(reverse("admin:debts_debtor_changelist"), {"q": typed})
    assert list(found.context["cl"].result_list) == [debtor]


def test_a_name_typed_without_its_diaereses_costs_no_query_more(admin_client, make_debtor):
    """Its spellings are one search: the page's queries are those of the name as registered."""
    debtor = make_debtor(last_name="ΝΙΚΟΛΑΪΔΗΣ", first_name="ΑΪΝΟΑ")
    url = reverse("admin:debts_debtor_changelist")
    counts = []
    for typed in ("ΝΙΚΟΛΑΪΔΗΣ ΑΪΝΟΑ", "νικολαιδης αινοα"):
        with CaptureQueriesContext(connection) as queries:
            found = admin_client.get(url, {"q": typed})
        assert list(found.context["cl"].result_list) == [debtor]
        counts.append(len(queries))
    assert counts[0] == counts[1]
