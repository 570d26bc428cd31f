"""The Content Security Policy in a real Chromium: every page works under it and nothing it loads is refused."""

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import log_in, watch_server_errors
from tests.helpers.factories import make_lab, make_open_project, make_vetted_expert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS_JS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(`${event.effectiveDirective} refused ${event.blockedURI || 'inline'}`);
});
"""


@pytest.fixture
def csp_page(page):
    page.add_init_script(RECORD_VIOLATIONS_JS)
    return page


def violations(page) -> list[str]:
    return page.evaluate("() => window.__cspViolations")


@pytest.mark.parametrize(
    ("path", "shows"),
    [
        ("/", "Sign up"),
        ("/accounts/login/", "Sign In"),
        ("/api/docs/", "Expert Marketplace API"),
        # Redoc has a looser policy of its own for styles, workers and images (REDOC_CSP).
        ("/api/redoc/", "Expert Marketplace API"),
    ],
)
def test_public_pages_and_the_api_docs_run_under_the_policy(csp_page, path, shows):
    errors = watch_server_errors(csp_page)
    response = csp_page.goto(path)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "object-src 'none'" in policy
    # The API docs are drawn by their script from the schema: seeing the title proves it ran.
    expect(csp_page.get_by_text(shows).first).to_be_visible(timeout=30000)
    csp_page.wait_for_load_state("networkidle")
    assert violations(csp_page) == []
    assert errors == []


def test_the_budget_bar_keeps_its_proportions_without_style_attributes(csp_page, stripe_server, screenshot):
    lab, owner = make_lab(name="Bar Lab")
    project = make_open_project(lab, owner)
    from marketplace.services import invitation_send, staffing_request_accept

    expert = make_vetted_expert()
    staffing_request_accept(
        actor=expert.user, request=invitation_send(actor=owner, project=project, contributor=expert)
    )
    log_in(csp_page, owner.email)
    csp_page.goto(f"/lab/projects/{project.pk}/")

    bar = csp_page.locator(".burn-bar").bounding_box()
    committed = csp_page.locator(".burn-committed").bounding_box()
    remaining = csp_page.locator(".burn-remaining").bounding_box()
    inner_width = bar["width"] - 4  # its 2px border on each side
    # $90 x 10 h x 9 weeks committed of $20,000 is 40.5% of the bar, the rest remains.
    assert committed["width"] / inner_width == pytest.approx(0.405, abs=0.01)
    assert remaining["width"] / inner_width == pytest.approx(0.595, abs=0.01)
    assert committed["height"] == pytest.approx(bar["height"] - 4, abs=1)
    screenshot(csp_page, "lab-project-budget-bar")
    assert violations(csp_page) == []
