from django.urls import path

from .views import funding, labs, projects, quality, review, staffing, tasks, timesheet

urlpatterns = [
    path("lab/", labs.lab_home, name="lab-home"),
    path("lab/<int:pk>/", labs.lab_detail, name="lab-detail"),
    path("lab/<int:pk>/members/", labs.lab_member_add, name="lab-member-add"),
    path("lab/<int:pk>/projects/new/", projects.project_new, name="lab-project-new"),
    path("lab/projects/<int:pk>/", projects.project_detail, name="lab-project"),
    path("lab/projects/<int:pk>/edit/", projects.project_edit, name="lab-project-edit"),
    path("lab/projects/<int:pk>/transition/", projects.project_transition, name="lab-project-transition"),
    path("lab/projects/<int:pk>/fund/", funding.project_fund, name="lab-project-fund"),
    path("lab/projects/<int:pk>/invite/", staffing.project_invite, name="lab-project-invite"),
    path("lab/projects/<int:pk>/rate-change/", projects.project_rate_change, name="lab-project-rate-change"),
    path(
        "lab/projects/<int:pk>/requests/<int:request_pk>/accept/",
        staffing.project_request_accept,
        name="lab-request-accept",
    ),
    path(
        "lab/projects/<int:pk>/requests/<int:request_pk>/decline/",
        staffing.project_request_decline,
        name="lab-request-decline",
    ),
    path("lab/projects/<int:pk>/review/", review.lab_review, name="lab-review"),
    path("lab/projects/<int:pk>/review/approve/", review.lab_review_bulk_approve, name="lab-review-bulk-approve"),
    path(
        "lab/projects/<int:pk>/review/<slug:kind>/<int:item_pk>/approve/",
        review.lab_review_approve,
        name="lab-review-approve",
    ),
    path(
        "lab/projects/<int:pk>/review/<slug:kind>/<int:item_pk>/reject/",
        review.lab_review_reject,
        name="lab-review-reject",
    ),
    path(
        "lab/projects/<int:pk>/review/<slug:kind>/<int:item_pk>/decide/",
        review.lab_review_decide,
        name="lab-review-decide",
    ),
    path("lab/projects/<int:pk>/quality/", quality.lab_quality, name="lab-quality"),
    path("lab/projects/<int:pk>/quality/gold/", quality.lab_gold_add, name="lab-gold-add"),
    path("lab/projects/<int:pk>/quality/recompute/", quality.lab_quality_recompute, name="lab-quality-recompute"),
    path("expert/projects/", staffing.expert_projects, name="expert-projects"),
    path("expert/projects/<int:pk>/apply/", staffing.expert_project_apply, name="expert-project-apply"),
    path("expert/invitations/", staffing.expert_invitations, name="expert-invitations"),
    path("expert/invitations/<int:pk>/accept/", staffing.expert_invitation_accept, name="expert-invitation-accept"),
    path("expert/invitations/<int:pk>/decline/", staffing.expert_invitation_decline, name="expert-invitation-decline"),
    path("expert/engagements/<int:pk>/timesheet/", timesheet.expert_timesheet, name="expert-timesheet"),
    path("expert/engagements/<int:pk>/timesheet/log/", timesheet.expert_time_log, name="expert-time-log"),
    path("expert/engagements/<int:pk>/history/", timesheet.expert_time_history, name="expert-time-history"),
    path("expert/engagements/<int:pk>/tasks/", tasks.expert_tasks, name="expert-tasks"),
    path("expert/engagements/<int:pk>/tasks/submit/", tasks.expert_task_submit, name="expert-task-submit"),
    path("expert/time-entries/<int:pk>/correct/", timesheet.expert_time_correct, name="expert-time-correct"),
    path("expert/work/<slug:kind>/<int:pk>/appeal/", review.expert_work_appeal, name="expert-work-appeal"),
    path("expert/quality/", quality.expert_quality, name="expert-quality"),
]
