from django.urls import path

from payouts.views import pay as views
from payouts.views import payouts as payout_views

urlpatterns = [
    # operations
    path("ops/pay-runs/", views.ops_pay_runs, name="ops-pay-runs"),
    path("ops/pay-runs/start/", views.ops_pay_run_start, name="ops-pay-run-start"),
    path("ops/pay-runs/<int:pk>/", views.ops_pay_run, name="ops-pay-run"),
    path("ops/pay-runs/<int:pk>/progress/", views.ops_pay_run_progress, name="ops-pay-run-progress"),
    path("ops/pay-runs/<int:pk>/approve/", views.ops_pay_run_approve, name="ops-pay-run-approve"),
    path("ops/pay-runs/<int:pk>/compliance/", views.ops_pay_run_compliance, name="ops-pay-run-compliance"),
    path(
        "ops/pay-runs/<int:pk>/compliance.csv",
        views.ops_pay_run_compliance_csv,
        name="ops-pay-run-compliance-csv",
    ),
    path("ops/pay-statements/<int:pk>/", views.ops_pay_statement, name="ops-pay-statement"),
    path("ops/revenue/", views.ops_revenue, name="ops-revenue"),
    # experts
    path("expert/pay/", views.expert_pay, name="expert-pay"),
    path("expert/pay/<int:pk>/", views.expert_pay_statement, name="expert-pay-statement"),
]

# payouts
urlpatterns += [
    # experts
    path("expert/payouts/", payout_views.expert_payouts, name="expert-payouts"),
    path("expert/payouts/account/", payout_views.expert_payout_onboarding, name="expert-payout-onboarding"),
    # operations
    path("ops/payouts/", payout_views.ops_payout_batches, name="ops-payout-batches"),
    path("ops/payouts/new/", payout_views.ops_payout_batch_create, name="ops-payout-batch-create"),
    path("ops/payouts/<int:pk>/", payout_views.ops_payout_batch, name="ops-payout-batch"),
    path("ops/payouts/<int:pk>/progress/", payout_views.ops_payout_batch_progress, name="ops-payout-batch-progress"),
    path("ops/payouts/<int:pk>/approve/", payout_views.ops_payout_batch_approve, name="ops-payout-batch-approve"),
    path("ops/payouts/payout/<int:pk>/retry/", payout_views.ops_payout_retry, name="ops-payout-retry"),
    path("ops/payout-holds/", payout_views.ops_payout_holds, name="ops-payout-holds"),
    path("ops/payout-holds/new/", payout_views.ops_payout_hold_place, name="ops-payout-hold-place"),
    path("ops/payout-holds/<int:pk>/release/", payout_views.ops_payout_hold_release, name="ops-payout-hold-release"),
]
