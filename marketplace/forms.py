"""Page forms for labs, projects and staffing; they parse input, the services decide what is allowed.

Money is typed in major units ("90.00") and becomes integer minor units here, through
``payouts.money.to_minor``, never through ``float``.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator

from config.errors import ApplicationError
from contributors.forms import BoundedMultipleChoiceField, add_service_error, domain_choice_groups
from contributors.models import Domain, Tier
from contributors.reference import SensitiveContent, country_choices, language_choices
from contributors.selectors import domain_tree
from payouts import money
from vetting.forms import DOCUMENT_ACCEPT, DateInput
from vetting.models import CredentialKind

from .models import (
    CITED_PASSAGE_MAX,
    DISPUTE_TEXT_MAX,
    INSTRUCTION_BODY_MAX,
    INSTRUCTION_SUMMARY_MAX,
    LATE_REASON_MAX,
    READING_MINUTES_MAX,
    READING_MINUTES_MIN,
    WEEKLY_CAP_HOURS_MAX,
    ActivityKind,
    LabRole,
    PayModel,
    Project,
)
from .search import PAGE_MAX, Criteria, Sort
from .selectors import project_currencies

BIGINT_MAX = 2**63 - 1
# Digits, an optional decimal part; thousands separators only in groups of three.
_AMOUNT = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_AMOUNT_MAX_DIGITS = 12


def parse_amount(text: str, currency: str, *, at_most: int) -> int:
    """A typed major-unit amount in minor units, at most ``at_most`` of them; a
    ``ValidationError`` if it is not one."""
    value = (text or "").strip().replace(" ", "")
    if not _AMOUNT.match(value):
        raise forms.ValidationError("Enter an amount such as 90.00, using a point for the decimals.")
    whole, _, decimals = value.replace(",", "").partition(".")
    if len(whole.lstrip("0")) > _AMOUNT_MAX_DIGITS:
        raise forms.ValidationError("This amount is too large.")
    places = money.exponent(currency)
    if len(decimals.rstrip("0")) > places:
        raise forms.ValidationError(
            f"{currency} has no smaller unit than {'1' if not places else '0.' + '0' * (places - 1) + '1'}."
        )
    try:
        minor = money.to_minor(Decimal(value.replace(",", "")), currency)
    except (InvalidOperation, money.MoneyError):
        raise forms.ValidationError("Enter an amount such as 90.00.") from None
    if minor <= 0:
        raise forms.ValidationError("Must be more than zero.")
    if minor > at_most:
        raise forms.ValidationError(f"Must be at most {money.format_money(at_most, currency)}.")
    return minor


def major(amount_minor: int | None, currency: str) -> str:
    """Minor units as the plain major-unit text a person would type back in."""
    return "" if amount_minor is None else str(money.from_minor(amount_minor, currency))


def place_service_error(form: forms.Form, error: ApplicationError, rename: dict[str, str] | None = None) -> None:
    """``add_service_error``, with the service's minor-unit field names mapped onto the typed fields."""
    rename = rename or {}
    fields = {rename.get(field, field): messages for field, messages in error.fields.items()}
    add_service_error(form, ApplicationError(error.message, code=error.code, fields=fields))


MONEY_FIELDS = {"rate_minor": "rate", "budget_cap_minor": "budget_cap"}


class LabForm(forms.Form):
    name = forms.CharField(max_length=200, label="Lab name", help_text="The organisation experts will see.")
    country = forms.ChoiceField(label="Country", widget=forms.Select(attrs={"autocomplete": "country"}))
    website = forms.URLField(required=False, max_length=200, label="Website", assume_scheme="https")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "Choose a country"), *country_choices()]


class MemberForm(forms.Form):
    email = forms.EmailField(
        label="Colleague's email",
        max_length=254,
        help_text="They join at once if they have a lab-member account with this address; if not, they are "
        "emailed a link to join that works once, for a week.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        choices=[("", "Choose a role"), *LabRole.choices],
        label="Role",
        help_text="Owners add people; owners and managers edit, fund and staff projects; "
        "reviewers and viewers only look.",
    )


class InvitationSignUpForm(forms.Form):
    """Someone invited by email who has no account: their name and a password."""

    full_name = forms.CharField(
        max_length=200, label="Your name", widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password = forms.CharField(
        max_length=128,
        label="Choose a password",
        help_text="At least 10 characters, not a common one.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class ProjectForm(forms.Form):
    title = forms.CharField(max_length=200, label="Title")
    brief = forms.CharField(
        label="Brief",
        help_text="What the experts will do; they read it before applying.",
        max_length=Project._meta.get_field("brief").max_length,
        widget=forms.Textarea,
    )
    domains = BoundedMultipleChoiceField(
        label="Domains",
        help_text="Choose a whole field or the sub-specialties you need.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one domain or sub-specialty."},
    )
    min_tier = forms.ChoiceField(
        choices=[("", "Choose a tier"), *Tier.choices], label="Lowest tier", help_text="Each tier has a pay floor."
    )
    required_credential_kinds = BoundedMultipleChoiceField(
        required=False,
        choices=CredentialKind.choices,
        label="Verified credentials every expert must hold",
        widget=forms.CheckboxSelectMultiple,
    )
    allowed_countries = BoundedMultipleChoiceField(
        label="Countries experts may work from",
        help_text="Hold Ctrl (Cmd on a Mac) to choose more than one. Each one's minimum wage applies.",
        widget=forms.SelectMultiple(attrs={"size": 8}),
        error_messages={"required": "Allow at least one country."},
    )
    languages = BoundedMultipleChoiceField(
        required=False,
        max_choices=Project._meta.get_field("languages").size,
        label="Languages every expert must work in",
        help_text="Hold Ctrl (Cmd on a Mac) to choose more than one.",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    pay_model = forms.ChoiceField(choices=PayModel.choices, label="Pay", widget=forms.RadioSelect, initial="hourly")
    currency = forms.ChoiceField(label="Currency", initial="USD")
    rate = forms.CharField(
        max_length=30,
        label="Rate",
        help_text="Per hour, or the price of one task, for example 90.00.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    task_estimate_minutes = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=24 * 60,
        label="Minutes a task takes",
        help_text="Per-task work only. Experts see it before they accept; the hourly floor is checked against it.",
    )
    weekly_hours = forms.IntegerField(min_value=1, max_value=60, label="Hours a week from each expert")
    weekly_cap_hours = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=WEEKLY_CAP_HOURS_MAX,
        label="Weekly cap (hours)",
        help_text="The most hours one expert may log on this project in a pay week; leave empty for no cap of its own.",
    )
    headcount = forms.IntegerField(min_value=1, max_value=10000, label="Experts needed")
    budget_cap = forms.CharField(
        max_length=30,
        label="Budget",
        help_text="The most this project may pay experts, for example 20000.00. The platform fee comes on top.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    sensitive_categories = BoundedMultipleChoiceField(
        required=False,
        choices=SensitiveContent.choices,
        label="Sensitive content the work includes",
        help_text="Experts who opted out of any of these are never matched; the others are warned.",
        widget=forms.CheckboxSelectMultiple,
    )
    exclusive = forms.BooleanField(
        required=False, label="Exclusive: its experts work on no other project while engaged"
    )
    starts_on = forms.DateField(label="Starts on", widget=DateInput())
    ends_on = forms.DateField(label="Ends on", widget=DateInput())

    # What a rate preview needs; other fields may still be unfinished when previewing.
    RATE_FIELDS = (
        "domains",
        "min_tier",
        "allowed_countries",
        "pay_model",
        "currency",
        "rate",
        "task_estimate_minutes",
        "starts_on",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.domains = {domain.slug: domain for domain in domain_tree()}
        self.fields["domains"].choices = domain_choice_groups(self.domains.values())
        self.fields["allowed_countries"].choices = country_choices()
        self.fields["languages"].choices = language_choices()
        self.fields["currency"].choices = [(code, code) for code in project_currencies()]

    @classmethod
    def initial_for(cls, project: Project) -> dict:
        return {
            "title": project.title,
            "brief": project.brief,
            "domains": [domain.slug for domain in project.domains.all()],
            "min_tier": project.min_tier,
            "required_credential_kinds": project.required_credential_kinds,
            "allowed_countries": project.allowed_countries,
            "languages": project.languages,
            "pay_model": project.pay_model,
            "currency": project.currency,
            "rate": major(project.rate_minor, project.currency),
            "task_estimate_minutes": project.task_estimate_minutes,
            "weekly_hours": project.weekly_hours,
            "weekly_cap_hours": project.weekly_cap_hours,
            "headcount": project.headcount,
            "budget_cap": major(project.budget_cap_minor, project.currency),
            "sensitive_categories": project.sensitive_categories,
            "exclusive": project.exclusive,
            "starts_on": project.starts_on,
            "ends_on": project.ends_on,
        }

    def domain_groups(self) -> list[dict]:
        chosen = {str(value) for value in (self["domains"].value() or [])}
        return [
            {
                "label": label,
                "options": [
                    {"value": value, "label": text, "checked": value in chosen, "id": f"id_domain_{value}"}
                    for value, text in options
                ],
            }
            for label, options in self.fields["domains"].choices
        ]

    def clean_domains(self):
        return [self.domains[slug] for slug in self.cleaned_data["domains"]]

    def clean(self):
        cleaned = super().clean()
        currency = cleaned.get("currency")
        if currency:
            for name, ceiling in (("rate", money.RATE_MINOR_MAX), ("budget_cap", money.BUDGET_MINOR_MAX)):
                if name in cleaned:
                    try:
                        cleaned[name] = parse_amount(cleaned[name], currency, at_most=ceiling)
                    except forms.ValidationError as error:
                        self.add_error(name, error)
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "The end date must be on or after the start date.")
        needs_estimate = cleaned.get("pay_model") == PayModel.PER_TASK
        if needs_estimate and "task_estimate_minutes" in cleaned and not cleaned["task_estimate_minutes"]:
            self.add_error(
                "task_estimate_minutes", "Per-task work needs a time estimate, shown to experts before they accept."
            )
        return cleaned

    def keep_only_rate_errors(self) -> None:
        """For a preview: forget complaints about fields the preview does not use."""
        for name in list(self.errors):
            if name not in self.RATE_FIELDS:
                del self.errors[name]

    def rate_ready(self) -> bool:
        return all(name in self.cleaned_data for name in self.RATE_FIELDS)

    def project_data(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "brief": data["brief"],
            "min_tier": data["min_tier"],
            "required_credential_kinds": data["required_credential_kinds"],
            "allowed_countries": data["allowed_countries"],
            "languages": data["languages"],
            "pay_model": data["pay_model"],
            "currency": data["currency"],
            "rate_minor": data["rate"],
            "task_estimate_minutes": data["task_estimate_minutes"],
            "weekly_hours": data["weekly_hours"],
            "weekly_cap_hours": data.get("weekly_cap_hours"),
            "headcount": data["headcount"],
            "budget_cap_minor": data["budget_cap"],
            "sensitive_categories": data["sensitive_categories"],
            "exclusive": data["exclusive"],
            "starts_on": data["starts_on"],
            "ends_on": data["ends_on"],
        }


class TransitionForm(forms.Form):
    action = forms.ChoiceField(choices=[("open", "Open"), ("pause", "Pause"), ("close", "Close")])
    reason = forms.CharField(
        required=False,
        max_length=1000,
        label="Reason (optional)",
        help_text="Kept in the audit trail with the change.",
    )


class FundingForm(forms.Form):
    card = forms.ChoiceField(choices=[("visa", "Visa (succeeds)"), ("declined", "Declined card")])


class InviteForm(forms.Form):
    contributor = forms.IntegerField(min_value=1, max_value=BIGINT_MAX, widget=forms.HiddenInput)
    message = forms.CharField(
        required=False, max_length=2000, label="Message (optional)", widget=forms.Textarea(attrs={"rows": 2})
    )


class ApplyForm(forms.Form):
    message = forms.CharField(
        required=False,
        max_length=2000,
        label="Message to the lab (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(required=False, max_length=2000, label="Reason", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, reason_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # Applications need a reason (the expert reads it). The service is what enforces
        # it; the attribute only saves a round trip in a browser.
        if reason_required:
            self.fields["reason"].label = "Reason (the expert reads it)"
            self.fields["reason"].widget.attrs["required"] = True
        else:
            self.fields["reason"].label = "Reason (optional)"


class RateChangeForm(forms.Form):
    rate = forms.CharField(
        max_length=30,
        label="New rate",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    task_estimate_minutes = forms.IntegerField(
        required=False, min_value=1, max_value=24 * 60, label="Minutes a task takes"
    )
    reason = forms.CharField(
        max_length=2000,
        label="Reason",
        help_text="Engaged experts are told of the change and read this.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    notice_days = forms.IntegerField(
        min_value=0,
        max_value=90,
        initial=14,
        label="Days of notice",
        help_text="The new rate applies to engagements that start after this many days; engaged experts keep theirs.",
    )
    previewed = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.per_task = project.pay_model == PayModel.PER_TASK
        self.fields[
            "rate"
        ].help_text = (
            f"In {project.currency}, {'the price of one task' if self.per_task else 'per hour'}; for example 90.00."
        )
        if not self.per_task:
            del self.fields["task_estimate_minutes"]
        elif not self.is_bound:
            self.initial.setdefault("task_estimate_minutes", project.task_estimate_minutes)

    def clean_rate(self) -> int:
        return parse_amount(self.cleaned_data["rate"], self.project.currency, at_most=money.RATE_MINOR_MAX)

    def clean(self):
        cleaned = super().clean()
        if self.per_task and "task_estimate_minutes" in cleaned and not cleaned["task_estimate_minutes"]:
            self.add_error("task_estimate_minutes", "Per-task work needs a time estimate.")
        return cleaned

    @property
    def estimate(self) -> int | None:
        return self.cleaned_data.get("task_estimate_minutes") if self.per_task else None

    def fingerprint(self) -> str:
        """The values a preview was shown for; confirming other values shows a new preview first."""
        data = self.cleaned_data
        return f"{data['rate']}:{self.estimate or ''}:{data['notice_days']}"


# --- work: time, tasks, review and quality -------------------------------------------------

_LOCAL_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?$")
_HOURS_MINUTES = re.compile(r"^(\d{1,3}):([0-5]\d)$")
_WHOLE_MINUTES = re.compile(r"^[+-]?\d{1,9}$")
LOCAL_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=LOCAL_DATETIME_FORMAT)


class LocalDateTimeField(forms.Field):
    """A wall-clock time typed in the expert's own timezone, made aware with zoneinfo.

    The timezone is the person's, not whatever is active: ``tz`` is set by the form.
    """

    widget = LocalDateTimeInput
    tz: zoneinfo.ZoneInfo = zoneinfo.ZoneInfo("UTC")

    def to_python(self, value):
        text = (value or "").strip() if isinstance(value, str) else value
        if text in (None, ""):
            return None
        if isinstance(text, datetime):
            return text
        if not _LOCAL_DATETIME.match(text):
            raise forms.ValidationError("Enter a date and a time, such as 2025-03-03 09:00.")
        try:
            naive = datetime.fromisoformat(text.replace(" ", "T"))
            aware = naive.replace(tzinfo=self.tz)
            # Times the clocks skip when they go forward do not exist; say so rather than guess.
            if aware.astimezone(UTC).astimezone(self.tz).replace(tzinfo=None) != naive:
                raise forms.ValidationError(f"This time does not exist in {self.tz.key}: the clocks went forward then.")
            aware.astimezone(UTC)
        except (ValueError, OverflowError):
            raise forms.ValidationError("Enter a real date and time, such as 2025-03-03 09:00.") from None
        return aware


class MinutesField(forms.Field):
    """A duration as whole minutes ("90") or hours and minutes ("1:30"); the service judges the amount."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})

    def to_python(self, value):
        text = (value or "").strip() if isinstance(value, str) else value
        if text in (None, ""):
            return None
        if isinstance(text, int):
            return text
        if match := _HOURS_MINUTES.match(text):
            return int(match.group(1)) * 60 + int(match.group(2))
        if _WHOLE_MINUTES.match(text):
            return int(text)
        raise forms.ValidationError("Enter whole minutes, such as 90, or hours and minutes, such as 1:30.")


class WorkTimeForm(forms.Form):
    """Time given as a start and an end, or as a duration on a day, in the expert's timezone."""

    RANGE, DURATION = "range", "duration"

    mode = forms.ChoiceField(
        choices=[(RANGE, "A start and an end"), (DURATION, "A duration on a day")],
        initial=RANGE,
        label="How you give the time",
        widget=forms.RadioSelect,
    )
    started_at = LocalDateTimeField(required=False, label="Start")
    ended_at = LocalDateTimeField(required=False, label="End")
    work_date = forms.DateField(required=False, label="Day", widget=DateInput())
    minutes = MinutesField(
        required=False, label="Duration", help_text="Minutes, such as 90, or hours:minutes, such as 1:30."
    )
    activity = forms.ChoiceField(choices=ActivityKind.choices, initial=ActivityKind.TASK_WORK, label="Kind of work")
    note = forms.CharField(
        required=False, max_length=2000, label="Note (optional)", widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, tz_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        try:
            self.tz = zoneinfo.ZoneInfo(tz_name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.tz = zoneinfo.ZoneInfo("UTC")
        for name in ("started_at", "ended_at"):
            self.fields[name].tz = self.tz

    def clean(self):
        cleaned = super().clean()
        mode = cleaned.get("mode")
        if mode == self.RANGE:
            if "started_at" in cleaned and cleaned["started_at"] is None:
                self.add_error("started_at", "Give a start time.")
            if "ended_at" in cleaned and cleaned["ended_at"] is None:
                self.add_error("ended_at", "Give an end time, or log a duration on a day instead.")
        elif mode == self.DURATION:
            if "work_date" in cleaned and cleaned["work_date"] is None:
                self.add_error("work_date", "Give the day of the work.")
            if "minutes" in cleaned and cleaned["minutes"] is None:
                self.add_error("minutes", "Give how long you worked.")
        return cleaned

    def place_service_error(self, error: ApplicationError) -> None:
        add_service_error(self, error)

    def time_values(self) -> dict:
        data = self.cleaned_data
        if data["mode"] == self.RANGE:
            return {"started_at": data["started_at"], "ended_at": data["ended_at"]}
        return {"work_date": data["work_date"], "minutes": data["minutes"]}

    @classmethod
    def initial_for(cls, entry, tz_name: str) -> dict:
        """An entry's values as the expert would type them back in."""
        try:
            tz = zoneinfo.ZoneInfo(tz_name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            tz = zoneinfo.ZoneInfo("UTC")
        initial = {
            "activity": entry.activity,
            "note": entry.note,
            "work_date": entry.work_date,
            "minutes": entry.minutes,
        }
        if entry.started_at is not None:
            initial["mode"] = cls.RANGE
            initial["started_at"] = entry.started_at.astimezone(tz).strftime(LOCAL_DATETIME_FORMAT)
            initial["ended_at"] = entry.ended_at.astimezone(tz).strftime(LOCAL_DATETIME_FORMAT)
        else:
            initial["mode"] = cls.DURATION
        return initial


class TimeEntryForm(WorkTimeForm):
    task_reference = forms.CharField(
        required=False, max_length=200, label="Task reference (optional)", help_text="The lab's id of the item, if any."
    )


class AdjustmentRequestForm(WorkTimeForm):
    """Late work in a pay week that has closed: the time, why it is late, and optional evidence."""

    late_reason = forms.CharField(
        required=False,
        max_length=LATE_REASON_MAX,
        label="Why it is logged late",
        help_text="The lab's reviewer reads this before approving the work.",
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
    )
    evidence = forms.FileField(
        required=False,
        label="Evidence (optional)",
        help_text="A PDF, PNG or JPEG file, such as a screenshot of the work tool.",
        widget=forms.FileInput(attrs={"accept": DOCUMENT_ACCEPT}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_late_%s")
        super().__init__(*args, **kwargs)


class TimeEntryCorrectionForm(WorkTimeForm):
    reason = forms.CharField(
        required=False,
        max_length=2000,
        label="Why it changes",
        help_text="The reviewer reads this; the old version is kept.",
        widget=forms.Textarea(attrs={"rows": 2, "required": True}),
    )


class TaskSubmitForm(forms.Form):
    task_reference = forms.CharField(max_length=200, label="Task reference", help_text="The lab's id of the task.")
    minutes = forms.IntegerField(
        label="Minutes it took", help_text="Your own time on it, honestly: fast work is never rejected for speed."
    )
    label = forms.CharField(required=False, max_length=200, label="Your answer (label)")

    def answer(self) -> dict | None:
        label = self.cleaned_data["label"].strip()
        return {"label": label} if label else None


class ReasonForm(forms.Form):
    """A reason a person reads: for a rejection, an appeal or an appeal's decision."""

    reason = forms.CharField(
        required=False, max_length=2000, label="Reason", widget=forms.Textarea(attrs={"rows": 2, "required": True})
    )

    def __init__(self, *args, label: str = "Reason", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label


class RejectForm(ReasonForm):
    """A rejection's reason, optionally citing a version of the project's instructions."""

    cites_version = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=1_000_000,
        label="Cites instructions version (optional)",
        help_text="The version the work was judged against.",
    )
    cited_passage = forms.CharField(
        required=False,
        max_length=CITED_PASSAGE_MAX,
        label="Quoted passage or section heading (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class InstructionPublishForm(forms.Form):
    body = forms.CharField(
        max_length=INSTRUCTION_BODY_MAX,
        label="Instructions (Markdown)",
        help_text="Headings, lists, emphasis and links; HTML is shown as text.",
        widget=forms.Textarea(attrs={"rows": 14}),
    )
    reading_minutes = forms.IntegerField(
        min_value=READING_MINUTES_MIN,
        max_value=READING_MINUTES_MAX,
        label="Reading time in minutes",
        help_text="Each engaged expert is paid this as training once they confirm they have read it.",
    )
    change_summary = forms.CharField(
        required=False,
        max_length=INSTRUCTION_SUMMARY_MAX,
        label="What changed",
        help_text="Required from the second version on.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AppealDecisionForm(ReasonForm):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("refuse", "Refuse")])


class GoldAnswerForm(forms.Form):
    task_reference = forms.CharField(max_length=200, label="Task reference")
    label = forms.CharField(max_length=200, label="Right answer (label)")


class DisputeForm(forms.Form):
    """The lab's claim that time was not worked at all (not a judgement of its quality)."""

    reason = forms.CharField(
        max_length=DISPUTE_TEXT_MAX,
        label="Why do you believe this time was not worked?",
        help_text="The expert reads this and can answer; operations decide. To judge the quality of work, "
        "reject it instead: rejected time still counts for the minimum wage.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DisputeResponseForm(forms.Form):
    response = forms.CharField(
        max_length=DISPUTE_TEXT_MAX,
        label="Your answer",
        help_text="Operations read it before deciding. You can rewrite it until they do.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DisputeDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[("overturn", "Overturn: the time was worked"), ("uphold", "Uphold: the time was not worked")],
        widget=forms.RadioSelect,
        label="Decision",
    )
    reason = forms.CharField(
        max_length=DISPUTE_TEXT_MAX,
        label="Reasons",
        help_text="Both the expert and the lab read them.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ProjectSearchForm(forms.Form):
    """An expert's search of open projects (a GET form: the address can be kept and shared)."""

    q = forms.CharField(required=False, max_length=200, label="Search projects", strip=True)
    domain = forms.ChoiceField(required=False, label="Domain")
    pay_model = forms.ChoiceField(required=False, label="Paid", choices=[("", "Any way"), *PayModel.choices])
    min_hourly = forms.DecimalField(
        required=False,
        label="Paying at least, an hour",
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
    )
    max_hours = forms.IntegerField(required=False, label="At most, hours a week", min_value=1, max_value=60)
    starts_by = forms.DateField(required=False, label="Starting by", widget=DateInput())
    ends_after = forms.DateField(required=False, label="Still running on", widget=DateInput())
    without = BoundedMultipleChoiceField(
        required=False,
        label="Leave out projects with",
        choices=SensitiveContent.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    eligible_only = forms.BooleanField(required=False, label="Only projects I can take part in")
    sort = forms.ChoiceField(required=False, label="Order", choices=Sort.CHOICES)
    page = forms.IntegerField(required=False, min_value=1, max_value=PAGE_MAX, widget=forms.HiddenInput)

    def __init__(self, *args, currency: str = "USD", **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        # Read when the choices are shown or checked, not when the form is built (the API's
        # schema builds one at import time, before any database is there).
        self.fields["domain"].choices = lambda: [("", "Any domain"), *domain_choice_groups()]
        self.fields["min_hourly"].label = f"Paying at least, an hour ({currency})"
        self.fields["min_hourly"].max_value = money.from_minor(money.RATE_MINOR_MAX, currency)
        self.fields["min_hourly"].validators.append(MaxValueValidator(self.fields["min_hourly"].max_value))

    def criteria(self) -> Criteria:
        data = self.cleaned_data
        domain = (
            Domain.objects.filter(slug=data["domain"]).values_list("pk", flat=True).first() if data["domain"] else None
        )
        return Criteria(
            words=data["q"],
            domain_id=domain,
            pay_model=data["pay_model"],
            min_hourly_minor=money.to_minor(data["min_hourly"], self.currency) if data["min_hourly"] else None,
            max_weekly_hours=data["max_hours"],
            starts_by=data["starts_by"],
            ends_after=data["ends_after"],
            without_content=tuple(data["without"]),
            eligible_only=data["eligible_only"],
            sort=data["sort"] or Sort.RELEVANCE,
            page=data["page"] or 1,
        )


class ReviewFilterForm(forms.Form):
    """Narrowing a project's review queue (a GET form: the address keeps the filters)."""

    KIND_CHOICES = [
        ("", "All work"),
        ("routed", "Routed by the judge"),
        ("appeals", "Appeals"),
        ("time-entries", "Time entries"),
        ("tasks", "Tasks"),
    ]
    WAITING_CHOICES = [("", "Any time"), ("1", "1 day or more"), ("3", "3 days or more"), ("5", "5 days or more")]

    project = forms.ChoiceField(required=False, label="Project")
    expert = forms.TypedChoiceField(required=False, label="Expert", coerce=int, empty_value=None)
    kind = forms.ChoiceField(required=False, label="Kind", choices=KIND_CHOICES)
    waiting = forms.TypedChoiceField(
        required=False, label="Waiting", choices=WAITING_CHOICES, coerce=int, empty_value=None
    )

    def __init__(self, *args, projects: list[tuple[int, str]], experts: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(str(pk), title) for pk, title in projects]
        self.fields["expert"].choices = [("", "Every expert"), *((str(pk), name) for pk, name in experts)]


class TimeEntryImportForm(forms.Form):
    """A CSV or JSON-lines file of time entries for one engagement, read as the API reads it."""

    file = forms.FileField(
        label="File of entries (CSV or JSON lines)",
        help_text="At most one entry per row; the columns are those of a single entry.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.jsonl,.ndjson,text/csv,application/x-ndjson"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise forms.ValidationError(
                f"At most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)} MB; split the file."
            )
        if not upload.name.lower().endswith((".csv", ".jsonl", ".ndjson", ".txt")):
            raise forms.ValidationError("Send a .csv or .jsonl file.")
        return upload
