"""Every automated system in the product: what it reads, what it decides, who overrides it.

The one list the public page (``oversight/views``), the API and review requests read. Each
entry names the function that makes the decision (``code``, a dotted path a test imports),
so the list cannot drift from the code without the suite failing. A system whose
decisions are about one person names the kind of thing the person can ask a person to
review (``subject``: ``oversight/decisions.py`` finds it, says what was decided and
what overturning it does).
"""

from __future__ import annotations

from dataclasses import dataclass

# Said once, on the page, in the API and in docs/automated-decisions.md.
NOT_PROCESSED = (
    "No system in the product reads or infers anyone's emotional state, and none reads private messages. "
    "No system restricts, suspends or deactivates anyone: only a person of operations does that, "
    "through a case with notice, a response and an appeal."
)

REVIEW_DAYS = 7
# Operations' reviewers are reminded of a review this many days before it falls due.
REMIND_DAYS = 2


@dataclass(frozen=True)
class System:
    key: str
    name: str
    # The dotted path of the function that makes the decision.
    code: str
    decides: str
    data_used: str
    overridden_by: str
    how_to_review: str
    # What a person can ask to have reviewed (``oversight.decisions.SUBJECTS``), or "".
    subject: str = ""
    # The settings that tune it, when a setting does.
    settings: tuple[str, ...] = ()


ASK = "Use “Ask a person to review this” where the decision is shown to you"

SYSTEMS: tuple[System, ...] = (
    System(
        key="fast_submission_hold",
        name="Holds on fast submissions",
        code="marketplace.services.task_submissions._hold_reason",
        decides=(
            "A task reported as done in under half the lab's time estimate is held for a person of the lab to "
            "review instead of waiting as usual. It is never rejected for speed and its pay is not reduced."
        ),
        data_used="The minutes you report for the task and the lab's time estimate for the project.",
        overridden_by=(
            "The lab's reviewers, who approve or reject held work like any other; operations, who can lift the hold."
        ),
        how_to_review=f"{ASK}: on the task in your list of submissions. Operations answer within {REVIEW_DAYS} days.",
        subject="task",
    ),
    System(
        key="judge_routing",
        name="Routing by judge confidence",
        code="marketplace.services.task_submissions._routed_to_review",
        decides=(
            "A task whose automated judge was least confident (the project's lowest share so far), or which the "
            "random sample picked, is put first in the lab's review queue and marked for a person. Nothing is "
            "rejected or paid differently because of it."
        ),
        data_used="The judge's confidence score sent with the task, the project's other scores, a random draw.",
        overridden_by=(
            "The lab's reviewers, who decide every routed task themselves; operations, who can take a task out of "
            "the routing on review."
        ),
        how_to_review=f"{ASK}: on the task in your list of submissions.",
        subject="task_routing",
    ),
    System(
        key="auto_approval",
        name="The auto-approval sweep",
        code="marketplace.services.reviews.work_auto_approve_sweep",
        decides=(
            "Work a lab has not reviewed within its project's review window is approved automatically, so it is "
            "paid. Work dated after an engagement stopped is never approved unseen; it waits for a person."
        ),
        data_used="When the work was submitted or appealed, the project's review window, when the engagement ran.",
        overridden_by=(
            "The lab may still dispute time it says was not worked; operations decide the dispute with reasons."
        ),
        how_to_review=f"{ASK}: on the task in your list of submissions.",
        subject="task_auto_approval",
    ),
    System(
        key="time_auto_approval",
        name="The auto-approval sweep for logged time",
        code="marketplace.services.reviews.work_auto_approve_sweep",
        decides=(
            "Time you logged that the lab has not reviewed within its project's review window is approved "
            "automatically, so it is paid. Time dated after an engagement stopped is never approved unseen."
        ),
        data_used="When the time was logged or appealed, the project's review window, when the engagement ran.",
        overridden_by=(
            "The lab may still dispute time it says was not worked; operations decide the dispute with reasons."
        ),
        how_to_review=f"{ASK}: on the entry in your timesheet.",
        subject="time_auto_approval",
    ),
    System(
        key="matching",
        name="Matching and ranking",
        code="marketplace.matching.ranked_candidates",
        decides=(
            "Which experts a project's requirements admit (tier, credentials, languages, places) and the order "
            "in which they are suggested to the lab, with the reasons for each. The lab chooses whom to invite; "
            "an expert may apply to any open project they are eligible for."
        ),
        data_used=(
            "Your tier, verified credentials and specialties, languages, country, the content you accept, and "
            "your quality score; the project's requirements."
        ),
        overridden_by="The lab, which invites whoever it chooses among eligible experts; nobody is refused by a rank.",
        how_to_review=(
            f"{ASK}: on a project in your list of open projects that says which of its requirements you miss, "
            "or on your quality score, which the ranking uses."
        ),
        subject="project_eligibility",
    ),
    System(
        key="quality_scores",
        name="Quality scores",
        code="marketplace.services.quality.quality_scores_compute",
        decides=(
            "A score from 0 to 1 per expert and project, from gold answers, agreement with other experts and the "
            "lab's reviews, recomputed nightly. A lab may pay a bonus above a score it sets; the score is used in "
            "ranking. It never lowers pay already earned."
        ),
        data_used=(
            "Your task answers, the lab's gold answers, other experts' answers to the same tasks, the lab's reviews."
        ),
        overridden_by=(
            "Operations, who on request set a score aside or correct it until it is recomputed differently; the lab "
            "sets the gold answers and bonus rules."
        ),
        how_to_review=f"{ASK}: on each project's score on your quality page.",
        subject="quality_score",
    ),
    System(
        key="rejection_rate_alerts",
        name="Rejection-rate alerts",
        code="marketplace.services.reviews._alert_on_unusual_rejections",
        decides=(
            "When a reviewer, or a whole project, rejects an unusual share of work in a recent period, operations "
            "are told so they can look. The alert changes nothing by itself: no review, pay or account is touched."
        ),
        data_used="Counts of reviews and rejections over the period, per reviewer and per project.",
        overridden_by="Operations, who decide whether anything needs doing.",
        how_to_review=f"{ASK}: reviewers named in an alert see it on the lab's page.",
        subject="review_alert",
        settings=("REVIEW_ALERT_DAYS", "REVIEW_ALERT_MIN_REVIEWS", "REVIEW_ALERT_SHARE"),
    ),
    System(
        key="sanctions_screening",
        name="Sanctions screening",
        code="screening.services.subjects.screening_subjects_screen",
        decides=(
            "Experts' and labs' names, dates of birth and countries are compared with OFAC's published lists. A "
            "possible match opens a review by two people of operations and holds payouts until they decide; a "
            "place under comprehensive sanctions holds payouts. The system never confirms a match on its own."
        ),
        data_used="Legal name, date of birth, country and region from the profile; OFAC's SDN and non-SDN lists.",
        overridden_by="Two different people of operations, who confirm or clear each possible match.",
        how_to_review=(
            f"{ASK}: experts on the payout hold shown on their payouts page; a lab's members on the block shown on "
            "the lab's page."
        ),
        subject="lab_funding_block",
        settings=("SCREENING_MATCH_THRESHOLD",),
    ),
    System(
        key="duplicate_accounts",
        name="Duplicate-account screening",
        code="identity.services.duplicates.duplicate_check_bank_account",
        decides=(
            "Two accounts that share an identity document, a payout bank account or a tax identifier open a case "
            "for operations, and payouts to both wait until a person decides. Nobody is refused or deactivated by it."
        ),
        data_used="Fingerprints of identity documents and tax identifiers; payout bank accounts' fingerprints.",
        overridden_by="Operations, who decide the case with reasons you read and can answer.",
        how_to_review=f"{ASK}: on the payout hold shown on your payouts page, or answer the case itself.",
    ),
    System(
        key="identity_name_match",
        name="Identity name check",
        code="identity.names.names_match",
        decides=(
            "After Stripe verifies an identity document, the verified name is compared with the profile's legal "
            "name (accents, case and word order ignored). When they differ, a person of operations compares them; "
            "payouts wait until then."
        ),
        data_used="The verified name from Stripe Identity and the legal name on your profile.",
        overridden_by="Operations, who decide the name case with reasons.",
        how_to_review=f"{ASK}: on the payout hold shown on your payouts page.",
        settings=("IDENTITY_NAME_MATCH_THRESHOLD",),
    ),
    System(
        key="payout_holds",
        name="Payout holds",
        code="payouts.transfers.compliance.compliance_blocks",
        decides=(
            "A payout is held, never forfeited, while a legal requirement is unmet: a sanctions check, a possible "
            "duplicate account, an identity not yet verified, or a tax form not in force. It is carried forward "
            "and paid once the requirement is met."
        ),
        data_used="The state of your sanctions checks, account cases, identity verification and tax form.",
        overridden_by="Operations: the hold ends when the case or review behind it is decided.",
        how_to_review=f"{ASK}: on your payouts page, where the hold and its reason are shown.",
        subject="payout_hold",
    ),
    System(
        key="credential_expiry",
        name="Credential expiry",
        code="vetting.services.credentials.credentials_expiry_sweep",
        decides=(
            "A verified credential whose expiry date has passed is marked expired; you are warned 30 days before. "
            "Your account is not restricted by it."
        ),
        data_used="The expiry date on the credential.",
        overridden_by="Operations, who verify a renewed credential you submit.",
        how_to_review=(
            f"{ASK}: on the expired credential's page; or submit the renewed credential, which operations review."
        ),
        subject="credential",
    ),
    System(
        key="assessment_scoring",
        name="Assessment scoring",
        code="vetting.services.assessments.assessment_attempt_submit",
        decides="An assessment attempt is scored against the answer key and marked passed or failed.",
        data_used="Your answers to the questions drawn for the attempt.",
        overridden_by="Operations, who set the assessments and their pass marks, and re-score an attempt on review.",
        how_to_review=f"{ASK}: on the attempt's result. Another attempt may also start after the waiting time.",
        subject="assessment_attempt",
    ),
)

BY_KEY: dict[str, System] = {system.key: system for system in SYSTEMS}
SYSTEM_CHOICES = [(system.key, system.name) for system in SYSTEMS]


def system_get(key: str) -> System | None:
    return BY_KEY.get(key)


__all__ = ["BY_KEY", "NOT_PROCESSED", "REMIND_DAYS", "REVIEW_DAYS", "SYSTEMS", "SYSTEM_CHOICES", "System", "system_get"]
