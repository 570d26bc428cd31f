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
    path("lab/projects/<int:pk>/review/", views.lab_review, name="lab-review"),
    path("lab/projects/<int:pk>/review/approve/", views.lab_review_bulk_approve, name="lab-review-bulk-approve"),
    path(
        "lab/projects/<int:pk>/review/<slug:kind>/<int:item_pk>/approve/",
        views.lab_review_approve,
        name="lab-review-approve",
    ),
    path(
        "lab/projects/<int:pk>/review/<slug:kind>/<int:item_pk>/reject/",
        views.lab_review_reject,
        name="lab-review-reject",
    ),
    path(
        "lab/projects/<int:pk>/review/<slug:kind>/<int:item_pk>/decide/",
        views.lab_review_decide,
        name="lab-review-decide",
    ),
    path("lab/projects/<int:pk>/quality/", views.lab_quality, name="lab-quality"),
    path("lab/projects/<int:pk>/quality/gold/", views.lab_gold_add, name="lab-gold-add"),
    path("lab/projects/<int:pk>/quality/recompute/", views.lab_quality_recompute, name="lab-quality-recompute"),
    path("expert/projects/", views.expert_projects, name="expert-projects"),
    path("expert/projects/<int:pk>/apply/", views.expert_project_apply, name="expert-project-apply"),
    path("expert/invitations/", views.expert_invitations, name="expert-invitations"),
    path("expert/invitations/<int:pk>/accept/", views.expert_invitation_accept, name="expert-invitation-accept"),
    path("expert/invitations/<int:pk>/decline/", views.expert_invitation_decline, name="expert-invitation-decline"),
    path("expert/engagements/<int:pk>/timesheet/", views.expert_timesheet, name="expert-timesheet"),
    path("expert/engagements/<int:pk>/timesheet/log/", views.expert_time_log, name="expert-time-log"),
    path("expert/engagements/<int:pk>/history/", views.expert_time_history, name="expert-time-history"),
    path("expert/engagements/<int:pk>/tasks/", views.expert_tasks, name="expert-tasks"),
    path("expert/engagements/<int:pk>/tasks/submit/", views.expert_task_submit, name="expert-task-submit"),
    path("expert/time-entries/<int:pk>/correct/", views.expert_time_correct, name="expert-time-correct"),
    path("expert/work/<slug:kind>/<int:pk>/appeal/", views.expert_work_appeal, name="expert-work-appeal"),
    path("expert/quality/", views.expert_quality, name="expert-quality"),
]
