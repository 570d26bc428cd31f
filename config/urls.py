from django.urls import include, path

from maintenance.views import healthz
from payouts.views.webhooks import stripe_webhook

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("healthz/", include("maintenance.urls")),
    path("accounts/", include("allauth.urls")),
    path("api/", include("api.urls")),
    path("stripe/webhooks/<slug:endpoint>/", stripe_webhook, name="stripe-webhook"),
    path("", include("contributors.urls")),
    path("", include("vetting.urls")),
    path("", include("screening.urls")),
    path("", include("identity.urls")),
    path("", include("marketplace.urls")),
    path("", include("payouts.urls")),
    path("", include("reporting.urls")),
    path("", include("tax.urls")),
    path("", include("inbox.urls")),
    path("", include("conversations.urls")),
    path("", include("privacy.urls")),
    path("", include("oversight.urls")),
    path("", include("ratings.urls")),
]

handler400 = "config.error_views.bad_request"
handler403 = "config.error_views.permission_denied"
handler404 = "config.error_views.not_found"
handler500 = "config.error_views.server_error"
