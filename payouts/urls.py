from django.urls import path

from . import views

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
