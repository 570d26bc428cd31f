from django.urls import path

from . import views

urlpatterns = [
    path("db", views.healthz_db, name="healthz-db"),
    path("broker", views.healthz_broker, name="healthz-broker"),
    path("worker", views.healthz_worker, name="healthz-worker"),
]
