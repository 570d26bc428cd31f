from django.urls import include, path

from payouts.webhooks import stripe_webhook

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("api/", include("api.urls")),
    path("stripe/webhooks/<slug:endpoint>/", stripe_webhook, name="stripe-webhook"),
    path("", include("contributors.urls")),
    path("", include("vetting.urls")),
    path("", include("marketplace.urls")),
    path("", include("payouts.urls")),
]
