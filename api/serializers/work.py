"""Logged work: time entries (one at a time or a file of them), tasks, review and quality."""

from rest_framework import serializers

from marketplace.models import GoldAnswer, QualityScore, TaskSubmission, TimeEntry

from .model_fields import choices, digits, max_length


class TimeEntryInput(serializers.Serializer):
    engagement = serializers.IntegerField()
    activity = serializers.ChoiceField(choices=choices(TimeEntry, "activity"))
    started_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    ended_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    work_date = serializers.DateField(required=False, allow_null=True, default=None)
    minutes = serializers.IntegerField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=max_length(TimeEntry, "note"))
    task_reference = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=max_length(TimeEntry, "task_reference")
    )


class AdjustmentRequestInput(TimeEntryInput):
    """Late work in a locked pay week; JSON, or multipart with an `evidence` file."""

    task_reference = None
    late_reason = serializers.CharField(
        max_length=max_length(TimeEntry, "late_reason"), help_text="Why the work is logged late; the lab reads it."
    )
    evidence = serializers.FileField(
        required=False, allow_null=True, default=None, help_text="Optional: a PDF, PNG or JPEG file."
    )


class TimeEntryReviseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=max_length(TimeEntry, "change_reason"))
    activity = serializers.ChoiceField(choices=choices(TimeEntry, "activity"), required=False)
    started_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    ended_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    work_date = serializers.DateField(required=False, allow_null=True, default=None)
    minutes = serializers.IntegerField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, max_length=max_length(TimeEntry, "note"))


class _ReviewedWorkOutput(serializers.Serializer):
    id = serializers.IntegerField()
    engagement = serializers.IntegerField(source="engagement_id")
    project = serializers.IntegerField(source="project_id")
    contributor = serializers.IntegerField(source="contributor_id")
    work_date = serializers.DateField()
    minutes = serializers.IntegerField()
    status = serializers.CharField()
    hold_reason = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    reviewed_at = serializers.DateTimeField(allow_null=True)
    rejection_reason = serializers.CharField()
    appeal_reason = serializers.CharField()
    appeal_decision_reason = serializers.CharField()
    auto_approved_at = serializers.DateTimeField(allow_null=True)
    instructions_version = serializers.IntegerField(
        source="instruction_version.number",
        allow_null=True,
        help_text="The version of the project's instructions in force when the work was done.",
    )
    rejection_cites_version = serializers.IntegerField(
        source="rejection_cites.number", allow_null=True, help_text="The instructions' version a rejection cites."
    )
    rejection_cited_passage = serializers.CharField()


class TimeEntryOutput(_ReviewedWorkOutput):
    activity = serializers.CharField()
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField()
    task_reference = serializers.CharField()
    version = serializers.IntegerField()
    previous = serializers.IntegerField(source="previous_id", allow_null=True)
    is_current = serializers.BooleanField()
    change_reason = serializers.CharField()
    late_request = serializers.BooleanField(help_text="Filed as an adjustment request after its week closed.")
    late_reason = serializers.CharField()
    late_week_start = serializers.DateField(allow_null=True, help_text="The pay week it adjusts.")
    has_evidence = serializers.SerializerMethodField()

    def get_has_evidence(self, entry) -> bool:
        return bool(entry.late_evidence)


class TimeEntryImportUpload(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV with a header row (engagement, activity, work_date, minutes, started_at, ended_at, note, "
        "task_reference), or JSON lines (a .jsonl or .ndjson name, or that content type): one entry per row."
    )


class TimeEntryImportEngagementOutput(serializers.Serializer):
    engagement = serializers.IntegerField()
    entries = serializers.IntegerField()
    minutes = serializers.IntegerField()


class TimeEntryImportOutput(serializers.Serializer):
    created = serializers.IntegerField()
    minutes = serializers.IntegerField()
    first_id = serializers.IntegerField(help_text="The entries' ids lie from first_id to last_id.")
    last_id = serializers.IntegerField()
    submitted_at = serializers.DateTimeField(help_text="The same for every entry of the import.")
    engagements = TimeEntryImportEngagementOutput(many=True)


class TimeEntryImportRowError(serializers.Serializer):
    row = serializers.IntegerField(help_text="The entry's position in the file from 1 (no header, no blank lines).")
    code = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class TimeEntryImportRefusal(serializers.Serializer):
    """The one error shape; a refused import (`import_refused`) names its rows instead of `fields`."""

    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)
    rows = TimeEntryImportRowError(many=True, required=False, help_text="The first 1,000 refused rows.")
    refused_rows = serializers.IntegerField(required=False)
    total_rows = serializers.IntegerField(required=False)


class TaskInput(serializers.Serializer):
    engagement = serializers.IntegerField()
    task_reference = serializers.CharField(max_length=max_length(TaskSubmission, "task_reference"))
    minutes = serializers.IntegerField()
    answer = serializers.JSONField(required=False, default=dict)
    judge_confidence = serializers.DecimalField(
        **digits(TaskSubmission, "judge_confidence"), required=False, allow_null=True, default=None
    )
    work_date = serializers.DateField(required=False, allow_null=True, default=None)


class TaskOutput(_ReviewedWorkOutput):
    task_reference = serializers.CharField()
    estimate_minutes = serializers.IntegerField()
    judge_confidence = serializers.DecimalField(**digits(TaskSubmission, "judge_confidence"), allow_null=True)
    needs_expert_review = serializers.BooleanField()


class WorkDecisionInput(serializers.Serializer):
    # A rejection, an appeal or an appeal's decision, all stored at this length.
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=max_length(TimeEntry, "rejection_reason")
    )
    approve = serializers.BooleanField(
        required=False, default=False, help_text="For decide-appeal: overturn the rejection."
    )
    cites_version = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=1_000_000,
        help_text="For reject: the version of the project's instructions the work was judged against.",
    )
    cited_passage = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=max_length(TimeEntry, "rejection_cited_passage"),
        help_text="For reject: the passage or section heading quoted from the cited version.",
    )


class GoldAnswerInput(serializers.Serializer):
    task_reference = serializers.CharField(max_length=max_length(GoldAnswer, "task_reference"))
    label = serializers.CharField(max_length=max_length(GoldAnswer, "label"))


class QualityScoreOutput(serializers.Serializer):
    project = serializers.IntegerField(source="project_id")
    project_title = serializers.CharField(source="project.title")
    contributor = serializers.IntegerField(source="contributor_id")
    contributor_name = serializers.CharField(source="contributor.display_name")
    score = serializers.DecimalField(**digits(QualityScore, "score"))
    used_score = serializers.DecimalField(
        **digits(QualityScore, "score"),
        allow_null=True,
        help_text=(
            "The figure ranking and bonuses use: null when operations set the score aside on review, "
            "their corrected figure when they corrected it, else the score."
        ),
    )
    set_aside = serializers.BooleanField()
    inputs = serializers.DictField()
    computed_at = serializers.DateTimeField()


class ReviewerScoreOutput(serializers.Serializer):
    email = serializers.EmailField()
    reviewed = serializers.IntegerField()
    rejected = serializers.IntegerField()
    overturned = serializers.IntegerField()
    gold_reviewed = serializers.IntegerField()
    gold_consistent = serializers.IntegerField()
    gold_accuracy = serializers.FloatField(allow_null=True)
    overturned_share = serializers.FloatField(allow_null=True)


class ProjectQualityOutput(serializers.Serializer):
    project_alpha = serializers.FloatField(allow_null=True)
    experts = QualityScoreOutput(many=True)
    reviewers = ReviewerScoreOutput(many=True)
