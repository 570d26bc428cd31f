from django.urls import path

from . import views

urlpatterns = [
    path("lab/", views.lab_home, name="lab-home"),
    path("lab/<int:pk>/", views.lab_detail, name="lab-detail"),
    path("lab/<int:pk>/members/", views.lab_member_add, name="lab-member-add"),
    path("lab/<int:pk>/projects/new/", views.project_new, name="lab-project-new"),
    path("lab/projects/<int:pk>/", views.project_detail, name="lab-project"),
    path("lab/projects/<int:pk>/edit/", views.project_edit, name="lab-project-edit"),
    path("lab/projects/<int:pk>/transition/", views.project_transition, name="lab-project-transition"),
    path("lab/projects/<int:pk>/fund/", views.project_fund, name="lab-project-fund"),
    path("lab/projects/<int:pk>/invite/", views.project_invite, name="lab-project-invite"),
    path("lab/projects/<int:pk>/rate-change/", views.project_rate_change, name="lab-project-rate-change"),
    path(
        "lab/projects/<int:pk>/requests/<int:request_pk>/accept/",
        views.project_request_accept,
        name="lab-request-accept",
    ),
    path(
        "lab/projects/<int:pk>/requests/<int:request_pk>/decline/",
        views.project_request_decline,
        name="lab-request-decline",
    ),
    path("expert/projects/", views.expert_projects, name="expert-projects"),
    path("expert/projects/<int:pk>/apply/", views.expert_project_apply, name="expert-project-apply"),
    path("expert/invitations/", views.expert_invitations, name="expert-invitations"),
    path("expert/invitations/<int:pk>/accept/", views.expert_invitation_accept, name="expert-invitation-accept"),
    path("expert/invitations/<int:pk>/decline/", views.expert_invitation_decline, name="expert-invitation-decline"),
]
