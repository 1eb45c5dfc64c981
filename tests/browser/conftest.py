"""A headless Debian chromium driven by Playwright (browsers cannot be downloaded here)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

# CI shares 2 cores between the app, the model and chromium: give assertions time to come true.
expect.set_options(timeout=20_000)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Without the background-networking flags chromium keeps dialling out on a closed network.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser(app_url: str) -> Iterator:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Debian chromium not found at {CHROMIUM}: run `apt-get install -y chromium` (see README).")
    from playwright.sync_api import sync_playwright

    import app

    # Every page load shows the panels' default results; computing them (about a minute here, once per process)
    # while a test's own clicks wait on the same 2 cores would only make the tests slow and flaky.
    app.warm_defaults().join()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def open_page(browser, app_url: str) -> Iterator:
    """open_page(path, locale) -> a Page on the app's ``path`` in a fresh browser context (closed afterwards)."""
    contexts = []

    def _open(path: str = "", locale: str = "en-US"):
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale=locale)
        contexts.append(context)
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        pg.goto(f"{app_url}{path}")
        return pg

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page) -> Iterator:
    """The main page (all tabs), in English."""
    return open_page()
