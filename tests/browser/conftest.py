"""Playwright driving Debian's Chromium against a live server of the real application."""

import os
import shutil
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium_path():
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Chromium is not installed; `make test` installs it (apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    # Playwright's synchronous API runs an event loop in this thread; the ORM calls the
    # tests make between page actions are still plain synchronous code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        # After a full-page capture of a long page Chromium's clicks can land where the
        # page was during the capture; scrolling once puts hit-testing back in step.
        page.evaluate("() => window.scrollTo(0, 0)")
        return path

    return take


@pytest.fixture
def platform_webhooks(stripe_server, live_server, settings):
    """The local Stripe server sends its platform events (Identity's among them) to the live server, as Stripe would."""
    from stripe_local.server import register_webhook, reset, unregister_webhook, webhook_deliveries

    reset()
    webhook_deliveries.set(delay_seconds=0)
    register_webhook(
        name="browser-platform",
        url=live_server.url + "/stripe/webhooks/platform/",
        secret=settings.STRIPE_WEBHOOK_SECRET,
    )
    yield stripe_server
    unregister_webhook(name="browser-platform")
    reset()
