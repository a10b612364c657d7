"""The audit log: one append-only row per view, change, export or download, and its pages.

Rows are only ever added (the database refuses UPDATE and DELETE on audit_log); each
carries the user, the object and the client's address, never a tip's content.
"""
from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from inbox.models import AuditEntry, User

# action -> what it records (object_type in brackets)
ACTIONS = {
    "login": "a successful login [user]",
    "view": "a tip page was opened [tip]",
    "download": "an attachment was downloaded [attachment]",
    "export": "a tip's original message was downloaded [tip]",
    "csv_export": "a board view or search was exported as CSV (the filters and the row count) [board]",
    "change": "a tip's status, assignee, topic, thread or spam verdict changed [tip]",
    "note": "a note was written on a tip [tip]",
    "reply": "a reply to a tip's reader was queued (the outgoing message's id) [tip]",
    "story_ran": "an editor linked a published story to a tip or story card (ids, readers told) [tip]",
    "reply_template": "an admin added, changed or deleted a canned reply [reply_template]",
    "cluster": "an editor accepted or dismissed a \"maybe the same story\" suggestion (ids only) [tip]",
    "reader_protect": "an editor protected a tip's reader (reader id, tip id, reason) [reader]",
    "reader_unprotect": "an editor lifted a reader's protection (reader id, tip id, reason) [reader]",
    "reader_grant": "an editor let a user see a protected reader [reader]",
    "reader_revoke": "an editor revoked a user's access to a protected reader [reader]",
    "user_create": "an admin added a user [user]",
    "user_update": "an admin changed a user's role, beats or access [user]",
    "sessions_end": "an admin ended every session of a user [user]",
    "password_change": "a user changed their own password; their other sessions ended [user]",
    "totp_enrol": "a user turned on a second factor (TOTP) and got recovery codes [user]",
    "totp_off": "a user turned their second factor off [user]",
    "recovery_codes": "a user made a new set of recovery codes (the old ones stop working) [user]",
    "recovery_code_used": "a login used a recovery code instead of the authenticator [user]",
    "reset_link": "an admin made a one-time password-reset link for a user [user]",
    "password_reset": "a user set a new password with a reset link; their sessions ended [user]",
    "topic_add": "an admin added a topic to the desk's list (the name) [topic]",
    "topic_retire": "an admin retired a topic from the desk's list (the name) [topic]",
    "quarantine_view": "an admin read a quarantined message's headers [quarantine]",
    "quarantine_retry": "an admin ran a quarantined message through the pipeline again [quarantine]",
    "quarantine_discard": "an admin decided a quarantined message is not a tip [quarantine]",
    "hold_add": "an admin put a legal hold on a tip, a story or a reader (hold id, what kind) [hold]",
    "hold_lift": "an admin lifted a legal hold [hold]",
    "tip_delete": "an admin deleted a tip now (a tombstone stays) [tip]",
    "reader_forget": "an admin forgot a reader: every tip of one sender deleted (the count) [tip]",
    "retention_run": "the retention rules purged tips (counts by rule) [retention]",
    "token_create": "a user made an API token (its scope and lifetime, never the token) [token]",
    "token_revoke": "a user or an admin revoked an API token [token]",
    "channel_add": "an admin added a notification channel or webhook (kind, events, content flag) [channel]",
    "channel_update": "an admin changed a channel's events, content flag or state, or resumed it [channel]",
    "channel_delete": "an admin removed a notification channel or webhook [channel]",
}
PAGE_SIZE = 100


def record(session: Session, user_id: int | None, action: str, object_type: str = "", object_id: int | None = None,
           detail: str = "", ip: str = "") -> None:
    """Add an entry to the session's transaction; the caller commits it with the work it describes."""
    session.add(AuditEntry(**_values(user_id, action, object_type, object_id, detail, ip)))


def entry(user_id: int | None, action: str, object_type: str = "", object_id: int | None = None,
          detail: str = "", ip: str = ""):
    """The same entry as record() adds, as one INSERT statement to execute (a page's only write:
    web.begin_write(first=...) runs it at once, without the session's unit of work)."""
    return insert(AuditEntry).values(**_values(user_id, action, object_type, object_id, detail, ip))


def _values(user_id: int | None, action: str, object_type: str, object_id: int | None, detail: str, ip: str) -> dict:
    """An entry's columns, for a known action only."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    return dict(user_id=user_id, action=action, object_type=object_type, object_id=object_id,
                detail=detail[:2000], ip=ip)


def page(session: Session, number: int, action: str = "", user_id: int | None = None,
         tip_id: int | None = None) -> tuple[list[tuple[AuditEntry, str | None]], bool]:
    """One page of the log, newest first, with each entry's user email; and whether older ones
    exist. Narrowed to one action, one user, or one tip ("who looked at this tip?") when given."""
    query = select(AuditEntry, User.email).outerjoin(User, User.id == AuditEntry.user_id)
    if action:
        query = query.where(AuditEntry.action == action)
    if user_id is not None:
        query = query.where(AuditEntry.user_id == user_id)
    if tip_id is not None:
        query = query.where(AuditEntry.object_type == "tip", AuditEntry.object_id == tip_id)
    rows = session.execute(query.order_by(AuditEntry.id.desc()).limit(PAGE_SIZE + 1).offset((number - 1) * PAGE_SIZE)).all()
    return [tuple(r) for r in rows[:PAGE_SIZE]], len(rows) > PAGE_SIZE
