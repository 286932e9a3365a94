"""The Content-Security-Policy as a browser enforces it: no page of the portal breaks it.

The header alone (tests/test_security_headers.py) cannot tell whether a page still needs what
the policy forbids: an inline script, an ``on*=`` handler, a ``style=`` attribute, an image or
font from elsewhere. Chromium reports each refusal in the console; none may appear.
"""

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

VIOLATION = "Content Security Policy"


@pytest.fixture(autouse=True)
def _close_connections_after_each_request(monkeypatch):
    """The live server's threads close their connections, so the test database can be dropped."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)


def page_of(chromium, live_server, user=None):
    """A page in a browser context of its own, logged in as ``user`` if given, that keeps the
    console's CSP violations in ``page.violations``."""
    context = chromium.new_context(base_url=live_server.url)
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
    page = context.new_page()
    page.violations = []
    page.on(
        "console",
        lambda message: VIOLATION in message.text and page.violations.append(message.text),
    )
    return page


def assert_no_violation(page, paths):
    for path in paths:
        response = page.goto(path)
        assert response.ok, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        page.wait_for_load_state("load")
        assert not page.violations, f"{path}: {page.violations}"


def test_the_public_and_citizen_pages_break_no_policy(
    chromium, live_server, make_citizen, make_everything
):
    assert_no_violation(page_of(chromium, live_server), ["/", "/accounts/login/", "/en/"])
    citizen = make_citizen()
    notice = make_everything(citizen.debtor)["notice"]
    assert_no_violation(
        page_of(chromium, live_server, citizen),
        [
            "/debts/",
            "/card/",
            "/notices/",
            f"/notices/{notice.pk}/",
            "/notices/new/",
            "/paravola/",
            "/payments/",
            "/accounts/email/",
            "/accounts/2fa/totp/activate/",  # its QR code is an image in a data: URI
        ],
    )


def test_the_admin_breaks_no_policy(chromium, live_server, admin_user, make_debtor):
    debtor = make_debtor()
    assert_no_violation(
        page_of(chromium, live_server, admin_user),
        [
            "/admin/",
            "/admin/debts/debtor/",
            f"/admin/debts/debtor/{debtor.pk}/change/",
            f"/admin/debts/debtor/{debtor.pk}/history/",
            "/admin/debts/debt/add/",
        ],
    )


def test_the_rf_code_is_still_copied_by_its_own_script(
    chromium, live_server, make_citizen, make_everything
):
    """The notice page's copy button, once an inline script, works from static/js/copy.js."""
    citizen = make_citizen()
    notice = make_everything(citizen.debtor)["notice"]
    page = page_of(chromium, live_server, citizen)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"/notices/{notice.pk}/")
    button = page.locator("[data-copy]")
    button.click()
    expect(page.locator("#copy-status")).to_have_text(button.get_attribute("data-copied"))
    assert page.evaluate("navigator.clipboard.readText()") == notice.rf_code
    assert not page.violations


def test_a_violation_is_seen(chromium, live_server):
    """The tests above pass because no page breaks the policy, not because the console listener
    misses what the browser refuses: an inline script added to a page is reported."""
    page = page_of(chromium, live_server)
    assert_no_violation(page, ["/"])
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = true'; document.body.append(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.ran") is None
    assert page.violations and "script-src" in page.violations[0]
