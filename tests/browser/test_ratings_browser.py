"""An expert rates a lab after their engagement ended; the lab's averages appear once five experts have rated.

Screenshots land in test-output/screenshots/ratings-*.png.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from ratings.models import LabRating, RatingReceipt
from ratings.services import lab_ratings_publish

from tests.helpers.browser import UNLABELLED_CONTROLS_JS, log_in, watch_server_errors
from tests.helpers.factories import make_open_project
from tests.helpers.ratings import NEXT_MONTH, lab_with_experts, rate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _serious_violations(page) -> list[str]:
    results = Axe().run(page, options=WCAG)
    return [
        f"{page.url} {v['id']}: {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def test_an_expert_rates_after_the_engagement_ended_and_the_averages_appear_once_five_rated(
    browser, live_server, page, screenshot, stripe_server
):
    errors = watch_server_errors(page)
    lab, owner, _project, engagements = lab_with_experts(5, name="Quill Labs")
    for engagement in engagements[:4]:
        rate(engagement, clarity=4, fairness=4, speed=2)
    make_open_project(lab, owner, title="Open evaluation", min_tier="bulk", required_credential_kinds=[])
    assert lab_ratings_publish(now=NEXT_MONTH) == 0
    mine = engagements[4]

    log_in(page, mine.contributor.user.email)
    page.goto("/expert/projects/")
    expect(page.get_by_text("Experts' ratings of Quill Labs: not enough ratings yet to show.")).to_be_visible()
    page.goto("/expert/invitations/")
    page.get_by_role("link", name=re.compile("Rate this lab")).click()
    expect(page.get_by_role("heading", name="Rate Quill Labs")).to_be_visible()
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []
    page.get_by_role("group", name=re.compile("Clarity of instructions")).get_by_label("5").check()
    page.get_by_role("group", name=re.compile("Fairness of reviews")).get_by_label("4").check()
    page.get_by_role("group", name=re.compile("Speed of answers")).get_by_label("3").check()
    page.get_by_label("Anything operations should know (optional)").fill("Good guide, slow answers at weekends.")
    screenshot(page, "ratings-rate")
    problems = _serious_violations(page)
    page.get_by_role("button", name="Send my rating").click()
    expect(page.get_by_text("Thank you. Your rating of Quill Labs counts in its next monthly average.")).to_be_visible()
    expect(page.get_by_text("No rating is due now.")).to_be_visible()
    expect(page.get_by_role("cell", name="June 2026")).to_be_visible()
    screenshot(page, "ratings-given")
    problems += _serious_violations(page)
    assert RatingReceipt.objects.filter(engagement=mine).count() == 1
    assert LabRating.objects.filter(lab=lab).count() == 5

    # Until the monthly batch, nothing changes for anyone.
    page.goto("/expert/projects/")
    expect(page.get_by_text("Experts' ratings of Quill Labs: not enough ratings yet to show.")).to_be_visible()

    assert lab_ratings_publish(now=NEXT_MONTH) == 1
    page.reload()
    card = page.locator(".lab-rating")
    expect(card.get_by_text("averages of 5 experts")).to_be_visible()
    expect(card.get_by_text("4.2 / 5")).to_be_visible()  # clarity: 4, 4, 4, 4, 5
    expect(card.get_by_text("2.2 / 5")).to_be_visible()  # speed: 2, 2, 2, 2, 3
    screenshot(page, "ratings-on-listing")
    problems += _serious_violations(page)

    lab_context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    lab_page = lab_context.new_page()
    lab_page.set_default_timeout(15000)
    lab_errors = watch_server_errors(lab_page)
    log_in(lab_page, owner.email)
    lab_page.goto(f"/lab/{lab.pk}/")
    lab_page.get_by_role("link", name="Ratings and the lab's answer").click()
    expect(lab_page.get_by_text("Fairness of reviews")).to_be_visible()
    expect(lab_page.get_by_text("slow answers at weekends")).to_have_count(0)
    lab_page.get_by_label("The lab's answer").fill("We now staff the help channel at weekends.")
    lab_page.get_by_role("button", name="Publish the answer").click()
    expect(lab_page.get_by_text("Your answer is shown beside the lab's ratings.")).to_be_visible()
    screenshot(lab_page, "ratings-lab")
    problems += _serious_violations(lab_page)
    lab_context.close()

    page.reload()
    expect(page.get_by_text("We now staff the help channel at weekends.")).to_be_visible()
    assert not problems, problems
    assert not errors and not lab_errors, errors + lab_errors
