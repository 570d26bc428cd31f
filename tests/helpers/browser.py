"""What the browser tests do in every journey: sign in, watch for server errors, check the layout."""

import re
import time

from playwright.sync_api import expect

from tests.helpers.factories import PASSWORD, totp_code

# Every visible form control with no <label> and no aria-label / aria-labelledby.
UNLABELLED_CONTROLS_JS = """
() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => el.type !== 'hidden' && el.getClientRects().length > 0)
  .filter(el => !(el.labels && el.labels.length > 0)
                && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML.slice(0, 120))
"""
HORIZONTAL_OVERFLOW_JS = "() => document.documentElement.scrollWidth - window.innerWidth"


def watch_server_errors(page) -> list[str]:
    """Collect every response of 500 or above the page receives, to assert on at the end."""
    errors: list[str] = []
    page.on(
        "response",
        lambda response: errors.append(f"{response.status} {response.url}") if response.status >= 500 else None,
    )
    return errors


def log_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def log_in_ops(page, user, secret: str) -> None:
    log_in(page, user.email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    page.get_by_label("Code").fill(totp_code(secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/ops/$"))


def horizontal_overflow(page) -> int:
    return page.evaluate(HORIZONTAL_OVERFLOW_JS)


def reload_until(page, locator, *, timeout: float) -> None:
    """Reload until ``locator`` shows, as a person waiting for a payment to clear would."""
    deadline = time.monotonic() + timeout
    while True:
        if locator.count() and locator.first.is_visible():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not shown within {timeout} s: {locator}")
        time.sleep(0.5)
        page.reload()
