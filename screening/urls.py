from django.urls import path

from .views import ops_reviews

urlpatterns = [
    path("ops/screening/", ops_reviews.ops_screening_queue, name="ops-screening"),
    path("ops/screening/<int:pk>/", ops_reviews.ops_screening_review, name="ops-screening-review"),
    path("ops/screening/<int:pk>/propose/", ops_reviews.ops_screening_propose, name="ops-screening-propose"),
    path("ops/screening/<int:pk>/second/", ops_reviews.ops_screening_second, name="ops-screening-second"),
]
