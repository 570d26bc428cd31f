"""The header on a phone: the navigation folds behind a "Menu" button that opens with the
keyboard and the mouse, and no page of any role is wider than a 375-pixel screen."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role

from tests.helpers.browser import log_in, log_in_ops, watch_server_errors
from tests.helpers.factories import make_lab, make_open_project, make_ops, make_vetted_expert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
OVERFLOW_JS = "() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
# The innermost elements reaching past the right edge, to name in a failure.
WIDE_ELEMENTS_JS = """
() => Array.from(document.body.querySelectorAll('*'))
  .filter(el => el.getBoundingClientRect().right > document.scrollingElement.clientWidth + 0.5)
  .filter(el => !Array.from(el.children).some(child => child.getBoundingClientRect().right > document.scrollingElement.clientWidth + 0.5))
  .slice(0, 3)
  .map(el => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '') + ' ' + (el.textContent || '').trim().slice(0, 40))
"""


@pytest.fixture
def small_phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def _menu(page):
    return page.get_by_role("button", name="Menu")


def test_the_phone_menu_opens_with_the_keyboard_and_the_mouse(small_phone, stripe_server):
    page = small_phone
    errors = watch_server_errors(page)
    expert = make_vetted_expert(display_name="Dr Ada")
    log_in(page, expert.user.email)
    expect(page).to_have_url(re.compile(r"/expert/$"))

    # Folded away: the button says so and the links are not shown.
    menu = _menu(page)
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_have_attribute("aria-controls", "site-menu")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()

    # The keyboard: tab to the button, open it with Enter, tab on to the first link.
    page.locator("body").focus()
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('menu-button')"):
            break
    expect(menu).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Dashboard")).to_be_focused()
    # Escape folds it again and gives the keyboard back to the button.
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(nav).to_be_hidden()

    # The mouse (a tap): open and follow a link.
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    nav.get_by_role("link", name="Projects").click()
    expect(page).to_have_url(re.compile(r"/expert/projects/$"))
    expect(_menu(page)).to_have_attribute("aria-expanded", "false")
    _menu(page).click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert not errors, errors


def test_the_desktop_navigation_shows_no_menu_button(page, stripe_server):
    expert = make_vetted_expert()
    log_in(page, expert.user.email)
    expect(page).to_have_url(re.compile(r"/expert/$"))
    expect(_menu(page)).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects")).to_be_visible()


def test_no_main_page_of_any_role_is_wider_than_a_phone(browser, live_server, stripe_server):
    lab, owner = make_lab(name="Helix Research")
    project = make_open_project(lab, owner, title="ECG grading", required_credential_kinds=[])
    expert = make_vetted_expert(display_name="Dr Ada")
    reviewer, reviewer_secret = make_ops(Role.OPS_REVIEWER)
    finance, finance_secret = make_ops(Role.OPS_FINANCE)
    roles = [
        (None, None, ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]),
        (expert.user, None, ["/expert/", "/expert/profile/", "/expert/projects/", "/expert/pay/", "/inbox/"]),
        (owner, None, ["/lab/", f"/lab/{lab.pk}/", f"/lab/projects/{project.pk}/"]),
        (reviewer, reviewer_secret, ["/ops/", "/ops/contributors/", "/ops/audit/", "/accounts/2fa/"]),
        (finance, finance_secret, ["/ops/pay-runs/", "/ops/revenue/", "/ops/payouts/"]),
    ]
    too_wide = []
    for user, secret, paths in roles:
        context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True)
        page = context.new_page()
        page.set_default_timeout(15000)
        errors = watch_server_errors(page)
        if secret:
            log_in_ops(page, user, secret)
        elif user:
            log_in(page, user.email)
        for path in paths:
            page.goto(path)
            for state in ("closed", "open"):
                if state == "open":
                    _menu(page).click()
                overflow = page.evaluate(OVERFLOW_JS)
                if overflow > 0:
                    too_wide.append(f"{path} ({state} menu): {overflow}px too wide: {page.evaluate(WIDE_ELEMENTS_JS)}")
        assert not errors, errors
        context.close()
    assert not too_wide, "\n".join(too_wide)
