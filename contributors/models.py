from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator
from django.db import models

from accounts.models import TIMEZONE_CHOICES

from .reference import SensitiveContent


class Domain(models.Model):
    """A field of expertise; top-level domains have sub-specialties as children."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        ordering = ["parent__name", "name"]

    def __str__(self) -> str:
        return f"{self.parent.name} > {self.name}" if self.parent_id else self.name


class Tier(models.TextChoices):
    BULK = "bulk", "Bulk"
    CROWD = "crowd", "Crowd"
    GENERALIST = "generalist", "Generalist"
    DOMAIN = "domain", "Domain"
    EXPERT = "expert", "Expert"


class EducationLevel(models.TextChoices):
    SECONDARY = "secondary", "Secondary school"
    BACHELOR = "bachelor", "Bachelor's degree"
    MASTER = "master", "Master's degree"
    DOCTORATE = "doctorate", "Doctorate (PhD)"
    PROFESSIONAL = "professional", "Professional doctorate (MD, JD, ...)"


class ContributorStatus(models.TextChoices):
    APPLICANT = "applicant", "Applicant"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    DEACTIVATED = "deactivated", "Deactivated"


class Contributor(models.Model):
    """An expert's profile: who they are, where they work from, what they know and accept."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contributor")
    legal_name = models.CharField(max_length=200)
    display_name = models.CharField(max_length=80)
    # The jurisdiction whose minimum wage applies to this person's pay.
    country = models.CharField(max_length=2)
    subdivision = models.CharField(max_length=6, blank=True)
    timezone = models.CharField(max_length=64, choices=TIMEZONE_CHOICES, default="UTC")
    languages = ArrayField(models.CharField(max_length=3), size=20, default=list)
    education_level = models.CharField(max_length=20, choices=EducationLevel.choices)
    specialties = models.ManyToManyField(Domain, related_name="contributors", blank=True)
    skills = ArrayField(models.CharField(max_length=60), size=50, default=list, blank=True)
    weekly_availability_hours = models.PositiveSmallIntegerField(validators=[MaxValueValidator(80)])
    content_opt_outs = ArrayField(
        models.CharField(max_length=30, choices=SensitiveContent.choices),
        size=len(SensitiveContent),
        default=list,
        blank=True,
    )
    # Most minutes a week of sensitive content this person accepts; 0 means none at all.
    weekly_exposure_cap_minutes = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(60 * 40)])
    # What labs may see on the candidate page of a project the expert could join, has
    # applied to or works on (marketplace/candidates.py). Kind, field, tier, specialties and
    # languages are always shown there, since matching ranks by them; these three are the
    # expert's choice. Issuers and dates help a lab trust a credential and are shared by
    # default; free hours are what matching already ranks by, shared by default; scores on
    # past projects are not shared until the expert opts in, since they come from other
    # labs' reviews.
    share_credential_details = models.BooleanField(default=True, db_default=True)
    share_quality_history = models.BooleanField(default=False, db_default=False)
    share_availability = models.BooleanField(default=True, db_default=True)
    status = models.CharField(max_length=20, choices=ContributorStatus.choices, default=ContributorStatus.APPLICANT)
    tier = models.CharField(max_length=20, choices=Tier.choices, blank=True)
    # 0-1 across projects, maintained from reviews and agreement once work is logged;
    # null until there is any, which matching treats as neutral.
    quality_score = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    # Copies kept for matching, which must rank 100,000 profiles in one indexed scan:
    # written in the same transaction as the specialties and credentials they summarise.
    specialty_ids = ArrayField(models.IntegerField(), default=list, blank=True)
    specialty_families = ArrayField(models.IntegerField(), default=list, blank=True)
    verified_credential_kinds = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    verified_credential_families = ArrayField(models.IntegerField(), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "tier"]),
            models.Index(fields=["country", "subdivision"]),
            GinIndex(fields=["languages"], name="contributor_languages_gin"),
            GinIndex(fields=["specialty_families"], name="contributor_families_gin"),
        ]

    def __str__(self) -> str:
        return self.display_name


# The first jurisdiction of a profile is in force from the beginning: no work can be
# dated before the profile that logs it.
JURISDICTION_FROM_THE_START = "0001-01-01"


class JurisdictionPeriod(models.Model):
    """Where an expert works from, as the minimum-wage floor reads it, from a day on.

    Effective-dated and never rewritten once in force: a change an expert makes takes
    effect from the start of the next pay week (``contributors.services``), so the floor of
    work already done, or of the week under way, never moves. The pay run looks up the row
    in force on each day of work. A database trigger writes a profile's first row when the
    profile is created, whoever creates it.
    """

    contributor = models.ForeignKey(Contributor, on_delete=models.CASCADE, related_name="jurisdictions")
    country = models.CharField(max_length=2)
    subdivision = models.CharField(max_length=6, blank=True)
    effective_from = models.DateField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["contributor", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["contributor", "effective_from"], name="one_jurisdiction_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.subdivision or self.country} from {self.effective_from}"
