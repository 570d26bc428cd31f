from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from .views import auth, experts, ops

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    # accounts
    path("auth/signup/", auth.SignupView.as_view(), name="api-signup"),
    path("auth/verify-email/", auth.VerifyEmailView.as_view(), name="api-verify-email"),
    path("auth/token/", auth.TokenView.as_view(), name="api-token"),
    path("me/", auth.MeView.as_view(), name="api-me"),
    # experts
    path("domains/", experts.DomainListView.as_view(), name="api-domains"),
    path("me/profile/", experts.ProfileView.as_view(), name="api-profile"),
    path("me/credentials/", experts.CredentialListView.as_view(), name="api-credentials"),
    path("credentials/<int:pk>/", experts.CredentialDetailView.as_view(), name="api-credential"),
    path("credentials/<int:pk>/document/", experts.CredentialDocumentView.as_view(), name="api-credential-document"),
    path("credentials/<int:pk>/answer/", experts.CredentialAnswerView.as_view(), name="api-credential-answer"),
    path("assessments/", experts.AssessmentListView.as_view(), name="api-assessments"),
    path("assessments/<int:pk>/attempts/", experts.AttemptStartView.as_view(), name="api-attempt-start"),
    path("me/attempts/", experts.AttemptListView.as_view(), name="api-attempts"),
    path("me/attempts/<int:pk>/submit/", experts.AttemptSubmitView.as_view(), name="api-attempt-submit"),
    path("me/cases/", experts.MyCaseListView.as_view(), name="api-my-cases"),
    path("me/cases/<int:pk>/respond/", experts.MyCaseRespondView.as_view(), name="api-case-respond"),
    path("me/cases/<int:pk>/appeal/", experts.MyCaseAppealView.as_view(), name="api-case-appeal"),
    # operations
    path("ops/credentials/", ops.OpsCredentialQueueView.as_view(), name="api-ops-credentials"),
    path(
        "ops/credentials/<int:pk>/start-review/",
        ops.CredentialStartReviewView.as_view(),
        name="api-ops-credential-start",
    ),
    path(
        "ops/credentials/<int:pk>/request-info/",
        ops.CredentialRequestInfoView.as_view(),
        name="api-ops-credential-info",
    ),
    path("ops/credentials/<int:pk>/verify/", ops.CredentialVerifyView.as_view(), name="api-ops-credential-verify"),
    path("ops/credentials/<int:pk>/reject/", ops.CredentialRejectView.as_view(), name="api-ops-credential-reject"),
    path("ops/contributors/", ops.OpsContributorListView.as_view(), name="api-ops-contributors"),
    path("ops/contributors/<int:pk>/", ops.OpsContributorDetailView.as_view(), name="api-ops-contributor"),
    path("ops/tier-decisions/", ops.TierDecisionListView.as_view(), name="api-ops-tier-decisions"),
    path("ops/tier-decisions/<int:pk>/approve/", ops.TierDecisionApproveView.as_view(), name="api-ops-tier-approve"),
    path("ops/tier-decisions/<int:pk>/decline/", ops.TierDecisionDeclineView.as_view(), name="api-ops-tier-decline"),
    path("ops/assessments/", ops.OpsAssessmentCreateView.as_view(), name="api-ops-assessments"),
    path("ops/cases/", ops.CaseListView.as_view(), name="api-ops-cases"),
    path("ops/cases/<int:pk>/notice/", ops.CaseNoticeView.as_view(), name="api-ops-case-notice"),
    path("ops/cases/<int:pk>/decide/", ops.CaseDecideView.as_view(), name="api-ops-case-decide"),
    path("ops/cases/<int:pk>/decide-appeal/", ops.CaseDecideAppealView.as_view(), name="api-ops-case-appeal"),
    path("ops/audit/", ops.AuditEventListView.as_view(), name="api-ops-audit"),
]
