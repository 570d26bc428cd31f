"""The page routes of the URL configuration, and a world of real objects to request them with.

Shared by the page tests that walk every route, so that a new page with path parameters
is given its objects in one place.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.models import Notice, NoticeKind, Role, User
from accounts.notifications import notify_after_commit
from contributors.models import Contributor
from identity.services import account_case_open_duplicate
from marketplace.services import (
    application_send,
    instruction_publish,
    invitation_send,
    staffing_request_accept,
    task_submit,
    time_dispute_open,
    time_entry_adjustment_request,
    time_entry_log,
)
from oversight.services import review_request_open
from payouts.models import FxRate, MinimumWage
from payouts.payruns.services import pay_run_approve, pay_run_compute, pay_run_start
from payouts.reference.services import (
    reference_change_propose_fx_rate,
    reference_change_propose_minimum_wage_retirement,
)
from payouts.transfers.batches import payout_batch_create
from payouts.transfers.holds import payout_hold_place
from payouts.weeks import week_of
from vetting.services import (
    assessment_attempt_start,
    assessment_create,
    deactivation_case_open,
    tier_decision_propose,
)

from tests.helpers.factories import (
    PASSWORD,
    UserFactory,
    make_expert,
    make_lab,
    make_open_project,
    make_ops,
    make_vetted_expert,
    pdf_upload,
    totp_code,
)
from tests.helpers.lab_invitations import invitation_with_link

# Third-party account pages are exercised through the ones people use; the rest of
# allauth's routes need tokens from emails.
ALLAUTH_PAGES = {"account_login", "account_signup", "account_reset_password", "account_logout"}
# Health checks answer 503 by design when what they check is down (tests/maintenance/test_health.py).
NOT_PAGES = {"stripe-webhook", "healthz", "healthz-db", "healthz-broker", "healthz-worker"}
# Links and HTML forms can send nothing else.
PAGE_METHODS = ("get", "post")


@dataclass(frozen=True)
class PageRoute:
    name: str
    params: tuple[str, ...]
    methods: tuple[str, ...]


def page_routes() -> list[PageRoute]:
    """Every page route, with its path parameters and the methods its view answers."""
    routes = set()

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name:
                path = prefix + str(pattern.pattern)
                if path.startswith("api/") or pattern.name in NOT_PAGES:
                    continue
                if path.startswith("accounts/") and pattern.name not in ALLAUTH_PAGES:
                    continue
                params = tuple(sorted(pattern.pattern.converters))
                routes.add(PageRoute(pattern.name, params, view_methods(pattern.callback)))

    walk(get_resolver().url_patterns)
    return sorted(routes, key=lambda route: (route.name, route.params))


# The check that require_POST, require_GET and require_http_methods put in front of a view;
# every use of them shares this code object.
_METHOD_CHECK = require_http_methods([])(lambda request: None).__code__


def view_methods(view) -> tuple[str, ...]:
    """The page methods a view answers, read from the view itself.

    A method restriction anywhere in its wrappers, or a class-based view's handlers, say it
    exactly. A plain function answers any method; it is a form (GET and POST) when it or a
    function of this project it calls reads the submitted data, and a page (GET) otherwise.
    """
    func = view
    while func is not None:
        view_class = getattr(func, "view_class", None) or getattr(func, "cls", None)
        if view_class is not None:
            return tuple(method for method in PAGE_METHODS if hasattr(view_class, method))
        if getattr(func, "__code__", None) is _METHOD_CHECK:
            allowed = inspect.getclosurevars(func).nonlocals["request_method_list"]
            return tuple(method for method in PAGE_METHODS if method.upper() in allowed)
        func = getattr(func, "__wrapped__", None)
    return PAGE_METHODS if _reads_submitted_data(inspect.unwrap(view), seen=set()) else ("get",)


def _is_ours(func) -> bool:
    try:
        source = Path(inspect.getsourcefile(func) or "").resolve()
    except TypeError:
        return False
    base = Path(settings.BASE_DIR).resolve()
    return source.is_relative_to(base) and not source.is_relative_to(base / ".venv")


def _reads_submitted_data(func, seen: set) -> bool:
    if not inspect.isfunction(func) or func in seen or not _is_ours(func):
        return False
    seen.add(func)
    for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(func)))):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "request"
            and node.attr in ("POST", "FILES", "method")
        ):
            return True
        called = func.__globals__.get(node.id) if isinstance(node, ast.Name) else None
        if inspect.isfunction(called) and _reads_submitted_data(inspect.unwrap(called), seen):
            return True
    return False


def sign_in(user: User, secret: str | None = None) -> Client:
    """A browser signed in through the login form, and the second factor when a secret is given."""
    browser = Client()
    assert browser.post("/accounts/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    if secret:
        assert browser.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)}).status_code == 302
    return browser


def conversation_objects(*, entry, lab_owner, dispute):
    """The expert's thread with the lab about ``entry`` (a message with a document), and the lab's
    thread about the disputed entry, which operations read through the dispute."""
    from conversations.services import message_post, thread_open

    expert = entry.contributor.user
    thread, _ = thread_open(actor=expert, kind="time_entry", subject_id=entry.pk)
    message = message_post(actor=expert, thread=thread, body="Here is the call log.", attachment=pdf_upload("log.pdf"))
    disputed, _ = thread_open(actor=lab_owner, kind="time_entry", subject_id=dispute.time_entry_id)
    message_post(actor=lab_owner, thread=disputed, body="Our logs show nothing that morning.")
    return thread, message, disputed


@dataclass
class PageWorld:
    """People of every kind and the objects pages are about, made through the services.

    ``owner`` owns every expert object (credential, attempt, case, engagement, work, an
    open invitation, a statement of an approved run) and is engaged on ``lab``'s project;
    ``other`` is a second vetted expert with a tier decision waiting for approval. Pay runs
    and reviews are prepared by staff outside these people, so that either finance or
    reviewer here may act on them without meeting the four-eyes rule.
    """

    owner: Contributor
    other: Contributor
    reviewer: User
    reviewer_secret: str
    finance: User
    finance_secret: str
    ops_without_mfa: User
    lab_owner: User
    other_lab_owner: User
    kwargs: dict[str, dict] = field(default_factory=dict)


def _a_screening_review():
    """A lab whose name is on the sample SDN list: screening opens a review."""
    from pathlib import Path

    from django.utils import timezone

    from screening.models import SanctionsList, ScreeningReview
    from screening.services import SanctionsFiles, sanctions_files_parse
    from screening.services.lists import _store_entries

    from tests.helpers.factories import make_lab

    # The import itself is durable and cannot run inside the world's transaction: its rows
    # are written the way it writes them.
    samples = Path(__file__).resolve().parents[2] / "screening" / "samples"
    files = SanctionsFiles(prim=(samples / "SDN.CSV").read_bytes())
    entries = sanctions_files_parse(files=files)
    publication = SanctionsList.objects.create(
        list_kind="sdn",
        published_on=timezone.now().date(),
        source="SDN.CSV",
        files_sha256=files.sha256(),
        imported_at=timezone.now(),
        entries_count=len(entries),
        aliases_count=0,
        addresses_count=0,
    )
    _store_entries(publication=publication, entries=entries)
    lab, _ = make_lab(name="Example Trading Co. Ltd.")
    return ScreeningReview.objects.get(subject__kind="lab", subject__ref_id=lab.pk)


def a_lab_screening_review():
    """A lab whose name is on the sample SDN list, and the screening review that holds its funding."""
    return _a_screening_review()


def _reporting_kwargs(owner, statement) -> dict:
    """A DAC7 file with a record of ``owner``'s, as a run would have written them."""
    from reporting.models import ReportFile, ReportRecord

    report = ReportFile.objects.create(
        kind="dac7",
        year=2026,
        jurisdiction="DE",
        message_type="DPI401",
        message_ref_id="IE2026WORLD",
        filename="dac7-world.xml",
        content=b"<x/>",
        size_bytes=4,
        sha256="0" * 64,
        records_count=1,
    )
    record = ReportRecord.objects.create(
        form="DAC7",
        contributor=owner,
        year=2026,
        jurisdiction="DE",
        file=report,
        record_ref="IE2026WORLDS1",
        currency="EUR",
        total_minor=0,
        amounts={"consideration_minor": [0] * 4, "activities": [0] * 4, "fees_minor": [0] * 4, "taxes_minor": [0] * 4},
    )
    return {
        "expert-earnings-summary-pdf": {"year": 2026},
        "expert-earnings-summary-csv": {"year": 2026},
        "expert-pay-statement-pdf": {"pk": statement.pk},
        "expert-pay-statement-csv": {"pk": statement.pk},
        "expert-tax-document": {"pk": record.pk},
        "ops-tax-report-file": {"pk": report.pk},
        "ops-tax-report-file-filed": {"pk": report.pk},
    }


def an_erasure_request(user):
    """The person's open request to have their data erased."""
    from privacy.services import erasure_request_open

    return erasure_request_open(actor=user, statement="Please erase my data.")


def a_legal_hold(*, on, by):
    """A hold in force on ``on``'s records, placed by the operations reviewer ``by``."""
    from privacy.services import legal_hold_place

    return legal_hold_place(actor=by, user=on, reason="A claim about their pay is before a tribunal.")


def _a_copy_of_their_data(user):
    """The person's copy of their data, prepared and waiting to be downloaded."""
    from privacy.services import data_export_prepare, data_export_request

    return data_export_prepare(export_id=data_export_request(actor=user).pk)


def build_world() -> PageWorld:
    """Needs the database and the local Stripe server (projects are funded before they open)."""
    owner = make_vetted_expert()
    other = make_vetted_expert()
    reviewer, reviewer_secret = make_ops(Role.OPS_REVIEWER)
    finance, finance_secret = make_ops(Role.OPS_FINANCE)
    # Staff who have not set up their second factor yet can sign in with a password alone.
    ops_without_mfa = UserFactory(role=Role.OPS_REVIEWER)
    colleague, _ = make_ops(Role.OPS_REVIEWER)
    preparer, _ = make_ops(Role.OPS_FINANCE)
    approver, _ = make_ops(Role.OPS_FINANCE)
    credential = owner.credentials.get()
    lab, lab_owner = make_lab()
    _other_lab, other_lab_owner = make_lab()

    today = timezone.now().date()
    last_monday = week_of(today)[0] - timedelta(days=7)
    monday_before = last_monday - timedelta(days=7)
    project = make_open_project(
        lab,
        lab_owner,
        min_tier="bulk",
        required_credential_kinds=[],
        pay_model="per_task",
        rate_minor=300,
        task_estimate_minutes=10,
    )
    type(project).objects.filter(pk=project.pk).update(starts_on=monday_before)
    applicant = make_vetted_expert()
    application = application_send(actor=applicant.user, project=project, message="I would like to help.")
    engagement = staffing_request_accept(
        actor=owner.user, request=invitation_send(actor=lab_owner, project=project, contributor=owner)
    )
    type(engagement).objects.filter(pk=engagement.pk).update(started_at=timezone.now() - timedelta(days=21))
    engagement.refresh_from_db()
    invitation = invitation_send(
        actor=lab_owner,
        project=make_open_project(lab, lab_owner, title="Second project"),
        contributor=owner,
    )

    # The last two weeks' work is logged while they are open; both have closed when they are run.
    with override_settings(PAY_WEEK_GRACE_HOURS=settings.PAY_WEEK_GRACE_HOURS_MAX):
        time_entry_log(
            actor=owner.user, engagement=engagement, activity="training", work_date=monday_before, minutes=90
        )
        entry = time_entry_log(
            actor=owner.user, engagement=engagement, activity="training", work_date=last_monday, minutes=60
        )
        task = task_submit(
            actor=owner.user, engagement=engagement, task_reference="T-1", minutes=15, work_date=last_monday
        )
    # This week: an entry the lab may still dispute, and one it disputes.
    this_week = max(week_of(today)[0], today - timedelta(days=1))
    open_entry = time_entry_log(
        actor=owner.user, engagement=engagement, activity="meeting", work_date=this_week, minutes=20
    )
    dispute = time_dispute_open(
        actor=lab_owner,
        entry=time_entry_log(
            actor=owner.user, engagement=engagement, activity="meeting", work_date=this_week, minutes=25
        ),
        reason="No meeting took place.",
    )
    with override_settings(PAY_WEEK_GRACE_HOURS=0):
        paid_run = pay_run_compute(run_id=pay_run_start(actor=preparer, period_start=monday_before).pk)
        pay_run_approve(actor=approver, run=paid_run)
        statement = paid_run.statements.get()
        draft_run = pay_run_compute(run_id=pay_run_start(actor=preparer, period_start=last_monday).pk)
    # Late work in the paid week, filed with evidence as an adjustment request.
    late = time_entry_adjustment_request(
        actor=owner.user,
        engagement=engagement,
        activity="training",
        work_date=monday_before + timedelta(days=1),
        minutes=30,
        late_reason="Forgot to log the training session.",
        evidence=pdf_upload("evidence.pdf"),
    )
    # The paid week's payout batch, still a draft (so finance in the matrix may approve it);
    # the owner has no payout account, so their payout is held, and their pay is on hold too.
    payout_batch = payout_batch_create(actor=preparer, run=paid_run)
    payout = payout_batch.payouts.get()
    payout_hold = payout_hold_place(
        actor=preparer, contributor=owner, reason="Checking a document", review_by=today + timedelta(days=30)
    )

    assessment = assessment_create(
        actor=colleague,
        title="Basics",
        domain=credential.field,
        description="",
        questions=[{"prompt": "?", "choices": ["a", "b"], "answer": 0}],
        pass_mark_percent=50,
        time_limit_minutes=10,
    )
    attempt = assessment_attempt_start(actor=owner.user, contributor=owner, assessment=assessment)
    case = deactivation_case_open(actor=colleague, contributor=owner, concern="Concern")
    # A question about the owner's account shared with a third expert (not the other one).
    account_case = account_case_open_duplicate(
        signal="bank_account", contributor_ids=(owner.pk, make_expert().pk), evidence={"bank_last4": "6789"}
    )
    decision = tier_decision_propose(actor=colleague, contributor=other, tier="expert", reason="Strong")
    # The owner's payouts are held automatically (no verified identity yet): they asked a person to review it.
    review_request = review_request_open(
        actor=owner.user, system="payout_holds", subject_id=owner.pk, statement="My documents are on their way."
    )

    # A change proposed by the matrix's finance user (only they withdraw it), and one by a colleague.
    wage = MinimumWage.in_force.filter(country="DE").latest("effective_from")
    own_change = reference_change_propose_minimum_wage_retirement(
        actor=finance, minimum_wage=wage, reason="Not enacted."
    )
    other_change = reference_change_propose_fx_rate(
        actor=preparer,
        base="EUR",
        quote="USD",
        rate=Decimal("1.2"),
        effective_from=today + timedelta(days=1),
        reason="The feed was down.",
    )

    screening_review = _a_screening_review()
    thread, message, _ = conversation_objects(entry=entry, lab_owner=lab_owner, dispute=dispute)

    notify_after_commit(
        recipients=[owner.user],
        subject="Your credential is verified",
        body="It now counts towards matching.",
        kind=NoticeKind.CREDENTIALS,
        link=reverse("expert-credential", args=[credential.pk]),
    )
    notice = Notice.objects.filter(recipient=owner.user).latest("pk")
    erasure = an_erasure_request(owner.user)

    instructions = instruction_publish(
        actor=lab_owner, project=project, body="# Rules\n\nLabel carefully.", reading_minutes=10
    )
    time_entry = {"kind": "time-entries", "pk": entry.pk}
    review = {"pk": project.pk, "kind": "tasks", "item_pk": task.pk}
    kwargs = {
        "conversation": {"pk": thread.pk},
        "conversation-close": {"pk": thread.pk},
        "conversation-attachment": {"pk": message.pk},
        "conversation-subject": {"kind": "time_entry", "pk": entry.pk},
        "ops-dispute-conversation": {"pk": dispute.pk},
        "ops-screening-review": {"pk": screening_review.pk},
        "ops-screening-propose": {"pk": screening_review.pk},
        "ops-screening-second": {"pk": screening_review.pk},
        "expert-credential": {"pk": credential.pk},
        "expert-credential-answer": {"pk": credential.pk},
        "expert-credential-document": {"pk": credential.pk},
        "expert-attempt-start": {"pk": assessment.pk},
        "expert-attempt": {"pk": attempt.pk},
        "expert-case": {"pk": case.pk},
        "expert-case-respond": {"pk": case.pk},
        "expert-case-appeal": {"pk": case.pk},
        "ops-credential": {"pk": credential.pk},
        "ops-credential-document": {"pk": credential.pk},
        "ops-credential-start": {"pk": credential.pk},
        "ops-credential-ask": {"pk": credential.pk},
        "ops-credential-verify": {"pk": credential.pk},
        "ops-credential-reject": {"pk": credential.pk},
        "ops-contributor": {"pk": owner.pk},
        "ops-contributor-tier": {"pk": other.pk},
        "ops-contributor-case-open": {"pk": other.pk},
        "ops-tier-approve": {"pk": decision.pk},
        "ops-tier-decline": {"pk": decision.pk},
        "ops-case": {"pk": case.pk},
        "ops-case-notice": {"pk": case.pk},
        "ops-case-decide": {"pk": case.pk},
        "ops-case-decide-appeal": {"pk": case.pk},
        "expert-account-case": {"pk": account_case.pk},
        "expert-account-case-answer": {"pk": account_case.pk},
        "ops-account-case": {"pk": account_case.pk},
        "ops-account-case-decide": {"pk": account_case.pk},
        "lab-detail": {"pk": lab.pk},
        "lab-member-add": {"pk": lab.pk},
        "lab-project-new": {"pk": lab.pk},
        "expert-project-apply": {"pk": project.pk},
        "lab-request-accept": {"pk": project.pk, "request_pk": application.pk},
        "lab-request-decline": {"pk": project.pk, "request_pk": application.pk},
        "expert-invitation-accept": {"pk": invitation.pk},
        "expert-invitation-decline": {"pk": invitation.pk},
        "expert-timesheet": {"pk": engagement.pk},
        "expert-instructions": {"pk": engagement.pk},
        "expert-instruction-version": {"pk": engagement.pk, "number": instructions.number},
        "expert-instruction-diff": {"pk": engagement.pk, "number": instructions.number},
        "expert-instruction-read": {"pk": engagement.pk, "number": instructions.number},
        "expert-time-log": {"pk": engagement.pk},
        "expert-time-import": {"pk": engagement.pk},
        "expert-time-history": {"pk": engagement.pk},
        "expert-tasks": {"pk": engagement.pk},
        "expert-task-submit": {"pk": engagement.pk},
        "expert-time-correct": {"pk": entry.pk},
        "expert-time-adjustment": {"pk": engagement.pk},
        "expert-late-evidence": {"pk": late.pk},
        "lab-late-evidence": {"pk": late.pk},
        "expert-work-appeal": time_entry,
        "lab-review-approve": review,
        "lab-review-reject": review,
        "lab-review-decide": review,
        "lab-time-dispute": {"pk": project.pk, "entry_pk": open_entry.pk},
        "lab-disputes": {"pk": project.pk},
        "expert-dispute-respond": {"pk": dispute.pk},
        "ops-dispute": {"pk": dispute.pk},
        "ops-dispute-decide": {"pk": dispute.pk},
        "ops-pay-run": {"pk": draft_run.pk},
        "ops-pay-run-progress": {"pk": draft_run.pk},
        "ops-pay-run-approve": {"pk": draft_run.pk},
        "ops-pay-run-compliance": {"pk": draft_run.pk},
        "ops-pay-run-compliance-csv": {"pk": draft_run.pk},
        "ops-pay-statement": {"pk": statement.pk},
        "expert-pay-statement": {"pk": statement.pk},
        "ops-payout-batch": {"pk": payout_batch.pk},
        "ops-payout-batch-progress": {"pk": payout_batch.pk},
        "ops-payout-batch-approve": {"pk": payout_batch.pk},
        "ops-payout-retry": {"pk": payout.pk},
        "ops-payout-hold-release": {"pk": payout_hold.pk},
        "ops-reference-minimum-wage-correct": {"pk": wage.pk},
        "ops-reference-minimum-wage-retire": {"pk": wage.pk},
        "ops-reference-fx-rate-retire": {"pk": FxRate.in_force.order_by("id").first().pk},
        "ops-reference-change-approve": {"pk": other_change.pk},
        "ops-reference-change-reject": {"pk": other_change.pk},
        "ops-reference-change-withdraw": {"pk": own_change.pk},
        "inbox-notice-read": {"pk": notice.pk},
        "oversight-request-new": {"system": "payout_holds", "subject_id": owner.pk},
        "oversight-my-request": {"pk": review_request.pk},
        "oversight-ops-request": {"pk": review_request.pk},
        "oversight-ops-decide": {"pk": review_request.pk},
        "lab-rate": {"pk": engagement.pk},
        "lab-ratings": {"pk": lab.pk},
        "ops-lab-rating": {"pk": lab.pk},
        **_reporting_kwargs(owner, statement),
        "your-data-download": {"pk": _a_copy_of_their_data(owner.user).pk},
        "your-data-erase-withdraw": {"pk": erasure.pk},
        "ops-erasure-request": {"pk": erasure.pk},
        "ops-legal-hold-release": {"pk": a_legal_hold(on=owner.user, by=reviewer).pk},
    }
    lab_invitation, lab_invitation_token = invitation_with_link(
        actor=lab_owner, lab=lab, email="new.colleague@example.org"
    )
    kwargs["lab-invitation-resend"] = {"pk": lab.pk, "invitation_pk": lab_invitation.pk}
    kwargs["lab-invitation-revoke"] = {"pk": lab.pk, "invitation_pk": lab_invitation.pk}
    kwargs["lab-invitation"] = {"token": lab_invitation_token}
    kwargs["lab-candidate"] = {"pk": project.pk, "contributor_pk": owner.pk}
    for route in page_routes():
        if route.params == ("pk",) and route.name.startswith(("lab-project", "lab-review", "lab-quality", "lab-gold")):
            kwargs.setdefault(route.name, {"pk": project.pk})
    return PageWorld(
        owner=owner,
        other=other,
        reviewer=reviewer,
        reviewer_secret=reviewer_secret,
        finance=finance,
        finance_secret=finance_secret,
        ops_without_mfa=ops_without_mfa,
        lab_owner=lab_owner,
        other_lab_owner=other_lab_owner,
        kwargs=kwargs,
    )
