import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_landing_page_offers_sign_up_and_log_in(page, screenshot):
    page.goto("/")
    assert page.get_by_role("link", name="Sign up").first.is_visible()
    screenshot(page, "landing")
