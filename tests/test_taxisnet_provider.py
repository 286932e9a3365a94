"""Logging in with TaxisNet, end to end over real HTTP: the portal's allauth provider against its
GSIS sandbox, both on a live server, driven by a ``requests`` session that reads and submits the
pages' forms as a browser would. Mail arrives in ``django.core.mail.outbox`` (same process)."""

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from debts.models import Debtor
from tests.conftest import CITIZEN_PASSWORD, GSIS_SANDBOX, valid_afm

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("gsis_sandbox")]

AUTHORIZE = f"{GSIS_SANDBOX}/oauth/authorize"
CALLBACK = "/accounts/taxisnet/login/callback/"


# --- A browser made of requests ---------------------------------------------------------------


class _Forms(HTMLParser):
    """The forms of a page: action, method, and what each field would send."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {
                "action": attrs.get("action", ""),
                "method": attrs.get("method", "get").lower(),
                "fields": {},
            }
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self._form["fields"][attrs["name"]] = attrs.get("value", "")
        elif tag == "select":
            self._select = attrs["name"]
            self._form["fields"].setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self._form["fields"][self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


class Browser:
    """One person's browser: a cookie jar, the current page, and its forms."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.session = requests.Session()
        self.response = None

    @property
    def path(self) -> str:
        return urlsplit(self.response.url).path

    @property
    def text(self) -> str:
        return self.response.text

    @property
    def main_text(self) -> str:
        """The words of the page's main area, for a failing test to show."""
        main = self.text.partition('id="main"')[2].partition("</main>")[0]
        return " ".join(re.sub(r"<[^>]+>", " ", main).split())

    def get(self, url: str, **kwargs) -> requests.Response:
        self.response = self.session.get(urljoin(self.base_url, url), **kwargs)
        return self.response

    def form(self, action: str) -> dict:
        """The page's form sending to a path that matches the pattern ``action``."""
        parser = _Forms()
        parser.feed(self.text)
        forms = [
            form
            for form in parser.forms
            if re.fullmatch(action, urlsplit(urljoin(self.response.url, form["action"])).path)
        ]
        assert forms, f"no form for {action!r} on {self.response.url}:\n{self.main_text}"
        return forms[0]

    def submit(self, action: str, button=None, allow_redirects=True, **fields):
        """Fill in ``fields`` and send the form as pressing ``button`` (name, value) would."""
        form = self.form(action)
        data = {**form["fields"], **fields}
        if button:
            data[button[0]] = button[1]
        url = urljoin(self.response.url, form["action"])
        self.response = self.session.request(
            form["method"], url, data=data, allow_redirects=allow_redirects
        )
        return self.response


# --- Fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def browser(live_server):
    return Browser(live_server.url)


def start_taxisnet_login(browser: Browser) -> None:
    """From the login page, press «Σύνδεση με TaxisNet»: the browser lands on GSIS's page."""
    browser.get("/accounts/login/")
    assert browser.response.status_code == 200
    browser.submit(reverse("taxisnet_login"))
    assert browser.path == AUTHORIZE, browser.main_text


def consent(browser: Browser, **choices) -> requests.Response:
    """On GSIS's page, pick or type an ΑΦΜ (and names, a fault), and grant consent."""
    return browser.submit(AUTHORIZE, button=("decision", "grant"), **choices)


def taxisnet_login(browser: Browser, **choices) -> requests.Response:
    start_taxisnet_login(browser)
    return consent(browser, **choices)


def confirmation_link(email: str) -> str:
    (message,) = [m for m in mail.outbox if email in m.to]
    return re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)


def confirm(browser: Browser, email: str) -> None:
    """Open the mailed link and press «Επιβεβαίωση» (the page signs its own, fresh key)."""
    browser.get(confirmation_link(email))
    assert email in browser.text
    browser.submit(r"/accounts/confirm-email/[^/]+/")


def open_account(browser: Browser, email: str, **choices) -> None:
    """A first TaxisNet login through to the set password page: email given and confirmed."""
    taxisnet_login(browser, **choices)
    assert browser.path == reverse("socialaccount_signup"), browser.main_text
    browser.submit(reverse("socialaccount_signup"), email=email)
    assert browser.path == reverse("account_email_verification_sent")
    confirm(browser, email)
    assert browser.path == reverse("account_set_password")


def account_count() -> tuple[int, int, int]:
    return User.objects.count(), SocialAccount.objects.count(), Debtor.objects.count()


# --- The first login ----------------------------------------------------------------------------


def test_a_first_login_opens_an_account_on_a_new_card_then_a_password(browser):
    afm = valid_afm()
    start_taxisnet_login(browser)
    assert "Σύνδεση με τους κωδικούς TaxisNet" in browser.text
    consent(browser, afm=afm, last_name="ΒΑΣΙΛΕΙΟΥ", first_name="ΕΛΕΝΗ", father_name="ΠΕΤΡΟΣ")

    assert browser.path == reverse("socialaccount_signup")
    assert f"ΒΑΣΙΛΕΙΟΥ ΕΛΕΝΗ, ΑΦΜ {afm}" in browser.text
    assert not User.objects.exists()

    browser.submit(reverse("socialaccount_signup"), email="eleni@example.gr")
    assert browser.path == reverse("account_email_verification_sent")
    user = User.objects.get()
    assert user.username == f"afm{afm}"
    assert not user.has_usable_password()
    debtor = Debtor.objects.get(afm=afm)
    assert debtor.user == user
    assert (debtor.kind, debtor.last_name, debtor.first_name, debtor.father_name) == (
        Debtor.Kind.PERSON,
        "ΒΑΣΙΛΕΙΟΥ",
        "ΕΛΕΝΗ",
        "ΠΕΤΡΟΣ",
    )
    assert SocialAccount.objects.get().uid == afm
    (message,) = mail.outbox
    assert message.to == ["eleni@example.gr"]
    assert message.subject == "Επιβεβαιώστε το email σας"

    confirm(browser, "eleni@example.gr")
    assert browser.path == reverse("account_set_password")

    browser.submit(
        reverse("account_set_password"), password1="Καλή-μέρα-2026", password2="Καλή-μέρα-2026"
    )
    assert browser.response.status_code == 200
    assert browser.path == reverse("citizen:overview")
    assert "Οι οφειλές σας" in browser.text
    user.refresh_from_db()
    assert user.check_password("Καλή-μέρα-2026")


def test_the_callback_is_the_one_registered_uri_whatever_the_language(browser):
    browser.get("/en/accounts/login/")
    assert '<html lang="en">' in browser.text
    browser.submit("/en" + reverse("taxisnet_login"), allow_redirects=False)
    authorize = urlsplit(browser.response.headers["Location"])
    (redirect_uri,) = parse_qs(authorize.query)["redirect_uri"]
    assert urlsplit(redirect_uri).path == CALLBACK
    assert parse_qs(authorize.query)["scope"] == ["read"]

    browser.get(browser.response.headers["Location"])
    consent(browser, afm=valid_afm())
    # Back through the unprefixed callback, the citizen carries on in the language they chose.
    assert browser.path == "/en" + reverse("socialaccount_signup")
    assert '<html lang="en">' in browser.text


def test_a_first_login_ties_the_municipality_card_and_keeps_its_names(
    browser, make_debtor, make_debt
):
    debtor = make_debtor(last_name="ΠΑΠΑΔΟΠΟΥΛΟΣ", first_name="", father_name="")
    debt = make_debt(debtor, "120.00")
    before = account_count()

    # GSIS may send the ΑΦΜ with its "00" prefix; the card's names are the Ταμείο's to keep.
    open_account(
        browser,
        "giorgos@example.gr",
        afm=f"00{debtor.afm}",
        last_name="ΠΑΠΑΔΟΠΟΥΛΟΣ-ΑΛΛΟΣ",
        first_name="ΓΕΩΡΓΙΟΣ",
        father_name="ΝΙΚΟΛΑΟΣ",
    )

    debtor.refresh_from_db()
    assert debtor.user == User.objects.get(email="giorgos@example.gr")
    assert (debtor.last_name, debtor.first_name, debtor.father_name) == (
        "ΠΑΠΑΔΟΠΟΥΛΟΣ",
        "ΓΕΩΡΓΙΟΣ",
        "ΝΙΚΟΛΑΟΣ",
    )
    assert list(debtor.debts.all()) == [debt]
    assert account_count() == (before[0] + 1, before[1] + 1, before[2])


# --- Refusals and errors: a clear page, nothing created, never a 500 --------------------------


def test_an_invalid_afm_is_refused(browser):
    taxisnet_login(browser, afm="123456789")

    assert browser.response.status_code == 403
    assert "δεν είναι έγκυρος ΑΦΜ" in browser.text
    assert account_count() == (0, 0, 0)


def test_an_afm_tied_to_another_account_is_refused(browser, make_citizen):
    other = make_citizen()
    before = account_count()

    taxisnet_login(browser, afm=other.debtor.afm)

    assert browser.response.status_code == 403
    assert "είναι ήδη δεμένος με άλλον λογαριασμό" in browser.text
    assert account_count() == before
    assert Debtor.objects.get(afm=other.debtor.afm).user == other


def test_refused_consent_opens_nothing(browser):
    start_taxisnet_login(browser)
    browser.submit(AUTHORIZE, button=("decision", "deny"), afm=valid_afm())

    assert browser.path == reverse("socialaccount_login_cancelled")
    assert "Δεν δώσατε συγκατάθεση στο TaxisNet" in browser.text
    assert account_count() == (0, 0, 0)


@pytest.mark.parametrize("fault", ["token", "userinfo_json", "userinfo_500"])
def test_an_error_answer_of_gsis_gives_a_clear_page(browser, fault):
    taxisnet_login(browser, afm=valid_afm(), fault=fault)

    assert browser.response.status_code == 401
    assert "Η σύνδεση με TaxisNet δεν ολοκληρώθηκε" in browser.text
    assert account_count() == (0, 0, 0)


def test_a_tampered_state_is_refused(browser):
    start_taxisnet_login(browser)
    consent(browser, afm=valid_afm(), allow_redirects=False)
    callback = browser.response.headers["Location"]
    assert urlsplit(callback).path == CALLBACK

    browser.get(re.sub(r"state=[^&]+", "state=forged", callback))

    assert browser.response.status_code == 401
    assert "Η σύνδεση με TaxisNet δεν ολοκληρώθηκε" in browser.text
    assert account_count() == (0, 0, 0)


# --- Later logins and logouts -------------------------------------------------------------------


@pytest.fixture
def citizen(browser):
    """A citizen who opened an account through TaxisNet and set a password, still logged in."""
    afm = valid_afm()
    open_account(browser, "maria@example.gr", afm=afm)
    browser.submit(
        reverse("account_set_password"), password1=CITIZEN_PASSWORD, password2=CITIZEN_PASSWORD
    )
    assert browser.path == reverse("citizen:overview")
    return User.objects.get(username=f"afm{afm}")


def log_out(browser: Browser) -> None:
    browser.get(reverse("account_logout"))
    browser.submit(reverse("account_logout"))


def test_logout_after_taxisnet_passes_through_gsis_and_back(browser, citizen, live_server):
    log_out(browser)

    assert browser.path == f"{GSIS_SANDBOX}/logout/sandbox/"
    assert "Αποσυνδεθήκατε από το TaxisNet" in browser.text
    (back,) = re.findall(r'href="([^"]+)">Επιστροφή στην υπηρεσία', browser.text)
    assert back == live_server.url + "/"
    browser.get(back)
    assert browser.response.status_code == 200
    browser.get(reverse("payments:history"))
    assert browser.path == reverse("account_login")


def test_later_logins_by_password_or_taxisnet_reach_the_same_account(browser, citizen):
    afm = citizen.debtor.afm
    log_out(browser)
    before = account_count()

    browser.get("/accounts/login/")
    browser.submit(reverse("account_login"), login="maria@example.gr", password=CITIZEN_PASSWORD)
    assert browser.path == reverse("citizen:overview")
    log_out(browser)
    assert browser.path == "/", "a password login's logout does not pass through GSIS"

    taxisnet_login(browser, afm=afm)
    assert browser.path == reverse("citizen:overview")
    assert account_count() == before
    assert SocialAccount.objects.get(uid=afm).user == citizen


def log_in_without_a_card(browser: Browser, make_citizen) -> User:
    """A citizen whose card the Ταμείο untied (as a staff member has none), logged in by email."""
    user = make_citizen()
    Debtor.objects.filter(user=user).update(user=None)
    browser.get("/accounts/login/")
    browser.submit(reverse("account_login"), login=user.email, password=CITIZEN_PASSWORD)
    return user


def test_an_account_without_a_card_ties_one_by_connecting_taxisnet(browser, make_citizen):
    """An account whose card the Ταμείο untied (or a staff member's) is tied again by TaxisNet."""
    user = log_in_without_a_card(browser, make_citizen)
    afm = valid_afm()

    browser.get(reverse("socialaccount_connections"))
    browser.submit(reverse("taxisnet_login"))
    consent(browser, afm=afm)

    assert browser.path == reverse("socialaccount_connections")
    assert f"ΑΦΜ {afm}" in browser.text
    assert Debtor.objects.get(afm=afm).user == user
    assert SocialAccount.objects.get(uid=afm).user == user


def test_the_home_page_of_an_account_without_a_card_connects_taxisnet(browser, make_citizen):
    """Its button ties the card to the same account, never opening a second one."""
    user = log_in_without_a_card(browser, make_citizen)
    afm = valid_afm()
    before = account_count()

    browser.get(reverse("home"))
    browser.submit(reverse("taxisnet_login"))
    consent(browser, afm=afm)

    assert Debtor.objects.get(afm=afm).user == user
    assert SocialAccount.objects.get(uid=afm).user == user
    assert User.objects.count() == before[0]


def test_connecting_after_the_session_ended_asks_to_log_in_and_ties_nothing(browser):
    browser.get("/accounts/login/")
    browser.submit(reverse("taxisnet_login"), process="connect")
    before = account_count()

    consent(browser, afm=valid_afm())

    assert browser.path == reverse("account_login"), browser.main_text
    assert account_count() == before
