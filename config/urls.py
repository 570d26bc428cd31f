from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("api/", include("api.urls")),
    path("", include("contributors.urls")),
    path("", include("vetting.urls")),
]
