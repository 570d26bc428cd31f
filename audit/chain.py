"""The hash chain over audit events: how one event's hash is computed from its content."""

import hashlib
import json
from datetime import UTC, datetime

from django.core.serializers.json import DjangoJSONEncoder

GENESIS_HASH = "0" * 64
SECRET_MARKERS = ("password", "secret", "token", "api_key", "otp", "totp")


def normalise(data: dict | None) -> dict:
    """JSON-safe copy with secrets masked, exactly as it will be stored and hashed."""

    def mask(value):
        if isinstance(value, dict):
            return {
                key: "***" if any(marker in str(key).lower() for marker in SECRET_MARKERS) else mask(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [mask(item) for item in value]
        return value

    return mask(json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)))


def event_hash(
    *,
    prev_hash: str,
    occurred_at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    target_type: str,
    target_id: str,
    target_repr: str,
    before: dict,
    after: dict,
    reason: str,
    ip: str | None,
    version: int = 1,
    personal_digest: str = "",
) -> str:
    content = {
        "prev": prev_hash,
        "at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor_id,
        "actor_label": actor_label,
        "action": action,
        "target": [target_type, target_id, target_repr],
        "before": before,
        "after": after,
        "reason": reason,
        "ip": ip,
    }
    if version >= 2:
        # The personal data is committed to through its digest (audit/personal.py).
        content |= {"v": version, "personal": personal_digest}
    payload = json.dumps(
        content,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def hash_of(event) -> str:
    return event_hash(
        prev_hash=event.prev_hash,
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        actor_label=event.actor_label,
        action=event.action,
        target_type=event.target_type,
        target_id=event.target_id,
        target_repr=event.target_repr,
        before=event.before,
        after=event.after,
        reason=event.reason,
        ip=event.ip,
        version=event.version,
        personal_digest=event.personal_digest,
    )
