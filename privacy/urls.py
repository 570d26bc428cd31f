from django.urls import path

from .views import erasure, exports, holds

urlpatterns = [
    path("account/your-data/", exports.your_data, name="your-data"),
    path("account/your-data/<int:pk>/download/", exports.your_data_download, name="your-data-download"),
    path("account/your-data/erase/", erasure.your_data_erase, name="your-data-erase"),
    path(
        "account/your-data/erase/<int:pk>/withdraw/",
        erasure.your_data_erase_withdraw,
        name="your-data-erase-withdraw",
    ),
    path("ops/erasure-requests/", erasure.ops_erasure_requests, name="ops-erasure-requests"),
    path("ops/erasure-requests/<int:pk>/", erasure.ops_erasure_request, name="ops-erasure-request"),
    path("ops/legal-holds/", holds.ops_legal_holds, name="ops-legal-holds"),
    path("ops/legal-holds/new/", holds.ops_legal_hold_place, name="ops-legal-hold-place"),
    path("ops/legal-holds/<int:pk>/release/", holds.ops_legal_hold_release, name="ops-legal-hold-release"),
]
