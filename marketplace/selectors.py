from django.db.models import QuerySet

from accounts.models import User

from .models import Lab


def labs_of(*, user: User) -> QuerySet[Lab]:
    return Lab.objects.filter(memberships__user=user).order_by("name")
