"""People's copies of their data, their erasure requests and legal holds through the API."""

from rest_framework import serializers

from privacy.models import DataExport, ErasureRequest, ErasureStatus, LegalHold


class DataExportOutput(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = DataExport
        fields = [
            "id",
            "status",
            "status_label",
            "requested_at",
            "prepared_at",
            "expires_at",
            "downloaded_at",
            "size_bytes",
            "sha256",
        ]
        read_only_fields = fields


class ErasureRequestOutput(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ErasureRequest
        fields = [
            "id",
            "status",
            "status_label",
            "statement",
            "requested_at",
            "due_at",
            "decided_at",
            "decision_reason",
        ]
        read_only_fields = fields


class ErasureRequestInput(serializers.Serializer):
    statement = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=ErasureRequest._meta.get_field("statement").max_length
    )


class OpsErasureRequestOutput(ErasureRequestOutput):
    email = serializers.EmailField(source="user.email", read_only=True)
    blocks = serializers.SerializerMethodField(help_text="Why the person cannot be erased yet, in plain words.")
    erased = serializers.JSONField(read_only=True, help_text="What the erasure removed, by kind (counts).")

    class Meta(ErasureRequestOutput.Meta):
        fields = [*ErasureRequestOutput.Meta.fields, "email", "blocks", "erased"]
        read_only_fields = fields

    def get_blocks(self, erasure) -> list[str]:
        from privacy.erasure import erasure_blocks

        request = self.context.get("request")
        if request is not None and request.user.pk == erasure.user_id:
            # One's own request: someone else decides it, and a legal hold on oneself is not told.
            return []
        return erasure_blocks(user=erasure.user) if erasure.status == ErasureStatus.OPEN else []


class ErasureDecisionInput(serializers.Serializer):
    erase = serializers.BooleanField(help_text="True erases the person now; false refuses, with reasons.")
    reason = serializers.CharField(max_length=ErasureRequest._meta.get_field("decision_reason").max_length)


class LegalHoldOutput(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True, help_text="The person whose records are kept.")
    in_force = serializers.BooleanField(read_only=True)
    placed_by = serializers.EmailField(source="placed_by.email", read_only=True)
    released_by = serializers.EmailField(source="released_by.email", read_only=True, allow_null=True, default=None)

    class Meta:
        model = LegalHold
        fields = [
            "id",
            "user",
            "email",
            "in_force",
            "reason",
            "placed_by",
            "placed_at",
            "released_by",
            "released_at",
            "release_note",
        ]
        read_only_fields = fields


class LegalHoldInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="The address the person signs in with.")
    reason = serializers.CharField(
        max_length=LegalHold._meta.get_field("reason").max_length,
        help_text="The claim, inquiry or order that requires the records to be kept; the person is not told.",
    )


class LegalHoldReleaseInput(serializers.Serializer):
    note = serializers.CharField(
        max_length=LegalHold._meta.get_field("release_note").max_length, help_text="Why the hold ends."
    )
