from django.urls import path

from .views import expert, lab, ops

urlpatterns = [
    path("ratings/", expert.due, name="lab-ratings-due"),
    path("ratings/engagements/<int:pk>/", expert.rate, name="lab-rate"),
    path("lab/<int:pk>/ratings/", lab.lab_ratings, name="lab-ratings"),
    path("ops/lab-ratings/", ops.lab_list, name="ops-lab-ratings"),
    path("ops/lab-ratings/<int:pk>/", ops.lab_detail, name="ops-lab-rating"),
]
