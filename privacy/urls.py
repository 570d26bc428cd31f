from django.urls import path

from .views import exports

urlpatterns = [
    path("account/your-data/", exports.your_data, name="your-data"),
    path("account/your-data/<int:pk>/download/", exports.your_data_download, name="your-data-download"),
]
