"""The health banner: which mailboxes are late or failing, from the worker's health columns."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Blueprint, g
from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.board.web import db, settings
from inbox.models import Mailbox, utcnow

bp = Blueprint("health", __name__)


@dataclass(frozen=True)
class Problem:
    mailbox: str
    what: str  # "failing" | "late"
    failures: int
    last_success_at: datetime | None


def mailbox_problems(session: Session, stale_minutes: int, now: datetime | None = None) -> list[Problem]:
    """Mailboxes whose login keeps failing or whose last good sync is older than stale_minutes."""
    now = now or utcnow()
    cutoff = now - timedelta(minutes=stale_minutes)
    problems = []
    for box in session.scalars(select(Mailbox).where(Mailbox.name != "import").order_by(Mailbox.name)):
        if box.consecutive_failures > 0:
            problems.append(Problem(box.name, "failing", box.consecutive_failures, box.last_success_at))
        elif (box.last_success_at or box.created_at) < cutoff:
            problems.append(Problem(box.name, "late", 0, box.last_success_at))
    return problems


@bp.app_context_processor
def _health_banner():
    if g.get("user") is None:
        return {"health_problems": []}
    return {"health_problems": mailbox_problems(db(), settings().board.stale_sync_minutes)}
