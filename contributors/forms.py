"""Page forms for experts' profiles; they parse input, the services decide what is allowed."""

from __future__ import annotations

from django import forms

from accounts.models import TIMEZONE_CHOICES
from config.errors import ApplicationError

from .models import Contributor, Domain, EducationLevel
from .reference import SensitiveContent, country_choices, language_choices, subdivision_choices, subdivision_of
from .selectors import domain_tree
from .services import PROFILE_FIELDS

MULTI_LINE_HELP = "One per line."
_SKILLS = Contributor._meta.get_field("skills")


class BoundedMultipleChoiceField(forms.MultipleChoiceField):
    """A multiple choice whose answer is a short list: each choice once, at most ``max_choices``.

    A plain ``MultipleChoiceField`` takes the same valid choice as often as a crafted form
    repeats it, and the list would be stored that long. ``max_choices`` is the size of the
    column the list is stored in; without it, the number of choices bounds the list.
    """

    def __init__(self, *args, max_choices: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_choices = max_choices

    def clean(self, value):
        chosen = list(dict.fromkeys(super().clean(value)))
        if self.max_choices is not None and len(chosen) > self.max_choices:
            raise forms.ValidationError(f"Choose at most {self.max_choices}.", code="max_choices")
        return chosen


def add_service_error(form: forms.Form, error: ApplicationError) -> None:
    """Show a refused action on the form: field messages next to their fields, the rest on top."""
    placed = False
    for field, messages in error.fields.items():
        for message in messages:
            if field in form.fields:
                form.add_error(field, message)
                placed = True
            else:
                form.add_error(None, f"{field.replace('_', ' ').capitalize()}: {message}")
    if not placed:
        form.add_error(None, error.message)


def domain_choice_groups(domains=None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Domains grouped under their top-level field; the field itself can be chosen too."""
    domains = list(domain_tree() if domains is None else domains)
    children: dict[int, list[Domain]] = {}
    for domain in domains:
        if domain.parent_id:
            children.setdefault(domain.parent_id, []).append(domain)
    groups = []
    for top in sorted((d for d in domains if d.parent_id is None), key=lambda d: d.name):
        options = [(top.slug, f"{top.name} (general)")]
        options += [(child.slug, child.name) for child in sorted(children.get(top.pk, []), key=lambda d: d.name)]
        groups.append((top.name, options))
    return groups


def country_label(code: str) -> str:
    return dict(country_choices()).get(code, code)


def subdivision_label(code: str, country: str) -> str:
    return dict(subdivision_choices(country)).get(code, code) if code else ""


def jurisdiction_rows(periods, *, today) -> list[dict]:
    """An expert's minimum-wage jurisdictions (newest first) as pages show them: where, from
    when, and whether each is in force, coming or past."""
    rows, in_force_seen = [], False
    for period in periods:
        if period.effective_from > today:
            state = "coming"
        elif not in_force_seen:
            state, in_force_seen = "in force", True
        else:
            state = "past"
        place = country_label(period.country)
        if period.subdivision:
            place = f"{subdivision_label(period.subdivision, period.country)}, {place}"
        rows.append(
            {
                "place": place,
                "from_the_start": period.effective_from.year == 1,
                "effective_from": period.effective_from,
                "state": state,
                "recorded_at": period.recorded_at,
            }
        )
    return rows


def language_labels(codes: list[str]) -> list[str]:
    names = dict(language_choices())
    return [names.get(code, code) for code in codes]


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class ProfileForm(forms.Form):
    legal_name = forms.CharField(
        max_length=200,
        label="Legal name",
        help_text="As on your identity documents; used for contracts and pay.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    display_name = forms.CharField(
        max_length=80,
        label="Display name",
        help_text="What labs and reviewers see.",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    country = forms.ChoiceField(
        label="Country you work from",
        help_text="Its minimum wage applies to your pay.",
        widget=forms.Select(attrs={"autocomplete": "country"}),
    )
    subdivision = forms.CharField(
        required=False,
        max_length=Contributor._meta.get_field("subdivision").max_length,
        label="State, province or region",
        help_text="If your country is not listed here yet, choose it above and press “Show regions”.",
        widget=forms.Select(),
    )
    timezone = forms.ChoiceField(choices=TIMEZONE_CHOICES, label="Time zone", help_text="Times are shown in it.")
    languages = BoundedMultipleChoiceField(
        choices=language_choices,
        max_choices=Contributor._meta.get_field("languages").size,
        label="Languages you work in",
        help_text="Hold Ctrl (Cmd on a Mac) to choose more than one.",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    education_level = forms.ChoiceField(
        choices=[("", "Choose your highest level"), *EducationLevel.choices], label="Highest education"
    )
    specialties = BoundedMultipleChoiceField(
        label="Specialties",
        help_text="Choose a whole field or the sub-specialties you know best.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one domain or sub-specialty."},
    )
    skills = forms.CharField(
        required=False,
        # Every skill the profile may list at its longest, one per line.
        max_length=_SKILLS.size * (_SKILLS.base_field.max_length + 2),
        label="Skills",
        help_text=f"{MULTI_LINE_HELP} For example: ECG reading.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    weekly_availability_hours = forms.IntegerField(min_value=0, max_value=80, label="Hours available per week")
    content_opt_outs = BoundedMultipleChoiceField(
        required=False,
        choices=SensitiveContent.choices,
        label="Content you never want to see",
        widget=forms.CheckboxSelectMultiple,
    )
    weekly_exposure_cap_minutes = forms.IntegerField(
        min_value=0,
        max_value=60 * 40,
        initial=0,
        label="Most minutes of sensitive content per week",
        help_text="0 means none at all.",
    )
    share_credential_details = forms.BooleanField(
        required=False,
        initial=True,
        label="Issuers and dates of my verified credentials",
        help_text="Labs always see each verified credential's kind and field; never its documents or numbers.",
    )
    share_quality_history = forms.BooleanField(
        required=False,
        initial=False,
        label="My quality scores on past projects",
        help_text="Each score and when it was measured; another lab's project is never named.",
    )
    share_availability = forms.BooleanField(
        required=False,
        initial=True,
        label="My free hours a week",
        help_text="Your available hours less those committed to projects you work on.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.domains = {domain.slug: domain for domain in domain_tree()}
        self.fields["specialties"].choices = domain_choice_groups(self.domains.values())
        self.fields["country"].choices = [("", "Choose a country"), *country_choices()]
        country = (self.data.get(self.add_prefix("country")) if self.is_bound else self.initial.get("country")) or ""
        regions = subdivision_choices(country) if country in dict(country_choices()) else []
        self.fields["subdivision"].widget.choices = [("", "None / not applicable"), *regions]

    @classmethod
    def initial_for(cls, contributor: Contributor | None, *, default_timezone: str) -> dict:
        if contributor is None:
            return {
                "timezone": default_timezone,
                "weekly_exposure_cap_minutes": 0,
                "share_credential_details": True,
                "share_quality_history": False,
                "share_availability": True,
            }
        initial = {field: getattr(contributor, field) for field in PROFILE_FIELDS}
        initial["skills"] = "\n".join(contributor.skills)
        initial["specialties"] = [domain.slug for domain in contributor.specialties.all()]
        return initial

    @classmethod
    def initial_from_data(cls, data) -> dict:
        """What was typed so far, for showing the form again without judging it yet."""
        multiple = {"languages", "specialties", "content_opt_outs"}
        return {name: data.getlist(name) if name in multiple else data.get(name, "") for name in cls.base_fields}

    def specialty_groups(self) -> list[dict]:
        chosen = {str(value) for value in (self["specialties"].value() or [])}
        groups = []
        for label, options in self.fields["specialties"].choices:
            groups.append(
                {
                    "label": label,
                    "options": [
                        {"value": value, "label": text, "checked": value in chosen, "id": f"id_specialty_{value}"}
                        for value, text in options
                    ],
                }
            )
        return groups

    def clean_skills(self) -> list[str]:
        skills = _lines(self.cleaned_data["skills"])
        longest = _SKILLS.base_field.max_length
        too_long = [skill for skill in skills if len(skill) > longest]
        if too_long:
            raise forms.ValidationError(f"Keep each skill under {longest} characters: {too_long[0][:longest]}…")
        if len(skills) > _SKILLS.size:
            raise forms.ValidationError(f"List at most {_SKILLS.size} skills.")
        return skills

    def clean_specialties(self) -> list[Domain]:
        return [self.domains[slug] for slug in self.cleaned_data["specialties"]]

    def clean(self):
        cleaned = super().clean()
        country, subdivision = cleaned.get("country"), cleaned.get("subdivision")
        if country and subdivision and not subdivision_of(subdivision, country):
            self.add_error(
                "subdivision",
                f"That region is not in {country_label(country)}. Press “Show regions” and choose again.",
            )
        return cleaned

    def profile_data(self) -> dict:
        return {field: self.cleaned_data[field] for field in PROFILE_FIELDS}
