"""A real headless Chromium for end-to-end tests, and axe-core's accessibility scan.

Playwright drives Debian's Chromium (``/usr/bin/chromium``, installed by ``make setup``); it never
downloads a browser. axe-core comes from npm (``node_modules``) and is evaluated in each page.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE_JS = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
#: The impacts that fail a page; "minor" and "moderate" findings are reported, not fatal.
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="module")
def chromium():
    """One browser per test module; each test opens its own page or context."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make setup` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; Django's ORM refuses to run
    # beside one unless told that this test thread is synchronous code. Only for this module:
    # subprocesses started by other tests would inherit it (and `check --deploy` warns).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def axe_violations(page, exclude: tuple[str, ...] = ()) -> list[dict]:
    """The serious and critical accessibility violations axe-core finds on ``page``, outside the
    ``exclude`` selectors (a third party's widget the portal does not write)."""
    # Evaluated, not added as a <script>: the Content-Security-Policy refuses inline scripts.
    page.evaluate(AXE_JS.read_text())
    results = page.evaluate(
        """async (exclude) => await axe.run(
            {include: [document], exclude: exclude.map((selector) => [selector])},
            {resultTypes: ['violations']},
        )""",
        list(exclude),
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in results["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]


def assert_accessible(page, exclude: tuple[str, ...] = ()) -> None:
    violations = axe_violations(page, exclude)
    assert not violations, f"axe-core on {page.url}: {violations}"
