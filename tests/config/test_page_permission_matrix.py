"""Who may open or submit what: every page against every kind of visitor.

The routes, and the methods each answers, come from the URL configuration and the views,
so a new page without an entry here fails the suite instead of shipping unchecked. The
entries say what the product should do; forms are sent empty, so an allowed visitor gets
the form back with its errors (400) or is sent on (3xx), never a 500.
"""

from copy import deepcopy
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import Role

from tests.helpers.factories import make_ops
from tests.helpers.page_world import build_world, page_routes, sign_in

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "owner",
    "other_expert",
    "lab_member",
    "other_lab_member",
    "ops_reviewer",
    "ops_finance",
    "ops_without_mfa",
]

OK, LOGIN, MFA, DENIED, HIDDEN = "ok", "login", "mfa", "denied", "hidden"

# Account pages are open to everyone; staff without a second factor who are already
# signed in are sent from them to set one up, like from every other page.
PUBLIC = dict.fromkeys(ROLES, OK)
HOME = {**PUBLIC, "ops_without_mfa": MFA}
# Anonymous visitors are asked to sign in, staff without a second factor to set one up,
# and a signed-in person of the wrong kind is refused.
NOBODY = {**dict.fromkeys(ROLES, DENIED), "anonymous": LOGIN, "ops_without_mfa": MFA}
EXPERT_SELF = {**NOBODY, "owner": OK, "other_expert": OK}
# Another expert's credential, case, engagement, work or statement does not exist for them.
EXPERT_OBJECT = {**EXPERT_SELF, "other_expert": HIDDEN}
LAB_SELF = {**NOBODY, "lab_member": OK, "other_lab_member": OK}
# Another lab's labs and projects do not exist for its members.
LAB_OBJECT = {**LAB_SELF, "other_lab_member": HIDDEN}
OPS_READ = {**NOBODY, "ops_reviewer": OK, "ops_finance": OK}
OPS_REVIEWER = {**NOBODY, "ops_reviewer": OK}
OPS_FINANCE = {**NOBODY, "ops_finance": OK}
# Conversations: every kind of account has a list; a thread is read by whoever may read its
# subject (here a time entry: its expert and its lab), and does not exist for anyone else.
PARTIES = {
    **NOBODY,
    "owner": OK,
    "other_expert": OK,
    "lab_member": OK,
    "other_lab_member": OK,
    "ops_reviewer": OK,
    "ops_finance": OK,
}
THREAD = {
    **NOBODY,
    "owner": OK,
    "other_expert": HIDDEN,
    "lab_member": OK,
    "other_lab_member": HIDDEN,
    "ops_reviewer": HIDDEN,
    "ops_finance": HIDDEN,
}

# Everyone signed in, about themselves: their inbox, notice preferences and data.
SIGNED_IN = {**dict.fromkeys(ROLES, OK), "anonymous": LOGIN, "ops_without_mfa": MFA}
# One of the owner's notices, or their copy of their data: nobody else's exists for them.
OWN_OBJECT = {**dict.fromkeys(ROLES, HIDDEN), "owner": OK, "anonymous": LOGIN, "ops_without_mfa": MFA}
OWN_NOTICE = OWN_OBJECT

# Experts and lab members, the people automated decisions are about.
PERSON = {**NOBODY, "owner": OK, "other_expert": OK, "lab_member": OK, "other_lab_member": OK}
# A decision about the owner, or their request about one: nobody else learns it exists.
PERSON_OBJECT = {**PERSON, "other_expert": HIDDEN, "lab_member": HIDDEN, "other_lab_member": HIDDEN}

# (route name, method) -> expected outcome per role
MATRIX = {
    # the inbox and notices, every role
    ("inbox", "get"): SIGNED_IN,
    ("inbox-notice-read", "post"): OWN_NOTICE,
    ("inbox-notices-read-all", "post"): SIGNED_IN,
    ("notice-preferences", "get"): SIGNED_IN,
    ("notice-preferences", "post"): SIGNED_IN,
    # privacy: everyone's own data
    ("your-data", "get"): SIGNED_IN,
    ("your-data", "post"): SIGNED_IN,
    ("your-data-download", "post"): OWN_OBJECT,
    # Asking to be erased: everyone about themselves; withdrawing: only the person who asked.
    ("your-data-erase", "post"): SIGNED_IN,
    ("your-data-erase-withdraw", "post"): OWN_OBJECT,
    # Erasure requests are decided by operations reviewers.
    ("ops-erasure-requests", "get"): OPS_REVIEWER,
    ("ops-erasure-request", "get"): OPS_REVIEWER,
    ("ops-erasure-request", "post"): OPS_REVIEWER,
    # Legal holds: every operations account reads them, reviewers place and release them.
    ("ops-legal-holds", "get"): OPS_READ,
    ("ops-legal-hold-place", "post"): OPS_REVIEWER,
    ("ops-legal-hold-release", "post"): OPS_REVIEWER,
    # oversight: the public list of automated systems, a person's review requests, operations' queue
    ("oversight-systems", "get"): HOME,
    ("oversight-my-decisions", "get"): PERSON,
    ("oversight-request-new", "get"): PERSON_OBJECT,
    ("oversight-request-new", "post"): PERSON_OBJECT,
    ("oversight-my-request", "get"): PERSON_OBJECT,
    ("oversight-ops-queue", "get"): OPS_READ,
    ("oversight-ops-request", "get"): OPS_READ,
    ("oversight-ops-decide", "post"): OPS_REVIEWER,
    # ratings: the expert rates the labs of their engagements, a lab reads its aggregate and
    # answers it, operations list labs by rating
    ("lab-ratings-due", "get"): EXPERT_SELF,
    ("lab-rate", "get"): EXPERT_OBJECT,
    ("lab-rate", "post"): EXPERT_OBJECT,
    ("lab-ratings", "get"): LAB_OBJECT,
    ("lab-ratings", "post"): LAB_OBJECT,
    ("ops-lab-ratings", "get"): OPS_READ,
    ("ops-lab-rating", "get"): OPS_READ,
    ("home", "get"): HOME,
    ("account_login", "get"): HOME,
    ("account_login", "post"): HOME,
    ("account_signup", "get"): HOME,
    ("account_signup", "post"): HOME,
    ("account_reset_password", "get"): PUBLIC,
    ("account_reset_password", "post"): PUBLIC,
    ("account_logout", "get"): PUBLIC,
    ("account_logout", "post"): PUBLIC,
    # experts: themselves
    ("expert-dashboard", "get"): EXPERT_SELF,
    ("expert-profile", "get"): EXPERT_SELF,
    ("expert-profile", "post"): EXPERT_SELF,
    ("expert-credentials", "get"): EXPERT_SELF,
    ("expert-credential-new", "get"): EXPERT_SELF,
    ("expert-credential-new", "post"): EXPERT_SELF,
    ("expert-credential", "get"): EXPERT_OBJECT,
    ("expert-credential-answer", "post"): EXPERT_OBJECT,
    ("expert-credential-document", "get"): EXPERT_OBJECT,
    ("expert-assessments", "get"): EXPERT_SELF,
    ("expert-attempt-start", "post"): EXPERT_SELF,
    ("expert-attempt", "get"): EXPERT_OBJECT,
    ("expert-attempt", "post"): EXPERT_OBJECT,
    ("expert-cases", "get"): EXPERT_SELF,
    ("expert-case", "get"): EXPERT_OBJECT,
    ("expert-identity", "get"): EXPERT_SELF,
    # Already verified: sent back to the identity page with a message, without reaching Stripe.
    ("expert-identity-start", "post"): EXPERT_SELF,
    ("expert-account-case", "get"): EXPERT_OBJECT,
    ("expert-account-case-answer", "post"): EXPERT_OBJECT,
    ("expert-case-respond", "post"): EXPERT_OBJECT,
    ("expert-case-appeal", "post"): EXPERT_OBJECT,
    # experts: projects and work
    ("expert-projects", "get"): EXPERT_SELF,
    ("expert-project-apply", "post"): EXPERT_SELF,
    ("expert-invitations", "get"): EXPERT_SELF,
    ("expert-invitation-accept", "post"): EXPERT_OBJECT,
    ("expert-invitation-decline", "post"): EXPERT_OBJECT,
    ("expert-timesheet", "get"): EXPERT_OBJECT,
    ("expert-time-log", "post"): EXPERT_OBJECT,
    ("expert-time-import", "post"): EXPERT_OBJECT,
    ("expert-time-history", "get"): EXPERT_OBJECT,
    ("expert-time-correct", "post"): EXPERT_OBJECT,
    ("expert-time-adjustment", "post"): EXPERT_OBJECT,
    ("expert-late-evidence", "get"): EXPERT_OBJECT,
    ("expert-tasks", "get"): EXPERT_OBJECT,
    ("expert-task-submit", "post"): EXPERT_OBJECT,
    ("expert-work-appeal", "post"): EXPERT_OBJECT,
    ("expert-disputes", "get"): EXPERT_SELF,
    ("expert-dispute-respond", "post"): EXPERT_OBJECT,
    # a project's instructions: its lab reads and publishes them, its engaged expert reads and confirms
    ("lab-project-instructions", "get"): LAB_OBJECT,
    ("lab-project-instructions", "post"): LAB_OBJECT,
    ("expert-instructions", "get"): EXPERT_OBJECT,
    ("expert-instruction-version", "get"): EXPERT_OBJECT,
    ("expert-instruction-diff", "get"): EXPERT_OBJECT,
    ("expert-instruction-read", "post"): EXPERT_OBJECT,
    ("expert-quality", "get"): EXPERT_SELF,
    ("expert-pay", "get"): EXPERT_SELF,
    ("expert-pay-statement", "get"): EXPERT_OBJECT,
    ("expert-pay-statement-pdf", "get"): EXPERT_OBJECT,
    ("expert-pay-statement-csv", "get"): EXPERT_OBJECT,
    ("expert-earnings-summary-pdf", "get"): EXPERT_SELF,
    ("expert-earnings-summary-csv", "get"): EXPERT_SELF,
    ("expert-tax-documents", "get"): EXPERT_SELF,
    ("expert-tax-document", "get"): EXPERT_OBJECT,
    # labs
    ("lab-home", "get"): LAB_SELF,
    ("lab-home", "post"): LAB_SELF,
    ("lab-detail", "get"): LAB_OBJECT,
    ("lab-member-add", "post"): LAB_OBJECT,
    # Invitations are managed by the lab's owners (the matrix's lab member owns the lab).
    ("lab-invitation-resend", "post"): LAB_OBJECT,
    ("lab-invitation-revoke", "post"): LAB_OBJECT,
    # The link's page asks everyone the same: sign up, or accept when signed in with the
    # invited address (anyone else signed in is told the link is for another address, 400).
    ("lab-invitation", "get"): HOME,
    ("lab-invitation", "post"): HOME,
    ("lab-project-new", "get"): LAB_OBJECT,
    ("lab-project-new", "post"): LAB_OBJECT,
    ("lab-project", "get"): LAB_OBJECT,
    ("lab-project-edit", "get"): LAB_OBJECT,
    ("lab-project-edit", "post"): LAB_OBJECT,
    ("lab-project-transition", "post"): LAB_OBJECT,
    ("lab-project-fund", "post"): LAB_OBJECT,
    ("lab-project-invite", "post"): LAB_OBJECT,
    # The world's expert has an accepted invitation to the project.
    ("lab-candidate", "get"): LAB_OBJECT,
    ("lab-project-rate-change", "post"): LAB_OBJECT,
    ("lab-request-accept", "post"): LAB_OBJECT,
    ("lab-request-decline", "post"): LAB_OBJECT,
    ("lab-review", "get"): LAB_OBJECT,
    # The evidence of late work: for the reviewers of its lab (the owner is one).
    ("lab-late-evidence", "get"): LAB_OBJECT,
    ("lab-review-bulk-approve", "post"): LAB_OBJECT,
    ("lab-review-approve", "post"): LAB_OBJECT,
    ("lab-review-reject", "post"): LAB_OBJECT,
    ("lab-time-dispute", "get"): LAB_OBJECT,
    ("lab-time-dispute", "post"): LAB_OBJECT,
    ("lab-disputes", "get"): LAB_OBJECT,
    ("lab-review-decide", "post"): LAB_OBJECT,
    ("lab-quality", "get"): LAB_OBJECT,
    ("lab-gold-add", "post"): LAB_OBJECT,
    ("lab-quality-recompute", "post"): LAB_OBJECT,
    # operations: vetting
    ("ops-dashboard", "get"): OPS_READ,
    ("ops-credentials", "get"): OPS_READ,
    ("ops-credential", "get"): OPS_READ,
    ("ops-credential-document", "get"): OPS_REVIEWER,
    ("ops-credential-start", "post"): OPS_REVIEWER,
    ("ops-credential-ask", "post"): OPS_REVIEWER,
    ("ops-credential-verify", "post"): OPS_REVIEWER,
    ("ops-credential-reject", "post"): OPS_REVIEWER,
    ("ops-contributors", "get"): OPS_READ,
    ("ops-contributor", "get"): OPS_READ,
    ("ops-contributor-tier", "post"): OPS_REVIEWER,
    ("ops-contributor-case-open", "post"): OPS_REVIEWER,
    ("ops-tiers", "get"): OPS_REVIEWER,
    ("ops-tier-approve", "post"): OPS_REVIEWER,
    ("ops-tier-decline", "post"): OPS_REVIEWER,
    ("ops-disputes", "get"): OPS_READ,
    ("ops-dispute", "get"): OPS_READ,
    ("ops-dispute-decide", "post"): OPS_REVIEWER,
    ("ops-cases", "get"): OPS_REVIEWER,
    ("ops-case", "get"): OPS_REVIEWER,
    ("ops-case-notice", "post"): OPS_REVIEWER,
    ("ops-case-decide", "post"): OPS_REVIEWER,
    ("ops-case-decide-appeal", "post"): OPS_REVIEWER,
    ("ops-account-cases", "get"): OPS_READ,
    ("ops-account-case", "get"): OPS_READ,
    ("ops-account-case-decide", "post"): OPS_REVIEWER,
    ("ops-audit", "get"): OPS_READ,
    ("ops-screening", "get"): OPS_READ,
    ("ops-screening-review", "get"): OPS_READ,
    ("ops-screening-propose", "post"): OPS_REVIEWER,
    ("ops-screening-second", "post"): OPS_REVIEWER,
    # operations: pay
    ("ops-pay-runs", "get"): OPS_READ,
    ("ops-pay-run-start", "post"): OPS_FINANCE,
    ("ops-pay-run", "get"): OPS_READ,
    ("ops-pay-run-progress", "get"): OPS_READ,
    ("ops-pay-run-approve", "post"): OPS_FINANCE,
    ("ops-pay-run-compliance", "get"): OPS_READ,
    ("ops-pay-run-compliance-csv", "get"): OPS_READ,
    ("ops-pay-statement", "get"): OPS_READ,
    ("expert-payouts", "get"): EXPERT_SELF,
    ("expert-tax-form", "get"): EXPERT_SELF,
    ("expert-tax-form", "post"): EXPERT_SELF,
    ("ops-tax-forms", "get"): OPS_READ,
    ("expert-payout-onboarding", "post"): EXPERT_SELF,
    ("ops-payout-batches", "get"): OPS_READ,
    ("ops-payout-batch-create", "post"): OPS_FINANCE,
    ("ops-payout-batch", "get"): OPS_READ,
    ("ops-payout-batch-progress", "get"): OPS_READ,
    ("ops-payout-batch-approve", "post"): OPS_FINANCE,
    ("ops-payout-retry", "post"): OPS_FINANCE,
    ("ops-payout-holds", "get"): OPS_READ,
    ("ops-payout-hold-place", "post"): OPS_FINANCE,
    ("ops-payout-hold-release", "post"): OPS_FINANCE,
    ("ops-revenue", "get"): OPS_READ,
    ("ops-tax-reporting", "get"): OPS_READ,
    ("ops-tax-reporting-run", "post"): OPS_FINANCE,
    ("ops-tax-report-file", "get"): OPS_FINANCE,
    ("ops-tax-report-file-filed", "post"): OPS_FINANCE,
    ("ops-reference", "get"): OPS_READ,
    ("ops-minimum-wage-calendar", "get"): OPS_READ,
    ("ops-reference-minimum-wage-propose", "get"): OPS_FINANCE,
    ("ops-reference-minimum-wage-propose", "post"): OPS_FINANCE,
    ("ops-reference-minimum-wage-correct", "get"): OPS_FINANCE,
    ("ops-reference-minimum-wage-correct", "post"): OPS_FINANCE,
    ("ops-reference-minimum-wage-retire", "get"): OPS_FINANCE,
    ("ops-reference-minimum-wage-retire", "post"): OPS_FINANCE,
    ("ops-reference-fx-rate-propose", "get"): OPS_FINANCE,
    ("ops-reference-fx-rate-propose", "post"): OPS_FINANCE,
    ("ops-reference-fx-rate-retire", "get"): OPS_FINANCE,
    ("ops-reference-fx-rate-retire", "post"): OPS_FINANCE,
    ("ops-reference-change-approve", "post"): OPS_FINANCE,
    ("ops-reference-change-reject", "post"): OPS_FINANCE,
    ("ops-reference-change-withdraw", "post"): OPS_FINANCE,
    ("lab-minimum-wage-calendar", "get"): LAB_SELF,
    ("conversations", "get"): PARTIES,
    ("conversation", "get"): THREAD,
    ("conversation", "post"): THREAD,
    ("conversation-subject", "get"): THREAD,
    ("conversation-subject", "post"): THREAD,
    ("conversation-close", "post"): THREAD,
    ("conversation-attachment", "get"): THREAD,
    # Operations read the lab's thread only through the dispute (audited); reviewers close it there.
    ("ops-dispute-conversation", "get"): OPS_READ,
    ("ops-dispute-conversation", "post"): OPS_REVIEWER,
}


def _page_routes() -> set[tuple[str, str]]:
    return {(route.name, method) for route in page_routes() for method in route.methods}


def test_every_page_route_has_an_entry_in_the_matrix():
    missing = sorted(_page_routes() - set(MATRIX))
    assert not missing, f"add these pages to the page permission matrix: {missing}"
    stale = sorted(set(MATRIX) - _page_routes())
    assert not stale, f"these matrix entries name pages or methods that no longer exist: {stale}"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, stripe_server):
    """Built once for the module, in a transaction rolled back at its end.

    Each test runs in a savepoint inside it, so a form one test submits successfully (an
    approval, an accepted invitation) is undone before the next.
    """
    stripe = override_settings(STRIPE_API_BASE=stripe_server.url, STRIPE_SECRET_KEY="sk_test_local")
    with django_db_blocker.unblock(), stripe, transaction.atomic():
        world = build_world()
        browsers = {
            "anonymous": Client(),
            "owner": sign_in(world.owner.user),
            "other_expert": sign_in(world.other.user),
            "lab_member": sign_in(world.lab_owner),
            "other_lab_member": sign_in(world.other_lab_owner),
            "ops_reviewer": sign_in(world.reviewer, world.reviewer_secret),
            "ops_finance": sign_in(world.finance, world.finance_secret),
            "ops_without_mfa": sign_in(world.ops_without_mfa),
        }
        # Staff who have a second factor cannot sign in without it, but a session from
        # before they set it up (or from a bug) could still be around.
        skipped_factor = Client()
        skipped_factor.force_login(make_ops(Role.OPS_REVIEWER)[0])
        browsers["ops_session_without_mfa"] = skipped_factor
        # Every request starts from the signed-in session, whatever an earlier one did to
        # the cookies (signing out, leaving a message for the next page).
        cookies = {role: deepcopy(browser.cookies) for role, browser in browsers.items()}
        yield browsers, cookies, world.kwargs
        transaction.set_rollback(True)


def _outcome(response) -> str:
    status = response.status_code
    assert status < 500, status
    if status in (301, 302, 303, 307, 308):
        path = urlsplit(response["Location"]).path
        if path == reverse("account_login"):
            return LOGIN
        # The second-factor pages, and the sign-out that makes staff with a factor who
        # signed in without it sign in again.
        if path.startswith("/accounts/2fa/") or path == reverse("account_logout"):
            return MFA
        return OK
    if status < 300 or status == 400:
        return OK
    return {403: DENIED, 404: HIDDEN}.get(status, str(status))


@pytest.mark.parametrize(("route", "method"), sorted(MATRIX))
def test_page_permission_matrix(route, method, world):
    browsers, cookies, kwargs = world
    url = reverse(route, kwargs=kwargs.get(route))
    outcomes = {}
    for role in ROLES:
        browser = browsers[role]
        browser.cookies = deepcopy(cookies[role])
        outcomes[role] = _outcome(getattr(browser, method)(url, {}))
    assert outcomes == MATRIX[(route, method)]


def test_staff_whose_session_skipped_their_second_factor_are_kept_out_like_those_without_one(world):
    browsers, cookies, kwargs = world
    browser = browsers["ops_session_without_mfa"]
    kept_out = [key for key, expected in sorted(MATRIX.items()) if expected["ops_without_mfa"] == MFA]
    let_in = {}
    for route, method in kept_out:
        url = reverse(route, kwargs=kwargs.get(route))
        if url.startswith("/accounts/"):
            continue  # signing in again happens here
        browser.cookies = deepcopy(cookies["ops_session_without_mfa"])
        outcome = _outcome(getattr(browser, method)(url, {}))
        if outcome != MFA:
            let_in[(route, method)] = outcome
    assert not let_in
