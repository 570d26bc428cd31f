from django.db import IntegrityError, transaction

from accounts.models import User
from audit.services import audit_record
from config.errors import ApplicationError, NotPermitted
from contributors.reference import is_country

from .models import Lab, LabMembership, LabRole


def lab_create(*, actor: User, name: str, country: str, website: str = "") -> Lab:
    """A lab member creates their organisation and becomes its owner."""
    if not actor.is_lab_member:
        raise NotPermitted("Only lab members can create a lab.")
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = ["This field is required."]
    if not is_country(country):
        errors["country"] = [f"'{country}' is not an ISO 3166 country code."]
    if errors:
        raise ApplicationError("The lab has errors.", code="invalid", fields=errors)
    with transaction.atomic():
        try:
            with transaction.atomic():
                lab = Lab.objects.create(name=name, country=country, website=website)
        except IntegrityError:
            raise ApplicationError(
                "A lab with this name already exists.", code="lab_exists", fields={"name": ["This name is taken."]}
            ) from None
        LabMembership.objects.create(lab=lab, user=actor, role=LabRole.OWNER)
        audit_record(
            actor=actor, action="marketplace.lab.created", target=lab, after={"name": name, "country": country}
        )
    return lab


def lab_member_add(*, actor: User, lab: Lab, user: User, role: str) -> LabMembership:
    if not LabMembership.objects.filter(lab=lab, user=actor, role=LabRole.OWNER).exists():
        raise NotPermitted("Only the lab's owners can add members.")
    if not user.is_lab_member:
        raise ApplicationError(
            "Only lab-member accounts can join a lab.",
            code="invalid_member",
            fields={"user": ["Not a lab-member account."]},
        )
    if role not in LabRole.values:
        raise ApplicationError(f"'{role}' is not a lab role.", code="invalid", fields={"role": ["Unknown role."]})
    with transaction.atomic():
        membership, created = LabMembership.objects.get_or_create(lab=lab, user=user, defaults={"role": role})
        if not created:
            raise ApplicationError("This person is already a member.", code="already_member")
        audit_record(
            actor=actor, action="marketplace.lab.member_added", target=lab, after={"user": user.email, "role": role}
        )
    return membership
