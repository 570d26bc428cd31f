from django.urls import path

from . import views

urlpatterns = [
    path("expert/profile/", views.profile_edit, name="expert-profile"),
]
