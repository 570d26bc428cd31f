from django.urls import path

from identity.views import expert, ops

urlpatterns = [
    path("me/identity/", expert.my_identity, name="expert-identity"),
    path("me/identity/start/", expert.my_identity_start, name="expert-identity-start"),
    path("me/identity/cases/<int:pk>/", expert.my_account_case, name="expert-account-case"),
    path("me/identity/cases/<int:pk>/answer/", expert.my_account_case_answer, name="expert-account-case-answer"),
    path("ops/account-cases/", ops.ops_account_cases, name="ops-account-cases"),
    path("ops/account-cases/<int:pk>/", ops.ops_account_case, name="ops-account-case"),
    path("ops/account-cases/<int:pk>/decide/", ops.ops_account_case_decide, name="ops-account-case-decide"),
]
