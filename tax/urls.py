from django.urls import path

from . import views

urlpatterns = [
    path("expert/tax-form/", views.tax_form_page, name="expert-tax-form"),
    path("ops/tax-forms/", views.ops_tax_forms, name="ops-tax-forms"),
]
