"""Logging work and reviewing it, through the API."""

from django.conf import settings
from django.db.models import Q
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ApplicationError
from marketplace import import_files as time_entry_files
from marketplace import selectors, services
from marketplace.evidence import late_evidence_response
from marketplace.models import (
    PENDING_REVIEW,
    Engagement,
    InstructionVersion,
    QualityScore,
    TaskSubmission,
    TimeEntry,
)

from ..idempotency import idempotent, not_idempotent
from ..permissions import IsExpert, IsLabMember
from ..serializers import work as s

KINDS = {"time-entries": (TimeEntry, s.TimeEntryOutput), "tasks": (TaskSubmission, s.TaskOutput)}


def _own_engagement(request, pk: int) -> Engagement:
    engagement = Engagement.objects.filter(pk=pk, contributor__user=request.user).first()
    if engagement is None:
        raise ApplicationError(
            "No engagement of yours has this id.", code="invalid", fields={"engagement": ["Not found."]}
        )
    return engagement


class MyTimeEntryListView(APIView):
    """The expert's own time ledger, every version, newest first; `?current=1` for current ones only."""

    permission_classes = [IsExpert]

    @extend_schema(
        parameters=[OpenApiParameter("current", bool), OpenApiParameter("engagement", int)],
        responses=s.TimeEntryOutput(many=True),
        tags=["work"],
    )
    def get(self, request):
        entries = (
            TimeEntry.objects.filter(contributor__user=request.user)
            .select_related("instruction_version", "rejection_cites")
            .order_by("-work_date", "-id")
        )
        if request.query_params.get("current") in ("1", "true"):
            entries = entries.filter(is_current=True)
        if (engagement := request.query_params.get("engagement", "")).isdigit():
            entries = entries.filter(engagement_id=int(engagement))
        return Response(s.TimeEntryOutput(entries[:1000], many=True).data)

    @extend_schema(request=s.TimeEntryInput, responses={201: s.TimeEntryOutput}, tags=["work"])
    @idempotent
    def post(self, request):
        data = s.TimeEntryInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        engagement = _own_engagement(request, values.pop("engagement"))
        entry = services.time_entry_log(actor=request.user, engagement=engagement, **values)
        return Response(s.TimeEntryOutput(entry).data, status=status.HTTP_201_CREATED)


class MyTimeEntryImportView(APIView):
    """Log many time entries from one CSV or JSON-lines file: all of them, or none and every refused row named.

    The file is the body (`text/csv` or `application/x-ndjson`) or a multipart upload named
    `file`. Each row gives `engagement` (an id) and the fields of a single entry; times need
    their UTC offset. The rules are those of a single entry, with the file's earlier rows
    counted as already logged. A refusal is a 400 `import_refused` listing each refused row
    (its number counts entries from 1, not the CSV header or blank lines) with its fields.
    """

    permission_classes = [IsExpert]
    parser_classes = [MultiPartParser]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # The body is read whole (for the Idempotency-Key's fingerprint, and to parse it),
        # so it is bounded before anything reads it.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > limit:
            raise ApplicationError(
                "The file is too large.",
                code="file_too_large",
                fields={"file": [f"At most {limit // (1024 * 1024)} MB; split the file."]},
            )

    @extend_schema(
        request={
            "multipart/form-data": s.TimeEntryImportUpload,
            "text/csv": OpenApiTypes.STR,
            "application/x-ndjson": OpenApiTypes.STR,
        },
        responses={201: s.TimeEntryImportOutput, 400: s.TimeEntryImportRefusal},
        tags=["work"],
    )
    @idempotent
    def post(self, request):
        media_type = (request.content_type or "").split(";")[0].strip().lower()
        if media_type == "multipart/form-data":
            upload = request.FILES.get("file")
            if upload is None:
                raise ApplicationError("Attach the file.", code="invalid_file", fields={"file": ["No file was sent."]})
            upload_type = (upload.content_type or "").split(";")[0].strip().lower()
            rows = time_entry_files.rows_from_upload(media_type=upload_type, data=upload.read(), filename=upload.name)
        elif media_type in time_entry_files.CSV_TYPES | time_entry_files.JSON_LINES_TYPES:
            rows = time_entry_files.rows_from_upload(media_type=media_type, data=request.body)
        else:
            raise ApplicationError(
                "Send a CSV or JSON-lines file.",
                code="invalid_file",
                fields={"file": ["Send text/csv, application/x-ndjson, or a multipart upload named file."]},
            )
        try:
            result = services.time_entries_import(actor=request.user, rows=rows)
        except services.ImportRefused as refused:
            return Response(
                s.TimeEntryImportRefusal(
                    {
                        "code": refused.code,
                        "message": refused.message,
                        "rows": refused.rows,
                        "refused_rows": refused.refused,
                        "total_rows": refused.total,
                    }
                ).data,
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(
            s.TimeEntryImportOutput(
                {
                    "created": result.created,
                    "minutes": result.minutes,
                    "first_id": result.first_id,
                    "last_id": result.last_id,
                    "submitted_at": result.submitted_at,
                    "engagements": [
                        {"engagement": pk, "entries": entries, "minutes": minutes}
                        for pk, (entries, minutes) in sorted(result.by_engagement.items())
                    ],
                }
            ).data,
            status=status.HTTP_201_CREATED,
        )


class MyAdjustmentRequestView(APIView):
    """File late work in a pay week that has closed, for the lab's review as an adjustment of that week.

    JSON, or multipart with an optional `evidence` file (PDF, PNG or JPEG, checked by its
    content). A day whose week is still open is refused (`week_open`): log it normally.
    """

    permission_classes = [IsExpert]

    @extend_schema(
        request={"application/json": s.AdjustmentRequestInput, "multipart/form-data": s.AdjustmentRequestInput},
        responses={201: s.TimeEntryOutput},
        tags=["work"],
    )
    @idempotent
    def post(self, request):
        data = s.AdjustmentRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        engagement = _own_engagement(request, values.pop("engagement"))
        entry = services.time_entry_adjustment_request(actor=request.user, engagement=engagement, **values)
        return Response(s.TimeEntryOutput(entry).data, status=status.HTTP_201_CREATED)


class TimeEntryEvidenceView(APIView):
    """The evidence of an adjustment request: for its expert and the reviewers of its lab, 404 for anyone else."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "application/octet-stream"): bytes}, tags=["work"])
    def get(self, request, pk: int):
        return late_evidence_response(user=request.user, pk=pk)


class TimeEntryReviseView(APIView):
    permission_classes = [IsExpert]

    @extend_schema(request=s.TimeEntryReviseInput, responses={201: s.TimeEntryOutput}, tags=["work"])
    @idempotent
    def post(self, request, pk: int):
        entry = TimeEntry.objects.filter(pk=pk, contributor__user=request.user).first()
        if entry is None:
            raise Http404
        data = s.TimeEntryReviseInput(data=request.data)
        data.is_valid(raise_exception=True)
        revised = services.time_entry_revise(actor=request.user, entry=entry, **data.validated_data)
        return Response(s.TimeEntryOutput(revised).data, status=status.HTTP_201_CREATED)


class MyTaskListView(APIView):
    permission_classes = [IsExpert]

    @extend_schema(responses=s.TaskOutput(many=True), tags=["work"])
    def get(self, request):
        tasks = (
            TaskSubmission.objects.filter(contributor__user=request.user)
            .select_related("instruction_version", "rejection_cites")
            .order_by("-submitted_at")
        )
        return Response(s.TaskOutput(tasks[:1000], many=True).data)

    @extend_schema(request=s.TaskInput, responses={201: s.TaskOutput}, tags=["work"])
    @idempotent
    def post(self, request):
        data = s.TaskInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        engagement = _own_engagement(request, values.pop("engagement"))
        task = services.task_submit(actor=request.user, engagement=engagement, **values)
        return Response(s.TaskOutput(task).data, status=status.HTTP_201_CREATED)


class ReviewQueueView(APIView):
    """Work waiting for the lab's review on a project, oldest first."""

    permission_classes = [IsLabMember]

    @extend_schema(responses={200: dict}, tags=["work"])
    def get(self, request, pk: int):
        project = selectors.project_for_member(user=request.user, pk=pk)
        if project is None:
            raise Http404
        entries = TimeEntry.objects.filter(project=project, is_current=True, status__in=PENDING_REVIEW)
        tasks = TaskSubmission.objects.filter(project=project, status__in=PENDING_REVIEW)
        return Response(
            {
                "time_entries": s.TimeEntryOutput(entries.order_by("submitted_at")[:500], many=True).data,
                "tasks": s.TaskOutput(tasks.order_by("-needs_expert_review", "submitted_at")[:500], many=True).data,
            }
        )


def _cited_version(item, number: int | None) -> InstructionVersion | None:
    if number is None:
        return None
    version = InstructionVersion.objects.filter(project_id=item.project_id, number=number).first()
    if version is None:
        raise ApplicationError(
            "No such version.",
            code="invalid",
            fields={"cites_version": ["This project has no version of its instructions with that number."]},
        )
    return version


ACTIONS = {
    "approve": lambda user, item, data: services.work_approve(actor=user, item=item),
    "reject": lambda user, item, data: services.work_reject(
        actor=user,
        item=item,
        reason=data["reason"],
        cites=_cited_version(item, data["cites_version"]),
        cited_passage=data["cited_passage"],
    ),
    "appeal": lambda user, item, data: services.work_appeal(actor=user, item=item, reason=data["reason"]),
    "decide-appeal": lambda user, item, data: services.work_decide_appeal(
        actor=user, item=item, approve=data["approve"], reason=data["reason"]
    ),
}


class WorkActionView(APIView):
    """Approve, reject (with a reason), appeal (the expert) or decide an appeal (another reviewer)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=s.WorkDecisionInput, responses=s.TimeEntryOutput, tags=["work"])
    @idempotent
    def post(self, request, kind: str, pk: int, action: str):
        if kind not in KINDS or action not in ACTIONS:
            raise Http404
        model, output = KINDS[kind]
        visible = Q(contributor__user=request.user) | Q(project__lab__memberships__user=request.user)
        item = model.objects.filter(visible, pk=pk).distinct().first()
        if item is None:
            raise Http404
        data = s.WorkDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        item = ACTIONS[action](request.user, item, data.validated_data)
        return Response(output(item).data)


class GoldAnswerView(APIView):
    permission_classes = [IsLabMember]

    @extend_schema(request=s.GoldAnswerInput, responses={201: s.GoldAnswerInput}, tags=["quality"])
    @idempotent
    def post(self, request, pk: int):
        project = selectors.project_for_member(user=request.user, pk=pk)
        if project is None:
            raise Http404
        data = s.GoldAnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        gold = services.gold_answer_add(actor=request.user, project=project, **data.validated_data)
        return Response(s.GoldAnswerInput(gold).data, status=status.HTTP_201_CREATED)


class ProjectQualityView(APIView):
    """Agreement on the project, every expert's score with its inputs, and how reviewers fare."""

    permission_classes = [IsLabMember]

    @extend_schema(responses=s.ProjectQualityOutput, tags=["quality"])
    def get(self, request, pk: int):
        project = selectors.project_for_member(user=request.user, pk=pk)
        if project is None:
            raise Http404
        scores = QualityScore.objects.filter(project=project).select_related("project", "contributor")
        alpha = scores.first().inputs.get("project_alpha") if scores.exists() else None
        return Response(
            s.ProjectQualityOutput(
                {"project_alpha": alpha, "experts": scores, "reviewers": selectors.reviewer_scores(project=project)}
            ).data
        )

    @extend_schema(request=None, responses=s.ProjectQualityOutput, tags=["quality"])
    @not_idempotent("recomputes derived figures; repeating it changes nothing")
    def post(self, request, pk: int):
        project = selectors.project_for_member(user=request.user, pk=pk)
        if project is None:
            raise Http404
        services.quality_scores_compute(actor=request.user, project=project)
        return self.get(request, pk)


class MyQualityView(APIView):
    """The expert's own quality scores, with every input shown."""

    permission_classes = [IsExpert]

    @extend_schema(responses=s.QualityScoreOutput(many=True), tags=["quality"])
    def get(self, request):
        scores = QualityScore.objects.filter(contributor__user=request.user).select_related("project", "contributor")
        return Response(s.QualityScoreOutput(scores, many=True).data)
