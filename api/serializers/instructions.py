"""A project's instructions: versions, publishing one, and an expert's confirmed reading."""

from rest_framework import serializers

from marketplace.instructions import instructions_html
from marketplace.models import InstructionReading, InstructionVersion

from .model_fields import bounds, max_length


class InstructionVersionOutput(serializers.ModelSerializer):
    html = serializers.SerializerMethodField(help_text="The Markdown rendered inert: no raw HTML, scripts or images.")

    class Meta:
        model = InstructionVersion
        fields = ["number", "body", "html", "reading_minutes", "change_summary", "published_at"]

    def get_html(self, version: InstructionVersion) -> str:
        return str(instructions_html(version.body))


class InstructionDiffLineOutput(serializers.Serializer):
    change = serializers.ChoiceField(choices=["added", "removed", "same"])
    text = serializers.CharField()
    old_line = serializers.IntegerField(allow_null=True)
    new_line = serializers.IntegerField(allow_null=True)


class InstructionVersionDetailOutput(InstructionVersionOutput):
    changes = InstructionDiffLineOutput(many=True, help_text="Lines added and removed since the version before.")

    class Meta(InstructionVersionOutput.Meta):
        fields = [*InstructionVersionOutput.Meta.fields, "changes"]


class InstructionPublishInput(serializers.Serializer):
    body = serializers.CharField(max_length=max_length(InstructionVersion, "body"), help_text="Markdown.")
    reading_minutes = serializers.IntegerField(**bounds(InstructionVersion, "reading_minutes"))
    change_summary = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=max_length(InstructionVersion, "change_summary"),
        help_text="What changed; required from the second version on.",
    )


class InstructionReadingOutput(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number")
    minutes = serializers.IntegerField(source="time_entry.minutes")
    work_date = serializers.DateField(source="time_entry.work_date")

    class Meta:
        model = InstructionReading
        fields = ["version", "time_entry", "minutes", "work_date", "read_at"]
