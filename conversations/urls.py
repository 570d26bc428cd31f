from django.urls import path

from . import views

urlpatterns = [
    path("conversations/", views.conversation_list, name="conversations"),
    path("conversations/about/<slug:kind>/<int:pk>/", views.conversation_subject, name="conversation-subject"),
    path("conversations/<int:pk>/", views.conversation, name="conversation"),
    path("conversations/<int:pk>/close/", views.conversation_close, name="conversation-close"),
    path("conversations/messages/<int:pk>/attachment/", views.conversation_attachment, name="conversation-attachment"),
    path("ops/disputes/<int:pk>/conversation/", views.ops_dispute_conversation, name="ops-dispute-conversation"),
]
