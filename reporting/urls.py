from django.urls import path

from reporting.views import expert, ops

urlpatterns = [
    # experts
    path(
        "expert/pay/earnings/<int:year>/summary.pdf",
        expert.expert_earnings_summary_pdf,
        name="expert-earnings-summary-pdf",
    ),
    path(
        "expert/pay/earnings/<int:year>/summary.csv",
        expert.expert_earnings_summary_csv,
        name="expert-earnings-summary-csv",
    ),
    path("expert/pay/<int:pk>/statement.pdf", expert.expert_statement_pdf, name="expert-pay-statement-pdf"),
    path("expert/pay/<int:pk>/statement.csv", expert.expert_statement_csv, name="expert-pay-statement-csv"),
    path("expert/pay/tax-documents/", expert.expert_tax_documents, name="expert-tax-documents"),
    path("expert/pay/tax-documents/<int:pk>.pdf", expert.expert_tax_document, name="expert-tax-document"),
    # operations
    path("ops/tax-reporting/", ops.ops_tax_reporting, name="ops-tax-reporting"),
    path("ops/tax-reporting/run/", ops.ops_tax_reporting_run, name="ops-tax-reporting-run"),
    path("ops/tax-reporting/files/<int:pk>/", ops.ops_tax_report_file, name="ops-tax-report-file"),
    path("ops/tax-reporting/files/<int:pk>/filed/", ops.ops_tax_report_file_filed, name="ops-tax-report-file-filed"),
]
