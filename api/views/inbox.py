"""The inbox through the API: what waits for the caller, their notices, marking them read, mail preferences."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.notices import notice_mark_all_read, notice_mark_read, notice_preferences_for, notice_preferences_set
from inbox.selectors import inbox_for, notices_for

from ..idempotency import not_idempotent
from ..permissions import SignedInOpsWithMfa
from ..serializers import inbox as s


class InboxView(APIView):
    permission_classes = [SignedInOpsWithMfa]

    @extend_schema(responses=s.InboxOutput, tags=["inbox"])
    def get(self, request):
        return Response(s.InboxOutput(inbox_for(user=request.user)).data)


class NoticeListView(ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = s.NoticeOutput

    def get_queryset(self):
        return notices_for(user=self.request.user)

    @extend_schema(tags=["inbox"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NoticeReadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=s.NoticeOutput, tags=["inbox"])
    @not_idempotent("marks what was read; repeating it changes nothing")
    def post(self, request, pk: int):
        notice = notice_mark_read(actor=request.user, notice_id=pk)
        if notice is None:
            raise Http404
        return Response(s.NoticeOutput(notice).data)


class NoticesReadAllView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=s.NoticesReadOutput, tags=["inbox"])
    @not_idempotent("marks what was read; repeating it changes nothing")
    def post(self, request):
        return Response(s.NoticesReadOutput({"marked": notice_mark_all_read(actor=request.user)}).data)


class NoticePreferencesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.NoticePreferencesOutput, tags=["inbox"])
    def get(self, request):
        return Response(s.NoticePreferencesOutput(notice_preferences_for(user=request.user)).data)

    @extend_schema(request=s.NoticePreferencesInput, responses=s.NoticePreferencesOutput, tags=["inbox"])
    def put(self, request):
        data = s.NoticePreferencesInput(data=request.data)
        data.is_valid(raise_exception=True)
        notice_preferences_set(
            actor=request.user,
            email_off=data.validated_data["email_off"],
            daily_digest=data.validated_data["daily_digest"],
        )
        return Response(s.NoticePreferencesOutput(notice_preferences_for(user=request.user)).data)
