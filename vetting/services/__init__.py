"""Vetting actions: credentials and their review, tiers, assessments, deactivation cases.

Every function runs in one transaction, locks the row it changes, checks the state
machine, and writes its audit event in that same transaction. Emails go out after commit.
One module per process; every action is importable from ``vetting.services``.
"""

from .assessments import assessment_attempt_rescore as assessment_attempt_rescore
from .assessments import assessment_attempt_start as assessment_attempt_start
from .assessments import assessment_attempt_submit as assessment_attempt_submit
from .assessments import assessment_create as assessment_create
from .cases import deactivation_case_appeal as deactivation_case_appeal
from .cases import deactivation_case_decide as deactivation_case_decide
from .cases import deactivation_case_decide_appeal as deactivation_case_decide_appeal
from .cases import deactivation_case_give_notice as deactivation_case_give_notice
from .cases import deactivation_case_open as deactivation_case_open
from .cases import deactivation_case_respond as deactivation_case_respond
from .cases import deactivation_windows_sweep as deactivation_windows_sweep
from .credentials import CREDENTIAL_TRANSITIONS as CREDENTIAL_TRANSITIONS
from .credentials import DOCUMENT_TYPES as DOCUMENT_TYPES
from .credentials import credential_answer as credential_answer
from .credentials import credential_reject as credential_reject
from .credentials import credential_request_info as credential_request_info
from .credentials import credential_review_start as credential_review_start
from .credentials import credential_submit as credential_submit
from .credentials import credential_verify as credential_verify
from .credentials import credentials_expiry_sweep as credentials_expiry_sweep
from .credentials import document_checked as document_checked
from .tiers import tier_decision_approve as tier_decision_approve
from .tiers import tier_decision_decline as tier_decision_decline
from .tiers import tier_decision_propose as tier_decision_propose
