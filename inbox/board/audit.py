"""The audit log: one append-only row per view, change, export or download."""
from __future__ import annotations

from sqlalchemy.orm import Session

from inbox.models import AuditEntry

ACTIONS = (
    "login", "view", "download", "export", "change", "note", "merge", "split",
    "user_create", "user_update", "quarantine_retry", "quarantine_discard", "quarantine_view",
)


def record(session: Session, user_id: int | None, action: str, object_type: str = "", object_id: int | None = None,
           detail: str = "", ip: str = "") -> None:
    """Add an entry to the session's transaction; the caller commits it with the work it describes."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    session.add(AuditEntry(user_id=user_id, action=action, object_type=object_type, object_id=object_id,
                           detail=detail[:2000], ip=ip))
