from django.urls import path

from . import views

urlpatterns = [
    path("inbox/", views.inbox_page, name="inbox"),
    path("inbox/notices/<int:pk>/read/", views.notice_read, name="inbox-notice-read"),
    path("inbox/notices/read-all/", views.notices_read_all, name="inbox-notices-read-all"),
    path("settings/notices/", views.notice_preferences, name="notice-preferences"),
]
