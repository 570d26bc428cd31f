from django.urls import path

from . import views

urlpatterns = [
    path("expert/", views.expert_dashboard, name="expert-dashboard"),
    path("expert/profile/", views.profile_edit, name="expert-profile"),
]
