"""A citizen's first visit end to end in a real headless Chromium, axe-core on every page.

Home page → «Σύνδεση με TaxisNet» → the GSIS sandbox (on the live server) → email → the mailed
confirmation link → own password → the overview of the demo citizen's debts → a notice of two of
them → its PDF, which carries the RF → logout through GSIS → login by email and password.
"""

import io
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import formats, timezone, translation
from pypdf import PdfReader

from debts import services
from debts.models import Debt, Debtor, PaymentNotice
from tests.browser import axe_violations
from tests.conftest import CITIZEN_PASSWORD, GSIS_SANDBOX

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("gsis_sandbox")]

VAVOULA_AFM = "068933130"
EMAIL = "eftychia.vavoula@example.gr"


@pytest.fixture
def vavoula() -> Debtor:
    """The demo municipality as ``seed_demo`` loads it; ΒΑΒΟΥΛΑ ΕΥΤΥΧΙΑ owes several debts."""
    call_command("seed_demo", stdout=io.StringIO())
    return Debtor.objects.get(afm=VAVOULA_AFM)


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser context (no cookies), its one page opened on the live server."""
    context = chromium.new_context(base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


# --- Helpers --------------------------------------------------------------------------------------


def main_text(page) -> str:
    """The words of the page's main area (of the body if it has none), spaces normalised."""
    area = page.locator("main") if page.locator("main").count() else page.locator("body")
    return " ".join(area.inner_text().replace("\xa0", " ").split())


def follow(page, target) -> None:
    """Click ``target`` (a locator) and wait for the page it leads to, redirects followed."""
    with page.expect_navigation():
        target.click()


def arrived(page, step: str, path: str, lang: str | None = "el") -> None:
    """The journey is at ``path`` for ``step``, in ``lang``, and axe-core finds nothing serious."""
    actual = urlsplit(page.url).path
    assert re.fullmatch(path, actual), f"{step}: expected {path}, at {page.url}:\n{main_text(page)}"
    if lang:
        shown = page.locator("html").get_attribute("lang")
        assert shown == lang, f"{step}: {page.url} is in {shown!r}, not {lang!r}"
    violations = axe_violations(page)
    assert not violations, f"{step}: axe-core on {page.url}: {violations}"


def money(amount: Decimal) -> str:
    """An amount as the portal's pages print it, in the active language, with its €."""
    return f"{formats.localize(amount)} €"


def printed_money(amount: Decimal) -> str:
    """1234.5 → "1.234,50 €", as the Greek PDF prints it; written out, not taken from the code."""
    return f"{amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".") + " €"


def confirmation_link(email: str) -> str:
    (message,) = [m for m in mail.outbox if email in m.to]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body)
    assert link, f"no confirmation link in the mail to {email}:\n{message.body}"
    return link.group(0)


def open_debts(debtor: Debtor) -> list[Debt]:
    return list(debtor.debts.filter(status=Debt.Status.OPEN).order_by("due_date", "pk"))


def first_login_with_taxisnet(page, lang: str = "el") -> None:
    """From the home page, TaxisNet's sandbox as ΒΑΒΟΥΛΑ, an email confirmed, a password set.

    Fields are found by name and buttons by their form, so that the English run does not depend
    on wording the translator may still be changing.
    """
    prefix = "" if lang == "el" else f"/{lang}"
    page.goto(f"{prefix}/")
    arrived(page, "home page", f"{prefix}/", lang)
    follow(page, page.locator("main form[action$='/accounts/taxisnet/login/'] button[type=submit]"))
    # GSIS's page is GSIS's: its language is not the portal's to choose.
    arrived(page, "TaxisNet sandbox", f"{GSIS_SANDBOX}/oauth/authorize", lang=None)
    page.locator(f"input[name=citizen][value='{VAVOULA_AFM}']").check()
    follow(page, page.locator("button[name=decision][value=grant]"))

    arrived(page, "email form", f"{prefix}/accounts/3rdparty/signup/", lang)
    assert VAVOULA_AFM in main_text(page), f"email form: {main_text(page)}"
    page.locator("input[name=email]").fill(EMAIL)
    follow(page, page.locator("main form button[type=submit]"))
    arrived(page, "«check your email» page", f"{prefix}/accounts/confirm-email/", lang)

    page.goto(confirmation_link(EMAIL))
    arrived(page, "email confirmation page", rf"{prefix}/accounts/confirm-email/[^/]+/", lang)
    assert EMAIL in main_text(page), f"email confirmation page: {main_text(page)}"
    follow(page, page.locator("main form button[type=submit]"))

    arrived(page, "set password page", f"{prefix}/accounts/password/set/", lang)
    page.locator("input[name=password1]").fill(CITIZEN_PASSWORD)
    page.locator("input[name=password2]").fill(CITIZEN_PASSWORD)
    follow(page, page.locator("main form button[type=submit]"))
    arrived(page, "overview after the first login", f"{prefix}/debts/", lang)


def assert_overview_of(page, debtor: Debtor, step: str) -> None:
    """The overview lists the debtor's open debts, one row each, and their total today."""
    debts = open_debts(debtor)
    today = timezone.localdate()
    total = sum((debt.principal + debt.surcharge(today) for debt in debts), Decimal(0))
    text = main_text(page)
    assert debtor.afm in text, f"{step}: not {debtor}'s overview: {text[:300]}"
    assert len(debts) >= 3, f"{step}: the demo citizen should owe several debts"
    missing = [debt.description for debt in debts if debt.description not in text]
    assert not missing, f"{step}: debts missing from the overview: {missing}"
    rows = page.locator("table.portal-money-table tbody tr")
    assert rows.count() == len(debts), f"{step}: {rows.count()} rows for {len(debts)} open debts"
    shown = page.locator(".portal-summary-table tfoot td").inner_text().replace("\xa0", " ")
    assert shown == money(total), f"{step}: total shown {shown!r}, expected {money(total)!r}"


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


# --- The journey ----------------------------------------------------------------------------------


def test_first_visit_to_a_notice_pdf_then_a_login_by_password(page, vavoula):
    first_login_with_taxisnet(page)
    assert_overview_of(page, vavoula, "overview after the first login")

    # Two debts on a new notice: the oldest certified one (with surcharges) and this year's bill.
    follow(page, page.get_by_role("link", name="Δημιουργία ειδοποιητηρίου"))
    arrived(page, "new notice", "/notices/new/")
    debts = open_debts(vavoula)
    picked = [
        next(d for d in debts if d.roll_id),
        next(d for d in debts if not d.certified_on),
    ]
    for debt in picked:
        page.get_by_label(debt.description).check()
    follow(page, page.get_by_role("button", name="Συνέχεια"))

    arrived(page, "notice review", "/notices/new/")
    draft = services.preview_notice(vavoula, debts=picked)
    review = main_text(page)
    assert "Ελέγξτε το ειδοποιητήριο" in review, f"notice review: {review[:300]}"
    assert f"Σύνολο προς πληρωμή {money(draft.total)}" in review, (
        f"notice review: expected the total {money(draft.total)}:\n{review}"
    )
    follow(page, page.get_by_role("button", name="Δημιουργία ειδοποιητηρίου"))

    notice = PaymentNotice.objects.get(debtor=vavoula, origin=PaymentNotice.Origin.CITIZEN)
    arrived(page, "the new notice", f"/notices/{notice.pk}/")
    assert notice.total == draft.total, "the notice froze another total than the review showed"
    assert {item.debt_id for item in notice.items.all()} == {debt.pk for debt in picked}
    shown_rf = page.locator(".portal-rf--big").inner_text()
    assert shown_rf == notice.formatted_rf, (
        f"the notice shows {shown_rf}, not {notice.formatted_rf}"
    )
    assert money(notice.total) in main_text(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Αποθήκευση του PDF").click()
    assert download.value.suggested_filename == f"{notice.rf_code}.pdf"
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-"), "the downloaded notice is not a PDF"
    text = pdf_text(pdf)
    assert notice.formatted_rf in text, f"the PDF lacks the RF {notice.formatted_rf}:\n{text}"
    assert printed_money(notice.total) in text, f"the PDF lacks {printed_money(notice.total)}"

    # Logout passes through GSIS's logout (the login came through TaxisNet), then home.
    follow(page, page.get_by_role("button", name="Αποσύνδεση"))
    arrived(page, "TaxisNet sandbox logout", f"{GSIS_SANDBOX}/logout/[^/]+/", lang=None)
    follow(page, page.get_by_role("link", name="Επιστροφή στην υπηρεσία"))
    arrived(page, "home page after logout", "/")

    # The second login by the email and the password the citizen set.
    follow(page, page.get_by_role("link", name="Σύνδεση με email και κωδικό"))
    arrived(page, "login page", "/accounts/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Κωδικός πρόσβασης").fill(CITIZEN_PASSWORD)
    follow(page, page.get_by_role("button", name="Σύνδεση", exact=True))
    arrived(page, "overview after the login by password", "/debts/")
    assert_overview_of(page, vavoula, "overview after the login by password")
    assert notice.formatted_rf in main_text(page), "the overview does not show the new notice"


def test_first_visit_in_english_reaches_the_overview(page, vavoula):
    first_login_with_taxisnet(page, lang="en")
    with translation.override("en"):
        assert_overview_of(page, vavoula, "English overview")
