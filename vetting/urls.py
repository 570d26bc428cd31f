from django.urls import path

from . import views

urlpatterns = [
    # experts
    path("expert/credentials/", views.credential_list, name="expert-credentials"),
    path("expert/credentials/new/", views.credential_new, name="expert-credential-new"),
    path("expert/credentials/<int:pk>/", views.credential_detail, name="expert-credential"),
    path("expert/credentials/<int:pk>/answer/", views.credential_answer, name="expert-credential-answer"),
    path("expert/credentials/<int:pk>/document/", views.expert_credential_document, name="expert-credential-document"),
    path("expert/assessments/", views.assessment_list, name="expert-assessments"),
    path("expert/assessments/<int:pk>/start/", views.attempt_start, name="expert-attempt-start"),
    path("expert/attempts/<int:pk>/", views.attempt_detail, name="expert-attempt"),
    path("expert/cases/", views.my_case_list, name="expert-cases"),
    path("expert/cases/<int:pk>/", views.my_case_detail, name="expert-case"),
    path("expert/cases/<int:pk>/respond/", views.my_case_respond, name="expert-case-respond"),
    path("expert/cases/<int:pk>/appeal/", views.my_case_appeal, name="expert-case-appeal"),
    # operations
    path("ops/", views.ops_dashboard, name="ops-dashboard"),
    path("ops/credentials/", views.ops_credential_queue, name="ops-credentials"),
    path("ops/credentials/<int:pk>/", views.ops_credential_review, name="ops-credential"),
    path("ops/credentials/<int:pk>/document/", views.ops_credential_document, name="ops-credential-document"),
    path("ops/credentials/<int:pk>/start-review/", views.ops_credential_start, name="ops-credential-start"),
    path("ops/credentials/<int:pk>/request-info/", views.ops_credential_ask, name="ops-credential-ask"),
    path("ops/credentials/<int:pk>/verify/", views.ops_credential_verify, name="ops-credential-verify"),
    path("ops/credentials/<int:pk>/reject/", views.ops_credential_reject, name="ops-credential-reject"),
    path("ops/contributors/", views.ops_contributor_list, name="ops-contributors"),
    path("ops/contributors/<int:pk>/", views.ops_contributor, name="ops-contributor"),
    path("ops/contributors/<int:pk>/tier/", views.ops_tier_propose, name="ops-contributor-tier"),
    path("ops/contributors/<int:pk>/cases/", views.ops_case_open, name="ops-contributor-case-open"),
    path("ops/tiers/", views.ops_tier_pending, name="ops-tiers"),
    path("ops/tiers/<int:pk>/approve/", views.ops_tier_approve, name="ops-tier-approve"),
    path("ops/tiers/<int:pk>/decline/", views.ops_tier_decline, name="ops-tier-decline"),
    path("ops/cases/", views.ops_case_list, name="ops-cases"),
    path("ops/cases/<int:pk>/", views.ops_case, name="ops-case"),
    path("ops/cases/<int:pk>/notice/", views.ops_case_notice, name="ops-case-notice"),
    path("ops/cases/<int:pk>/decide/", views.ops_case_decide, name="ops-case-decide"),
    path("ops/cases/<int:pk>/decide-appeal/", views.ops_case_decide_appeal, name="ops-case-decide-appeal"),
    path("ops/audit/", views.ops_audit, name="ops-audit"),
]
