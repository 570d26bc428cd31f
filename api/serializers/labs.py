"""Labs, their members and projects: rates, funding, budget, matching and staffing."""

from rest_framework import serializers

from accounts.models import User
from audit.models import AuditEvent
from contributors.models import Contributor, Domain
from marketplace.candidates import RELATIONS
from marketplace.models import Lab, LabInvitation, LabMembership, Project, ProjectRateChange, StaffingRequest
from marketplace.services.lab_invitations import lab_invitation_state
from marketplace.services.projects import (
    PROJECT_TRANSITIONS,
    RATE_CHANGE_NOTICE_DAYS_DEFAULT,
    RATE_CHANGE_NOTICE_DAYS_MAX,
)

from .experts import DOMAINS_MAX, DomainOutput
from .model_fields import bounds, choices, digits, max_items, max_length


class LabInput(serializers.Serializer):
    name = serializers.CharField(max_length=max_length(Lab, "name"))
    country = serializers.CharField(max_length=max_length(Lab, "country"), min_length=2)
    website = serializers.URLField(max_length=max_length(Lab, "website"), required=False, allow_blank=True, default="")

    def validate_country(self, value: str) -> str:
        return value.upper()


class LabOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    country = serializers.CharField()
    website = serializers.CharField()
    platform_fee_markup = serializers.DecimalField(**digits(Lab, "platform_fee_markup"))


class MemberInput(serializers.Serializer):
    email = serializers.EmailField(max_length=max_length(User, "email"))
    role = serializers.ChoiceField(choices=choices(LabMembership, "role"))


class MemberAdded(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.CharField()
    message = serializers.CharField()


class SharedCredentialOutput(serializers.Serializer):
    kind = serializers.CharField()
    field = serializers.CharField()
    issuer = serializers.CharField(allow_null=True, help_text="Null when the expert does not share issuers and dates.")
    issued_on = serializers.DateField(allow_null=True)
    expires_on = serializers.DateField(allow_null=True)


class QualityPointOutput(serializers.Serializer):
    project = serializers.CharField(help_text="The title of this lab's project; another lab's is never named.")
    score = serializers.DecimalField(max_digits=4, decimal_places=3)
    measured_at = serializers.DateTimeField()


class AvailabilityOutput(serializers.Serializer):
    weekly_hours = serializers.IntegerField()
    committed_hours = serializers.IntegerField()
    free_hours = serializers.IntegerField()


class CandidateProfileOutput(serializers.Serializer):
    contributor_id = serializers.IntegerField()
    display_name = serializers.CharField()
    tier = serializers.CharField()
    specialties = serializers.ListField(child=serializers.CharField())
    languages = serializers.ListField(child=serializers.CharField())
    relation = serializers.ListField(
        child=serializers.ChoiceField(choices=list(RELATIONS)), help_text="Why the lab may see the expert."
    )
    credentials = SharedCredentialOutput(many=True)
    shares_credential_details = serializers.BooleanField()
    quality_history = QualityPointOutput(
        many=True, allow_null=True, help_text="Null when the expert does not share it."
    )
    availability = AvailabilityOutput(allow_null=True, help_text="Null when the expert does not share it.")


class LabInvitationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    role = serializers.CharField()
    status = serializers.ChoiceField(choices=choices(LabInvitation, "status"))
    sent_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    expired = serializers.SerializerMethodField()

    def get_expired(self, invitation) -> bool:
        return lab_invitation_state(invitation) == "expired"


class LabInvitationTokenInput(serializers.Serializer):
    token = serializers.CharField(max_length=100)


class LabInvitationSignUpInput(serializers.Serializer):
    token = serializers.CharField(max_length=100)
    full_name = serializers.CharField(max_length=max_length(User, "full_name"))
    password = serializers.CharField(max_length=128, write_only=True)


class LabInvitationAccepted(serializers.Serializer):
    lab = serializers.IntegerField(source="lab_id")
    lab_name = serializers.CharField(source="lab.name")
    role = serializers.CharField()


class MemberOutput(serializers.Serializer):
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    role = serializers.CharField()
    joined_at = serializers.DateTimeField()


class ProjectInput(serializers.Serializer):
    title = serializers.CharField(max_length=max_length(Project, "title"))
    brief = serializers.CharField(max_length=max_length(Project, "brief"))
    domains = serializers.ListField(
        child=serializers.SlugRelatedField(slug_field="slug", queryset=Domain.objects.all()),
        allow_empty=False,
        max_length=DOMAINS_MAX,
    )
    min_tier = serializers.ChoiceField(choices=choices(Project, "min_tier"))
    required_credential_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=choices(Project, "required_credential_kinds")),
        required=False,
        default=list,
        max_length=max_items(Project, "required_credential_kinds"),
    )
    allowed_countries = serializers.ListField(
        child=serializers.CharField(min_length=2, max_length=max_length(Project, "allowed_countries")),
        allow_empty=False,
        max_length=max_items(Project, "allowed_countries"),
    )
    languages = serializers.ListField(
        child=serializers.CharField(max_length=max_length(Project, "languages")),
        required=False,
        default=list,
        max_length=max_items(Project, "languages"),
    )
    pay_model = serializers.ChoiceField(choices=choices(Project, "pay_model"))
    currency = serializers.CharField(
        min_length=3, max_length=max_length(Project, "currency"), default=Project._meta.get_field("currency").default
    )
    rate_minor = serializers.IntegerField(
        **bounds(Project, "rate_minor"), help_text="Hourly rate, or the price of one task, in minor units."
    )
    task_estimate_minutes = serializers.IntegerField(
        **bounds(Project, "task_estimate_minutes"), required=False, allow_null=True, default=None
    )
    weekly_hours = serializers.IntegerField(**bounds(Project, "weekly_hours"))
    weekly_cap_hours = serializers.IntegerField(
        **bounds(Project, "weekly_cap_hours"),
        required=False,
        allow_null=True,
        default=None,
        help_text="Most hours a week one expert may log on this project; null for no cap of its own.",
    )
    headcount = serializers.IntegerField(**bounds(Project, "headcount"))
    budget_cap_minor = serializers.IntegerField(**bounds(Project, "budget_cap_minor"))
    sensitive_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=choices(Project, "sensitive_categories")),
        required=False,
        default=list,
        max_length=max_items(Project, "sensitive_categories"),
    )
    exclusive = serializers.BooleanField(default=False)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class ProjectOutput(serializers.Serializer):
    id = serializers.IntegerField()
    lab = serializers.IntegerField(source="lab_id")
    lab_name = serializers.CharField(source="lab.name")
    title = serializers.CharField()
    brief = serializers.CharField()
    domains = DomainOutput(many=True)
    min_tier = serializers.CharField()
    required_credential_kinds = serializers.ListField(child=serializers.CharField())
    allowed_countries = serializers.ListField(child=serializers.CharField())
    languages = serializers.ListField(child=serializers.CharField())
    pay_model = serializers.CharField()
    currency = serializers.CharField()
    rate_minor = serializers.IntegerField()
    task_estimate_minutes = serializers.IntegerField(allow_null=True)
    weekly_hours = serializers.IntegerField()
    weekly_cap_hours = serializers.IntegerField(allow_null=True)
    headcount = serializers.IntegerField()
    budget_cap_minor = serializers.IntegerField()
    sensitive_categories = serializers.ListField(child=serializers.CharField())
    exclusive = serializers.BooleanField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    status = serializers.CharField()
    funded_minor = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class ProjectSearchResultOutput(serializers.Serializer):
    project = ProjectOutput()
    hourly_in_currency_minor = serializers.IntegerField(
        source="hourly_in_currency", allow_null=True, help_text="Effective hourly pay in the page's currency."
    )
    eligible = serializers.BooleanField(allow_null=True, help_text="Null for an expert without a profile.")
    missing = serializers.ListField(child=serializers.CharField(), help_text="Each requirement not met, in a sentence.")


class ProjectSearchOutput(serializers.Serializer):
    count = serializers.IntegerField(source="total")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    currency = serializers.CharField(help_text="The expert's currency, in which pay is compared and shown.")
    not_compared = serializers.ListField(
        child=serializers.CharField(), help_text="Currencies a pay filter could not compare (no exchange rate)."
    )
    results = ProjectSearchResultOutput(many=True)


class ProjectTransitionInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(PROJECT_TRANSITIONS))
    # Kept in the audit trail with the change.
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=max_length(AuditEvent, "reason")
    )


class RateInput(serializers.Serializer):
    rate_minor = serializers.IntegerField(**bounds(Project, "rate_minor"))
    task_estimate_minutes = serializers.IntegerField(
        **bounds(Project, "task_estimate_minutes"), required=False, allow_null=True, default=None
    )


class RateChangeInput(RateInput):
    reason = serializers.CharField(max_length=max_length(ProjectRateChange, "reason"))
    notice_days = serializers.IntegerField(
        min_value=0, max_value=RATE_CHANGE_NOTICE_DAYS_MAX, default=RATE_CHANGE_NOTICE_DAYS_DEFAULT
    )


class JurisdictionOutput(serializers.Serializer):
    place = serializers.CharField()
    country = serializers.CharField()
    subdivision = serializers.CharField()
    local_currency = serializers.CharField()
    floor_local_minor = serializers.IntegerField()
    floor_minor = serializers.IntegerField()
    effective_hourly_local_minor = serializers.IntegerField()
    meets_floor = serializers.BooleanField()
    source_url = serializers.CharField()
    next_effective_from = serializers.DateField(
        allow_null=True, help_text="The first later day the place's floor changes, if one is on record."
    )
    next_floor_local_minor = serializers.IntegerField(allow_null=True)
    next_floor_minor = serializers.IntegerField(allow_null=True)
    next_effective_hourly_local_minor = serializers.IntegerField(allow_null=True)
    meets_next_floor = serializers.BooleanField(
        allow_null=True, help_text="Whether the rate meets that later floor: a warning when not, never a refusal."
    )
    next_source_url = serializers.CharField()


class RatePreviewOutput(serializers.Serializer):
    currency = serializers.CharField()
    effective_hourly_minor = serializers.IntegerField()
    tier_floor_minor = serializers.IntegerField()
    highest_minimum_wage_minor = serializers.IntegerField()
    jurisdictions = JurisdictionOutput(many=True)
    problems = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    warnings = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Later minimum wages already on record that the rate would fall below; they refuse nothing.",
    )


class RateChangeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    old_rate_minor = serializers.IntegerField()
    new_rate_minor = serializers.IntegerField()
    effective_on = serializers.DateField()
    reason = serializers.CharField()
    preview = serializers.ListField(child=serializers.DictField())


class FundingInput(serializers.Serializer):
    payment_method = serializers.CharField(
        max_length=255,
        help_text="A Stripe PaymentMethod id. In test mode, 'visa' (succeeds) or 'declined' (is declined) may be used.",
    )


class FundingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    budget_minor = serializers.IntegerField()
    fee_minor = serializers.IntegerField()
    amount_minor = serializers.IntegerField()
    currency = serializers.CharField()
    stripe_payment_intent_id = serializers.CharField()
    failure_message = serializers.CharField()
    created_at = serializers.DateTimeField()
    settled_at = serializers.DateTimeField(allow_null=True)


class BudgetOutput(serializers.Serializer):
    currency = serializers.CharField()
    funded_minor = serializers.IntegerField()
    committed_minor = serializers.IntegerField()
    spent_minor = serializers.IntegerField()
    remaining_minor = serializers.IntegerField()
    used_share = serializers.FloatField()


class CandidateOutput(serializers.Serializer):
    contributor_id = serializers.IntegerField()
    display_name = serializers.CharField()
    country = serializers.CharField()
    subdivision = serializers.CharField()
    tier = serializers.CharField()
    score = serializers.DecimalField(max_digits=6, decimal_places=1)
    components = serializers.DictField(child=serializers.DecimalField(max_digits=6, decimal_places=1))
    reasons = serializers.ListField(child=serializers.CharField())


class InvitationInput(serializers.Serializer):
    contributor = serializers.PrimaryKeyRelatedField(queryset=Contributor.objects.all())
    message = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=max_length(StaffingRequest, "message")
    )


class ApplicationInput(serializers.Serializer):
    message = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=max_length(StaffingRequest, "message")
    )


class DeclineInput(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=max_length(StaffingRequest, "decline_reason")
    )


class StaffingRequestOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    project_title = serializers.CharField(source="project.title")
    contributor = serializers.IntegerField(source="contributor_id")
    contributor_name = serializers.CharField(source="contributor.display_name")
    kind = serializers.CharField()
    status = serializers.CharField()
    message = serializers.CharField()
    sent_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    decline_reason = serializers.CharField()


class EngagementOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    project_title = serializers.CharField(source="project.title")
    contributor = serializers.IntegerField(source="contributor_id")
    contributor_name = serializers.CharField(source="contributor.display_name")
    status = serializers.CharField()
    pay_model = serializers.CharField()
    currency = serializers.CharField()
    rate_minor = serializers.IntegerField()
    task_estimate_minutes = serializers.IntegerField(allow_null=True)
    committed_minor = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(
        allow_null=True, help_text="From this moment no work may be dated on the engagement; earlier work is paid."
    )
    ended_because = serializers.CharField(help_text="Why it ended (empty while it has not).")
