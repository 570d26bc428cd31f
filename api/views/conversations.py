"""Conversations through the API: list, open one for a subject, read, write, mark read, close."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import selectors, services
from conversations.attachments import attachment_response
from conversations.subjects import subject_for

from ..idempotency import idempotent, not_idempotent
from ..permissions import ExpertLabMemberOrOps, IsOps
from ..serializers import conversations as s


def _thread(request, pk: int):
    thread = selectors.thread_visible_to(user=request.user, pk=pk)
    if thread is None:
        raise Http404
    return thread


def _detail(thread) -> dict:
    data = s.ThreadOutput(thread).data
    data["messages"] = s.MessageOutput(selectors.messages_of(thread=thread), many=True).data
    return data


class ThreadListView(APIView):
    """The caller's threads, the most recently written first; `unread` says whether someone else wrote since."""

    permission_classes = [ExpertLabMemberOrOps]

    @extend_schema(responses=s.ThreadOutput(many=True), tags=["conversations"])
    def get(self, request):
        return Response(s.ThreadOutput(selectors.threads_for(user=request.user)[:200], many=True).data)

    @extend_schema(
        request=s.ThreadOpenInput,
        responses={200: s.ThreadOutput, 201: s.ThreadOutput},
        tags=["conversations"],
        description="The thread about a subject the caller may read, created on first use (201).",
    )
    @idempotent
    def post(self, request):
        data = s.ThreadOpenInput(data=request.data)
        data.is_valid(raise_exception=True)
        kind, subject_id = data.validated_data["subject_kind"], data.validated_data["subject_id"]
        if subject_for(user=request.user, kind=kind, pk=subject_id) is None:
            raise Http404
        thread, created = services.thread_open(actor=request.user, kind=kind, subject_id=subject_id)
        return Response(s.ThreadOutput(thread).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ThreadView(APIView):
    """One thread with its messages; reading it through the API does not mark it read (`read/` does)."""

    permission_classes = [ExpertLabMemberOrOps]

    @extend_schema(responses=s.ThreadDetailOutput, tags=["conversations"])
    def get(self, request, pk: int):
        return Response(_detail(_thread(request, pk)))


class ThreadMessageView(APIView):
    permission_classes = [ExpertLabMemberOrOps]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request={"application/json": s.MessageInput, "multipart/form-data": s.MessageInput},
        responses={201: s.MessageOutput},
        tags=["conversations"],
    )
    @idempotent
    def post(self, request, pk: int):
        thread = _thread(request, pk)
        data = s.MessageInput(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.message_post(
            actor=request.user,
            thread=thread,
            body=data.validated_data["body"],
            attachment=data.validated_data.get("attachment"),
        )
        return Response(s.MessageOutput(message).data, status=status.HTTP_201_CREATED)


class ThreadReadView(APIView):
    permission_classes = [ExpertLabMemberOrOps]

    @extend_schema(request=None, responses={204: None}, tags=["conversations"])
    @not_idempotent("marks what was read; repeating it changes nothing")
    def post(self, request, pk: int):
        services.thread_mark_read(actor=request.user, thread=_thread(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ThreadCloseView(APIView):
    permission_classes = [ExpertLabMemberOrOps]

    @extend_schema(request=s.CloseInput, responses=s.ThreadOutput, tags=["conversations"])
    @idempotent
    def post(self, request, pk: int):
        thread = _thread(request, pk)
        data = s.CloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        thread = services.thread_close(actor=request.user, thread=thread, reason=data.validated_data["reason"])
        return Response(s.ThreadOutput(thread).data)


class MessageAttachmentView(APIView):
    """A message's attachment, for the thread's parties only, as a sandboxed download."""

    permission_classes = [ExpertLabMemberOrOps]

    @extend_schema(responses={(200, "application/octet-stream"): bytes}, tags=["conversations"])
    def get(self, request, pk: int):
        return attachment_response(user=request.user, pk=pk)


class OpsDisputeThreadView(APIView):
    """The lab and expert's thread about a disputed entry, read by operations through the dispute (audited)."""

    permission_classes = [IsOps]

    @extend_schema(responses=s.ThreadDetailOutput, tags=["conversations", "operations"])
    def get(self, request, pk: int):
        dispute = selectors.dispute_for_ops(user=request.user, pk=pk)
        if dispute is None:
            raise Http404
        thread = services.thread_read_through_case(actor=request.user, dispute=dispute)
        if thread is None:
            raise Http404
        return Response(_detail(thread))
