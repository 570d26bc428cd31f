"""Each role's main journey in a real Chromium, as a new user would walk it.

The live server runs in this process, so the locmem mail outbox is shared with the test;
screenshots of the key pages land in test-output/screenshots/.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from audit.models import AuditEvent
from contributors.models import Contributor, Tier
from vetting.models import Credential, CredentialStatus

from tests.helpers.browser import UNLABELLED_CONTROLS_JS, horizontal_overflow, log_in, log_in_ops, watch_server_errors
from tests.helpers.factories import PDF_BYTES, UserFactory, make_credential, make_expert, make_ops

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a long secret phrase"

ACTIVE_ELEMENT_JS = """
() => {
  const el = document.activeElement;
  return el.id || (el.tagName.toLowerCase() + ':' + (el.getAttribute('type') || '') + ':' + el.textContent.trim());
}
"""


# --- helpers -------------------------------------------------------------------------


def fill_credential_form(page, tmp_path, *, issued_on: str = "2012-07-01") -> None:
    page.get_by_label("Kind of credential").select_option("degree")
    page.get_by_label("Field it proves expertise in").select_option("cardiology")
    page.get_by_label("Title").fill("MD")
    page.get_by_label("Issued by").fill("Charité Berlin")
    page.get_by_label("Number or identifier").fill("MD-2012-77")
    page.get_by_label("Country of issue").select_option("DE")
    page.get_by_label("Issued on").fill(issued_on)
    document = tmp_path / "diploma.pdf"
    document.write_bytes(PDF_BYTES)
    page.get_by_label("Document").set_input_files(document)


def verification_link(email: str) -> str:
    messages = [message for message in mail.outbox if email in message.to]
    assert messages, f"no mail to {email} in {[m.to for m in mail.outbox]}"
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", messages[-1].body)
    assert match, messages[-1].body
    return match.group(1)


# --- 1. the expert signs up, fills their profile, uploads a credential ---------------


def test_expert_signs_up_fills_profile_and_uploads_a_credential(page, screenshot, tmp_path):
    errors = watch_server_errors(page)
    email = "grace.browser@example.test"

    page.goto("/")
    page.get_by_role("link", name="Sign up", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Full name").fill("Grace Browser")
    page.get_by_label("I am an expert looking for work").check()
    page.get_by_label("Password:", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password (again)").fill(NEW_PASSWORD)
    screenshot(page, "expert-01-signup")
    page.get_by_role("button", name="Sign Up").click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))

    page.goto(verification_link(email))
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/expert/$"))
    expect(page.get_by_role("heading", name="Start with your profile")).to_be_visible()
    screenshot(page, "expert-02-dashboard-new")

    # The profile: the region list follows the country after "Show regions" (no JavaScript).
    page.get_by_role("link", name="Fill in your profile").click()
    expect(page).to_have_url(re.compile(r"/expert/profile/$"))
    page.get_by_label("Legal name").fill("Grace Example")
    page.get_by_label("Display name").fill("Dr Grace")
    page.get_by_label("Highest education").select_option("doctorate")
    page.get_by_label("Country you work from").select_option("DE")
    page.get_by_role("button", name="Show regions for this country").click()
    expect(page.get_by_text("The region list now matches the country you chose.")).to_be_visible()
    expect(page.get_by_label("Legal name")).to_have_value("Grace Example")
    page.get_by_label("State, province or region").select_option("DE-BE")
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_label("Languages you work in").select_option(["de", "en"])
    page.get_by_label("Cardiology", exact=True).check()
    page.get_by_label("Securities", exact=True).check()
    page.get_by_label("Skills").fill("ECG reading\nclinical guidelines")
    page.get_by_label("Hours available per week").fill("12")
    page.get_by_label("Graphic violence").check()
    page.get_by_label("Most minutes of sensitive content per week").fill("30")
    screenshot(page, "expert-03-profile-form")
    page.get_by_role("button", name="Create profile").click()

    expect(page).to_have_url(re.compile(r"/expert/$"))
    expect(page.get_by_text("Your profile is created.")).to_be_visible()
    expect(page.get_by_role("heading", name="Welcome, Dr Grace")).to_be_visible()
    expect(page.get_by_text("Germany, Berlin")).to_be_visible()
    expect(page.get_by_text("Not decided yet")).to_be_visible()
    screenshot(page, "expert-04-dashboard")

    contributor = Contributor.objects.get(user__email=email)
    assert contributor.user.full_name == "Grace Browser"
    assert sorted(contributor.languages) == ["de", "en"]
    assert contributor.subdivision == "DE-BE"
    assert contributor.content_opt_outs == ["violence"]
    assert sorted(contributor.specialties.values_list("slug", flat=True)) == ["cardiology", "securities"]

    # A credential, with its document.
    page.get_by_role("link", name="Add a credential").click()
    expect(page).to_have_url(re.compile(r"/expert/credentials/new/$"))
    fill_credential_form(page, tmp_path)
    screenshot(page, "expert-05-credential-form")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Your credential is submitted.")).to_be_visible()
    expect(page.get_by_text("diploma.pdf")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Credentials").click()
    expect(page).to_have_url(re.compile(r"/expert/credentials/$"))
    card = page.locator(".card-list li", has=page.get_by_role("link", name="MD"))
    expect(card).to_be_visible()
    expect(card.locator(".badge")).to_have_text("Submitted")
    screenshot(page, "expert-06-credential-list")

    credential = Credential.objects.get(contributor=contributor)
    assert credential.status == CredentialStatus.SUBMITTED
    assert credential.documents.count() == 1
    assert errors == []


# --- 2. operations review the credential with a question, verify it, set a tier ------


def test_ops_reviews_asks_verifies_and_sets_a_tier(browser, live_server, page, screenshot):
    errors = watch_server_errors(page)
    contributor = make_expert()
    credential = make_credential(contributor)
    reviewer, secret = make_ops()

    log_in_ops(page, reviewer, secret)
    expect(page.get_by_role("heading", name="Operations", exact=True)).to_be_visible()
    screenshot(page, "ops-01-dashboard")

    page.get_by_role("link", name="Open the review queue").click()
    expect(page).to_have_url(re.compile(r"/ops/credentials/$"))
    expect(page.get_by_role("row", name=re.compile("Medical license"))).to_be_visible()
    screenshot(page, "ops-02-queue")

    with page.expect_response(re.compile(rf"/ops/credentials/{credential.pk}/document/$")) as document:
        page.get_by_role("link", name="Medical license").click()
    assert document.value.status == 200
    assert document.value.headers["content-type"] == "application/pdf"
    expect(page.locator("iframe[title='Document for Medical license']")).to_be_visible()
    screenshot(page, "ops-03-credential-review")

    page.get_by_role("button", name="Start review").click()
    expect(page.locator(".page-head .badge")).to_have_text("In review")
    page.get_by_label("Question for the expert").fill("Please send the page with your licence number.")
    page.get_by_role("button", name="Send question").click()
    expect(page.get_by_text("Waiting for the expert to answer.")).to_be_visible()

    # The expert, in a browser of their own, answers.
    expert_context = browser.new_context(base_url=live_server.url)
    try:
        expert = expert_context.new_page()
        expert.set_default_timeout(15000)
        errors += watch_server_errors(expert)
        log_in(expert, contributor.user.email)
        expect(expert).to_have_url(re.compile(r"/expert/$"))
        questions = expert.get_by_role("region", name=re.compile("Reviewers asked you 1 question"))
        expect(questions).to_contain_text("Please send the page with your licence number.")
        questions.get_by_role("link", name="Medical license").click()
        expert.get_by_label("Your answer").fill("The number is A123456, on page one.")
        expert.get_by_role("button", name="Send answer").click()
        expect(expert.get_by_text("Thank you. Your answer is with the reviewer.")).to_be_visible()
        expect(expert.locator(".page-head .badge")).to_have_text("In review")

        # Back to operations: the answer is there; verify and set the tier.
        page.reload()
        expect(page.get_by_text("The number is A123456, on page one.")).to_be_visible()
        page.get_by_label("Note (optional)").fill("Checked on the board's register.")
        page.get_by_role("button", name="Verify credential").click()
        expect(page.locator(".page-head .badge")).to_have_text("Verified")

        page.get_by_role("link", name="Dr Ada").click()
        expect(page).to_have_url(re.compile(rf"/ops/contributors/{contributor.pk}/$"))
        page.get_by_label("New tier").select_option("domain")
        page.get_by_label("Reason").fill("Verified cardiology licence.")
        page.get_by_role("button", name="Record tier decision").click()
        expect(page.get_by_text("Tier set to Domain.")).to_be_visible()
        expect(page.get_by_text("No tier → Domain")).to_be_visible()

        expert.goto("/expert/")
        tier = expert.locator("section.card", has=expert.get_by_role("heading", name="Tier", exact=True))
        expect(tier).to_contain_text("Domain")
        expect(expert.get_by_text("1 verified")).to_be_visible()
    finally:
        expert_context.close()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit trail").click()
    expect(page).to_have_url(re.compile(r"/ops/audit/$"))
    actions = page.locator("table code").all_inner_texts()
    for action in (
        "contributors.profile.created",
        "vetting.credential.submitted",
        "vetting.credential.review_started",
        "vetting.credential.info_requested",
        "vetting.credential.info_provided",
        "vetting.credential.verified",
        "vetting.tier.changed",
    ):
        assert action in actions, action
    screenshot(page, "ops-04-audit-trail")

    credential.refresh_from_db()
    contributor.refresh_from_db()
    assert credential.status == CredentialStatus.VERIFIED
    assert contributor.tier == Tier.DOMAIN
    assert errors == []


# --- 3. errors show next to their fields and keep what was typed ----------------------


def test_future_issue_date_is_shown_next_to_the_field_and_typed_values_stay(page, screenshot, tmp_path):
    errors = watch_server_errors(page)
    contributor = make_expert()
    log_in(page, contributor.user.email)
    page.goto("/expert/credentials/new/")
    future = (timezone.now().date() + timedelta(days=5)).isoformat()
    fill_credential_form(page, tmp_path, issued_on=future)
    with page.expect_response(re.compile(r"/expert/credentials/new/$")) as response:
        page.get_by_role("button", name="Submit for review").click()
    assert response.value.status == 400

    issued_on = page.get_by_label("Issued on")
    field = page.locator(".field", has=page.locator("#id_issued_on"))
    expect(field.locator("#id_issued_on_error")).to_contain_text("The issue date cannot be in the future.")
    expect(field).to_have_class(re.compile("field-has-error"))
    expect(issued_on).to_have_value(future)
    expect(page.get_by_label("Title")).to_have_value("MD")
    expect(page.get_by_label("Issued by")).to_have_value("Charité Berlin")
    expect(page.get_by_label("Number or identifier")).to_have_value("MD-2012-77")
    expect(page.get_by_label("Kind of credential")).to_have_value("degree")
    expect(page.get_by_label("Field it proves expertise in")).to_have_value("cardiology")
    expect(page.get_by_label("Country of issue")).to_have_value("DE")
    expect(page.get_by_text("please choose the document again")).to_be_visible()
    # Only the date field is marked.
    expect(page.locator(".field-has-error")).to_have_count(1)
    screenshot(page, "error-credential-future-date")
    assert not Credential.objects.filter(contributor=contributor).exists()
    assert errors == []


def test_reject_without_a_reason_shows_a_field_error(page, screenshot):
    errors = watch_server_errors(page)
    credential = make_credential(make_expert())
    reviewer, secret = make_ops()
    log_in_ops(page, reviewer, secret)
    page.goto(f"/ops/credentials/{credential.pk}/")
    page.get_by_role("button", name="Start review").click()
    reason = page.get_by_label("Reason for rejecting")
    reject = page.get_by_role("button", name="Reject credential")

    # Empty: the browser itself refuses (the textarea is required) and nothing is sent.
    reject.click()
    expect(page).to_have_url(re.compile(rf"/ops/credentials/{credential.pk}/$"))
    assert reason.evaluate("el => el.validity.valueMissing")

    # Only spaces get past the browser; the server refuses them next to the field.
    events = AuditEvent.objects.count()
    reason.fill("   ")
    with page.expect_response(re.compile(rf"/ops/credentials/{credential.pk}/reject/$")) as response:
        reject.click()
    assert response.value.status == 400
    field = page.locator(".field", has=page.locator("#id_reason"))
    expect(field.locator("#id_reason_error")).to_contain_text("This field is required.")
    screenshot(page, "error-reject-without-reason")

    credential.refresh_from_db()
    assert credential.status == CredentialStatus.IN_REVIEW
    assert AuditEvent.objects.count() == events
    assert errors == []


# --- 4. phone-sized screens ---------------------------------------------------------


def test_phone_renders_dashboard_and_credentials_without_horizontal_scrolling(phone_page, screenshot):
    errors = watch_server_errors(phone_page)
    contributor = make_expert()
    make_credential(contributor)
    make_credential(contributor, title="Board certification in cardiovascular disease", kind="certification")
    log_in(phone_page, contributor.user.email)
    expect(phone_page).to_have_url(re.compile(r"/expert/$"))

    for path, name in (
        ("/expert/", "phone-expert-dashboard"),
        ("/expert/credentials/", "phone-expert-credentials"),
        ("/expert/credentials/new/", "phone-expert-credential-form"),
        ("/expert/profile/", "phone-expert-profile-form"),
    ):
        phone_page.goto(path)
        assert horizontal_overflow(phone_page) <= 0, f"{path} scrolls sideways on a phone"
        screenshot(phone_page, name)
    assert errors == []


# --- 5. keyboard and labels ---------------------------------------------------------


def test_tab_reaches_login_fields_and_button_in_order(page):
    page.goto("/accounts/login/")
    visited = []
    for _ in range(20):
        page.keyboard.press("Tab")
        visited.append(page.evaluate(ACTIVE_ELEMENT_JS))
        if visited[-1].startswith("button:submit:Sign In"):
            break
    assert visited[0] == "a::Skip to main content", visited
    assert "id_login" in visited and "id_password" in visited, visited
    assert visited.index("id_login") < visited.index("id_password") < len(visited) - 1, visited
    assert visited[-1] == "button:submit:Sign In", visited


def test_every_signup_profile_and_credential_field_has_a_label(page):
    errors = watch_server_errors(page)
    page.goto("/accounts/signup/")
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []

    log_in(page, UserFactory(role=Role.EXPERT).email)
    page.goto("/expert/profile/")
    expect(page.get_by_role("heading", name="Create your profile")).to_be_visible()
    assert page.locator("select, input[type=checkbox], textarea").count() > 10
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []

    page.context.clear_cookies()
    log_in(page, make_expert().user.email)
    page.goto("/expert/credentials/new/")
    expect(page.get_by_role("heading", name="Add a credential")).to_be_visible()
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []
    assert errors == []
