"""Personal data in the audit trail: kept beside each event, never inside what is hashed.

An event records who did what to what, and why. The who and the why are often a person:
an email, a name, an address, an IP address, a reason that names someone. The law lets a
person have such data erased where no duty to keep it applies, yet the trail must stay
verifiable for as long as it is kept. So an event (version 2) keeps its personal data in
separate rows, one per person it belongs to:

- the **actor's** row: their email at the time (``actor_label``) and the IP address;
- the **target's** row, when the thing acted on belongs to a person (their user account,
  their profile, anything with their profile or account as its owner): how the target
  read at the time (``target_repr``), the reason, and the values of personal fields in
  the before/after data (``PERSONAL_KEYS``). When the target belongs to no person (a
  lab, a project, a pay run), those stay in the event itself, and personal fields of the
  before/after data go to the actor's row.

Each row is committed to by a salted SHA-256 hash (its ``commitment``), and the event's
hash covers the digest of its rows' commitments (``personal_digest``) instead of the data.
Erasure empties a row's data and salt and keeps the commitment: the event's hash still
holds, and a 256-bit random salt that no longer exists makes the commitment say nothing
about what was erased. ``audit.selectors.audit_chain_verify`` checks every row that is
not erased against its commitment and every erased row against the erasure event that
emptied it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

ACTOR, TARGET = "actor", "target"

# The action of the event that erases a person's rows; what an erased row is checked against.
ERASURE_ACTION = "audit.personal.erased"

# Keys of before/after data whose values identify or describe a person.
PERSONAL_KEYS = frozenset(
    {
        "legal_name",
        "display_name",
        "full_name",
        "name",
        "first_name",
        "last_name",
        "verified_name",
        "signed_name",
        "email",
        "old_email",
        "new_email",
        "to",
        "phone",
        "address",
        "address_line1",
        "address_line2",
        "city",
        "postal_code",
        "date_of_birth",
        "birth_city",
        "verified_date_of_birth",
        "ip",
        "signed_ip",
        "bio",
        "headline",
        "message",
        "statement",
        "answer",
        "question",
        # What a credential says names one person ("MD, Karolinska, licence 12345").
        "title",
        "issuer",
        "identifier",
        "original_name",
    }
)


def split(data: dict) -> tuple[dict, dict]:
    """(what is not personal, what is) of before/after data, nested dicts included."""
    public, personal = {}, {}
    for key, value in data.items():
        if key in PERSONAL_KEYS:
            personal[key] = value
        elif isinstance(value, dict):
            inner_public, inner_personal = split(value)
            public[key] = inner_public
            if inner_personal:
                personal[key] = inner_personal
        else:
            public[key] = value
    return public, personal


def merge(public: dict, personal: dict) -> dict:
    """The before/after data as recorded: ``split`` undone."""
    merged = dict(public)
    for key, value in personal.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder)


def new_salt() -> str:
    return secrets.token_hex(32)


def commitment(*, salt: str, data: dict) -> str:
    return hashlib.sha256(_canonical({"salt": salt, "data": data}).encode()).hexdigest()


def digest(commitments: dict[str, str]) -> str:
    """What the event's hash covers: the commitment of each of its rows, by role."""
    if not commitments:
        return ""
    return hashlib.sha256(_canonical(sorted(commitments.items())).encode()).hexdigest()


def subject_user_id(target) -> int | None:
    """The person a target belongs to: a user account itself, the owner of a profile, of
    anything that belongs to an account (``user``) or to a profile (``contributor``), or
    whoever a model names through its ``audit_subject_user_id`` property. None for anything else."""
    if target is None:
        return None
    if hasattr(type(target), "audit_subject_user_id"):
        # A model that refers to its person some other way says who it is.
        return target.audit_subject_user_id
    if target._meta.label_lower == settings.AUTH_USER_MODEL.lower():
        return target.pk
    if target._meta.label_lower == "contributors.contributor":
        return target.user_id
    names = {field.name for field in target._meta.fields if field.is_relation}
    if "user" in names:
        # Anything that belongs to an account: a copy of someone's data, a legal hold, a membership.
        return target.user_id
    if "contributor" in names:
        contributor = getattr(target, "contributor", None)
        return getattr(contributor, "user_id", None)
    return None
