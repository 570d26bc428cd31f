from django.urls import path

from payouts.views import (
    compliance,
    expert_payouts,
    payout_batches,
    payout_holds,
    payruns,
    reference,
    revenue,
    statements,
)

urlpatterns = [
    # operations
    path("ops/pay-runs/", payruns.ops_pay_runs, name="ops-pay-runs"),
    path("ops/pay-runs/start/", payruns.ops_pay_run_start, name="ops-pay-run-start"),
    path("ops/pay-runs/<int:pk>/", payruns.ops_pay_run, name="ops-pay-run"),
    path("ops/pay-runs/<int:pk>/progress/", payruns.ops_pay_run_progress, name="ops-pay-run-progress"),
    path("ops/pay-runs/<int:pk>/approve/", payruns.ops_pay_run_approve, name="ops-pay-run-approve"),
    path("ops/pay-runs/<int:pk>/compliance/", compliance.ops_pay_run_compliance, name="ops-pay-run-compliance"),
    path(
        "ops/pay-runs/<int:pk>/compliance.csv",
        compliance.ops_pay_run_compliance_csv,
        name="ops-pay-run-compliance-csv",
    ),
    path("ops/pay-statements/<int:pk>/", statements.ops_pay_statement, name="ops-pay-statement"),
    path("ops/revenue/", revenue.ops_revenue, name="ops-revenue"),
    # experts
    path("expert/pay/", statements.expert_pay, name="expert-pay"),
    path("expert/pay/<int:pk>/", statements.expert_pay_statement, name="expert-pay-statement"),
]

# payouts
urlpatterns += [
    # experts
    path("expert/payouts/", expert_payouts.expert_payouts, name="expert-payouts"),
    path("expert/payouts/account/", expert_payouts.expert_payout_onboarding, name="expert-payout-onboarding"),
    # operations
    path("ops/payouts/", payout_batches.ops_payout_batches, name="ops-payout-batches"),
    path("ops/payouts/new/", payout_batches.ops_payout_batch_create, name="ops-payout-batch-create"),
    path("ops/payouts/<int:pk>/", payout_batches.ops_payout_batch, name="ops-payout-batch"),
    path(
        "ops/payouts/<int:pk>/progress/",
        payout_batches.ops_payout_batch_progress,
        name="ops-payout-batch-progress",
    ),
    path("ops/payouts/<int:pk>/approve/", payout_batches.ops_payout_batch_approve, name="ops-payout-batch-approve"),
    path("ops/payouts/payout/<int:pk>/retry/", payout_batches.ops_payout_retry, name="ops-payout-retry"),
    path("ops/payout-holds/", payout_holds.ops_payout_holds, name="ops-payout-holds"),
    path("ops/payout-holds/new/", payout_holds.ops_payout_hold_place, name="ops-payout-hold-place"),
    path("ops/payout-holds/<int:pk>/release/", payout_holds.ops_payout_hold_release, name="ops-payout-hold-release"),
]

# reference data
urlpatterns += [
    path("ops/reference/", reference.ops_reference, name="ops-reference"),
    path("ops/reference/calendar/", reference.ops_minimum_wage_calendar, name="ops-minimum-wage-calendar"),
    path(
        "ops/reference/minimum-wages/new/",
        reference.ops_reference_minimum_wage_propose,
        name="ops-reference-minimum-wage-propose",
    ),
    path(
        "ops/reference/minimum-wages/<int:pk>/correct/",
        reference.ops_reference_minimum_wage_correct,
        name="ops-reference-minimum-wage-correct",
    ),
    path(
        "ops/reference/minimum-wages/<int:pk>/retire/",
        reference.ops_reference_minimum_wage_retire,
        name="ops-reference-minimum-wage-retire",
    ),
    path("ops/reference/fx-rates/new/", reference.ops_reference_fx_rate_propose, name="ops-reference-fx-rate-propose"),
    path(
        "ops/reference/fx-rates/<int:pk>/retire/",
        reference.ops_reference_fx_rate_retire,
        name="ops-reference-fx-rate-retire",
    ),
    path(
        "ops/reference/changes/<int:pk>/approve/",
        reference.ops_reference_change_approve,
        name="ops-reference-change-approve",
    ),
    path(
        "ops/reference/changes/<int:pk>/reject/",
        reference.ops_reference_change_reject,
        name="ops-reference-change-reject",
    ),
    path(
        "ops/reference/changes/<int:pk>/withdraw/",
        reference.ops_reference_change_withdraw,
        name="ops-reference-change-withdraw",
    ),
    # labs
    path("lab/minimum-wage-calendar/", reference.lab_minimum_wage_calendar, name="lab-minimum-wage-calendar"),
]
