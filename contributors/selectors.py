from django.db.models import QuerySet

from accounts.models import User

from .models import Contributor, Domain, JurisdictionPeriod


def contributor_for_user(*, user: User) -> Contributor | None:
    return Contributor.objects.filter(user=user).prefetch_related("specialties__parent").first()


def domain_tree() -> QuerySet[Domain]:
    return Domain.objects.select_related("parent").order_by("parent__name", "name")


def contributor_list(*, status: str = "", tier: str = "", search: str = "") -> QuerySet[Contributor]:
    contributors = Contributor.objects.select_related("user").order_by("display_name")
    if status:
        contributors = contributors.filter(status=status)
    if tier:
        contributors = contributors.filter(tier=tier)
    if search:
        contributors = contributors.filter(display_name__icontains=search) | contributors.filter(
            user__email__icontains=search
        )
    return contributors


def contributor_detail(*, pk: int) -> Contributor | None:
    return Contributor.objects.select_related("user").prefetch_related("specialties__parent").filter(pk=pk).first()


def contributor_by_email(*, email: str) -> Contributor | None:
    return Contributor.objects.select_related("user").filter(user__email__iexact=email.strip()).first()


def jurisdiction_history(*, contributor: Contributor) -> list[JurisdictionPeriod]:
    """An expert's minimum-wage jurisdictions, newest first."""
    return list(contributor.jurisdictions.select_related("recorded_by").order_by("-effective_from"))


def jurisdiction_on(*, contributor: Contributor, day) -> JurisdictionPeriod | None:
    """The jurisdiction in force for ``contributor`` on ``day``."""
    return contributor.jurisdictions.filter(effective_from__lte=day).order_by("-effective_from").first()


def jurisdiction_coming(*, contributor: Contributor, today) -> JurisdictionPeriod | None:
    """A jurisdiction change the expert made that is not in force yet."""
    return contributor.jurisdictions.filter(effective_from__gt=today).order_by("effective_from").first()
