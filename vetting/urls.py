from django.urls import path

from .views import (
    assessments,
    cases,
    credentials,
    dashboard,
    documents,
    ops_audit,
    ops_cases,
    ops_contributors,
    ops_credentials,
)

urlpatterns = [
    # experts
    path("expert/", dashboard.expert_dashboard, name="expert-dashboard"),
    path("expert/credentials/", credentials.credential_list, name="expert-credentials"),
    path("expert/credentials/new/", credentials.credential_new, name="expert-credential-new"),
    path("expert/credentials/<int:pk>/", credentials.credential_detail, name="expert-credential"),
    path("expert/credentials/<int:pk>/answer/", credentials.credential_answer, name="expert-credential-answer"),
    path(
        "expert/credentials/<int:pk>/document/", documents.expert_credential_document, name="expert-credential-document"
    ),
    path("expert/assessments/", assessments.assessment_list, name="expert-assessments"),
    path("expert/assessments/<int:pk>/start/", assessments.attempt_start, name="expert-attempt-start"),
    path("expert/attempts/<int:pk>/", assessments.attempt_detail, name="expert-attempt"),
    path("expert/cases/", cases.my_case_list, name="expert-cases"),
    path("expert/cases/<int:pk>/", cases.my_case_detail, name="expert-case"),
    path("expert/cases/<int:pk>/respond/", cases.my_case_respond, name="expert-case-respond"),
    path("expert/cases/<int:pk>/appeal/", cases.my_case_appeal, name="expert-case-appeal"),
    # operations
    path("ops/", ops_credentials.ops_dashboard, name="ops-dashboard"),
    path("ops/credentials/", ops_credentials.ops_credential_queue, name="ops-credentials"),
    path("ops/credentials/<int:pk>/", ops_credentials.ops_credential_review, name="ops-credential"),
    path("ops/credentials/<int:pk>/document/", documents.ops_credential_document, name="ops-credential-document"),
    path("ops/credentials/<int:pk>/start-review/", ops_credentials.ops_credential_start, name="ops-credential-start"),
    path("ops/credentials/<int:pk>/request-info/", ops_credentials.ops_credential_ask, name="ops-credential-ask"),
    path("ops/credentials/<int:pk>/verify/", ops_credentials.ops_credential_verify, name="ops-credential-verify"),
    path("ops/credentials/<int:pk>/reject/", ops_credentials.ops_credential_reject, name="ops-credential-reject"),
    path("ops/contributors/", ops_contributors.ops_contributor_list, name="ops-contributors"),
    path("ops/contributors/<int:pk>/", ops_contributors.ops_contributor, name="ops-contributor"),
    path("ops/contributors/<int:pk>/tier/", ops_contributors.ops_tier_propose, name="ops-contributor-tier"),
    path("ops/contributors/<int:pk>/cases/", ops_contributors.ops_case_open, name="ops-contributor-case-open"),
    path("ops/tiers/", ops_contributors.ops_tier_pending, name="ops-tiers"),
    path("ops/tiers/<int:pk>/approve/", ops_contributors.ops_tier_approve, name="ops-tier-approve"),
    path("ops/tiers/<int:pk>/decline/", ops_contributors.ops_tier_decline, name="ops-tier-decline"),
    path("ops/cases/", ops_cases.ops_case_list, name="ops-cases"),
    path("ops/cases/<int:pk>/", ops_cases.ops_case, name="ops-case"),
    path("ops/cases/<int:pk>/notice/", ops_cases.ops_case_notice, name="ops-case-notice"),
    path("ops/cases/<int:pk>/decide/", ops_cases.ops_case_decide, name="ops-case-decide"),
    path("ops/cases/<int:pk>/decide-appeal/", ops_cases.ops_case_decide_appeal, name="ops-case-decide-appeal"),
    path("ops/audit/", ops_audit.ops_audit, name="ops-audit"),
]
