"""Who may see and do what: the role rules as plain functions, used by queries and views alike.

admin   everything an editor may, plus users, mailbox health, quarantine and the audit log;
editor  sees every tip; assigns, sets status, corrects topics, merges, marks spam,
        decides sorting's "maybe the same story" suggestions;
reporter sees the tips of their beats and those assigned to them; claims, writes notes,
        and moves the tips assigned to them through their statuses.
A tip flagged sensitive hides its sender from reporters it is not assigned to.
"""
from __future__ import annotations

from sqlalchemy import or_
from sqlalchemy.sql.elements import ColumnElement

from inbox.models import Tip, User

# not_tip: auto-replies, bounces, newsletters and list mail, put there by sorting (inbox/sort/nontips.py).
STATUSES = ("new", "reviewing", "assigned", "pursuing", "published", "declined", "not_tip", "spam")
STATUS_LABELS = {s: s.capitalize() for s in STATUSES} | {"not_tip": "Not tips"}
EDITORS = ("admin", "editor")

# action -> who may do it: "editor" (editors and admins) or "assignee" (also the reporter it is assigned to)
ACTION_RULES = {
    "assign": "editor",
    "status": "assignee",
    "topic": "assignee",
    "merge": "editor",
    "cluster": "editor",  # accept or dismiss a "maybe the same story" suggestion
    "split": "editor",
    "spam": "editor",
    "export": "editor",
    "claim": "viewer",
    "note": "viewer",
}


def is_editor(user: User) -> bool:
    """Editors and admins see and change every tip."""
    return user.role in EDITORS


def visible_clause(user: User) -> ColumnElement[bool] | None:
    """A WHERE clause on Tip limiting a reporter to their beats and assignments; None for editors."""
    if is_editor(user):
        return None
    beats = user.beat_list
    clauses = [Tip.assignee_id == user.id]
    if beats:
        clauses.append(Tip.topic.in_(beats))
    return or_(*clauses)


def can_see(user: User, tip: Tip, root: Tip | None = None) -> bool:
    """Whether user may open this tip; a follow-up is visible with the thread it belongs to."""
    if is_editor(user):
        return True
    for t in (tip, root):
        if t is not None and (t.assignee_id == user.id or (t.topic and t.topic in user.beat_list)):
            return True
    return False


def may(user: User, action: str, tip: Tip) -> bool:
    """Whether user may do action on a tip they can see."""
    rule = ACTION_RULES[action]
    if is_editor(user) or rule == "viewer":
        return True
    return rule == "assignee" and tip.assignee_id == user.id


def sender_masked(user: User, sensitive: str, assignee_id: int | None) -> bool:
    """Hide who sent a sensitive tip from reporters it is not assigned to."""
    return bool(sensitive) and not is_editor(user) and assignee_id != user.id
