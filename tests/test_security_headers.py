"""The headers that keep a page's scripts the portal's own and a logged-in page out of caches.

The Content-Security-Policy allows scripts and styles from the portal alone, so an injected
``<script>`` or ``onclick=`` runs nowhere; that holds only while no template of ours needs an
inline one, which the last test checks. Every page served to a logged-in user (the citizen's,
allauth's account pages showing the ΑΦΜ or email, the admin) says ``no-store, private``.
"""

import re
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [BASE_DIR / "templates", *BASE_DIR.glob("*/templates")]


def policy(response) -> dict[str, list[str]]:
    """The response's Content-Security-Policy as {directive: [sources]}."""
    directives = (d.split() for d in response["Content-Security-Policy"].split(";"))
    return {name: sources for name, *sources in directives}


@pytest.mark.parametrize(
    ("path", "who"),
    [
        ("/", "anonymous"),
        ("/accounts/login/", "anonymous"),
        ("/debts/", "citizen"),
        ("/accounts/email/", "citizen"),
        ("/admin/", "admin"),
        ("/en/admin/debts/debtor/", "admin"),
    ],
)
def test_every_page_allows_only_the_portals_own_scripts_and_styles(
    path, who, citizen_client, admin_client
):
    client = {"anonymous": Client(), "citizen": citizen_client, "admin": admin_client}[who]
    response = client.get(path)
    assert response.status_code == 200, path
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


ACCOUNT_PAGES = [
    "/accounts/email/",
    "/accounts/3rdparty/",
    "/accounts/2fa/",
    "/accounts/password/change/",
    "/en/accounts/email/",
]


def assert_kept_by_no_one(response, path):
    cache_control = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= cache_control, f"{path}: {cache_control}"


@pytest.mark.parametrize("path", ACCOUNT_PAGES)
def test_account_pages_of_a_logged_in_citizen_are_kept_by_no_one(citizen_client, path):
    response = citizen_client.get(path)
    assert response.status_code < 400, path
    assert_kept_by_no_one(response, path)


@pytest.mark.parametrize("path", ["/", "/admin/", "/admin/debts/debtor/", "/admin/debts/debt/add/"])
def test_admin_pages_and_the_home_page_of_staff_are_kept_by_no_one(admin_client, path):
    response = admin_client.get(path)
    assert response.status_code == 200, path
    assert_kept_by_no_one(response, path)


def test_a_logged_in_citizens_home_page_is_kept_by_no_one_but_an_anonymous_one_may_be(
    citizen_client,
):
    assert_kept_by_no_one(citizen_client.get("/"), "/")
    assert "private" not in Client().get("/").get("Cache-Control", "")


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"), "a script"),
    (re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE), "an on*= handler"),
    (re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE), "a style= attribute"),
    (re.compile(r"<style[\s>]"), "a <style> element"),
]
#: Rendered by WeasyPrint into a PDF, never by a browser: no Content-Security-Policy applies.
PDF_TEMPLATES = {"notice_pdf.html", "receipt_pdf.html"}


def test_no_template_of_ours_has_an_inline_script_or_style():
    found = []
    for directory in TEMPLATE_DIRS:
        for template in directory.rglob("*.html"):
            if template.name in PDF_TEMPLATES:
                continue
            text = template.read_text()
            found += [
                f"{template.relative_to(BASE_DIR)}: {what}"
                for pattern, what in INLINE
                if pattern.search(text)
            ]
    assert not found, "move them to static/js or static/css: " + "; ".join(found)
