from django.urls import path

from .views import ops, person, systems

urlpatterns = [
    path("automated-decisions/", systems.systems_page, name="oversight-systems"),
    path("automated-decisions/mine/", person.my_decisions, name="oversight-my-decisions"),
    path(
        "automated-decisions/review/<slug:system>/<int:subject_id>/",
        person.request_new,
        name="oversight-request-new",
    ),
    path("automated-decisions/reviews/<int:pk>/", person.my_request, name="oversight-my-request"),
    path("ops/automated-decisions/", ops.queue, name="oversight-ops-queue"),
    path("ops/automated-decisions/<int:pk>/", ops.request_detail, name="oversight-ops-request"),
    path("ops/automated-decisions/<int:pk>/decide/", ops.decide, name="oversight-ops-decide"),
]
