"""The layout fixes of test_pages_polish.py, as Chromium lays the pages out: no label broken inside
a word, an RF broken only between its groups of four (and never leaving the short last one
alone), admin lists whose every column is in sight at 1280 px; axe-core finds nothing serious."""

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.browser import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

#: The words of the page's labels and headers that a line break cuts in two.
BROKEN_WORDS = """() => {
  const broken = [];
  for (const el of document.querySelectorAll(
      ".govgr-summary-list__key, .govgr-table__header, .govgr-table__cell")) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(word[0]);
      }
    }
  }
  return broken;
}"""

#: Each RF on the page: the groups a line break cuts, and the line each group starts on.
RF_LINES = """() => [...document.querySelectorAll(".portal-rf")].map((rf) => {
  const groups = [...rf.querySelectorAll(".portal-rf-group")];
  const lines = (el) => new Set([...el.getClientRects()].map((r) => Math.round(r.top))).size;
  return {
    split: groups.filter((g) => lines(g) > 1).map((g) => g.textContent),
    tops: groups.map((g) => Math.round(g.getBoundingClientRect().top)),
    lines: lines(rf),
  };
})"""


@pytest.fixture(autouse=True)
def _close_connections_after_each_request(monkeypatch):
    """The live server's threads close their connections, so the test database can be dropped."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)


def logged_in_page(chromium, live_server, user, viewport):
    client = Client()
    client.force_login(user)
    # axe-core is injected as an inline script, which the portal's Content-Security-Policy refuses.
    context = chromium.new_context(viewport=viewport, bypass_csp=True)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    return context.new_page()


@pytest.fixture
def citizen(make_citizen, make_everything):
    user = make_citizen()
    user.notice = make_everything(user.debtor)["notice"]
    return user


def test_the_review_page_breaks_no_word_on_a_desktop(chromium, live_server, citizen):
    page = logged_in_page(chromium, live_server, citizen, DESKTOP)
    page.goto(live_server.url + reverse("citizen:notice_new"))
    for box in page.locator("input[type=checkbox]").all():
        box.check()
    page.get_by_role("button", name="Συνέχεια").click()
    assert page.locator("h1").inner_text().startswith("Ελέγξτε")
    assert page.evaluate(BROKEN_WORDS) == []
    assert_accessible(page)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_rf_breaks_only_between_groups_and_never_leaves_the_last_alone(
    chromium, live_server, citizen, viewport
):
    page = logged_in_page(chromium, live_server, citizen, viewport)
    for path in (reverse("citizen:notice", args=[citizen.notice.pk]), reverse("citizen:notices")):
        page.goto(live_server.url + path)
        shown = page.evaluate(RF_LINES)
        assert shown, path
        for rf in shown:
            assert rf["split"] == [], (path, rf)
            assert rf["tops"][-1] == rf["tops"][-2], (path, "the last group is alone", rf)
        assert page.evaluate(BROKEN_WORDS) == [], path
        assert_accessible(page)


def test_admin_lists_keep_every_column_in_sight_at_1280_px(
    chromium, live_server, admin_user, make_debtor, make_everything
):
    debtor = make_debtor(last_name="ΠΑΠΑΧΡΙΣΤΟΔΟΥΛΟΠΟΥΛΟΥ-ΚΑΡΑΜΑΝΛΗ", first_name="ΑΙΚΑΤΕΡΙΝΗ")
    make_everything(debtor)
    page = logged_in_page(chromium, live_server, admin_user, DESKTOP)
    for model in ("debt", "paymentnotice"):
        page.goto(live_server.url + reverse(f"admin:debts_{model}_changelist"))
        overflow = page.evaluate(
            "() => { const r = document.querySelector('#result_list').parentElement;"
            " return r.scrollWidth - r.clientWidth; }"
        )
        assert overflow <= 0, f"the {model} list hides {overflow}px of its columns"
    assert [rf["lines"] for rf in page.evaluate(RF_LINES)] == [1]
    assert page.get_by_placeholder("Γράψτε για φιλτράρισμα…").count() == 1
    assert page.get_by_text("Εμφάνιση πλήθους").count() == 1


def test_the_error_page_passes_axe(chromium, live_server):
    page = chromium.new_page(viewport=PHONE, bypass_csp=True)
    response = page.goto(live_server.url + "/en/no-such-page/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    assert_accessible(page)
