"""Protected readers on the tip page: editors protect or unprotect a tip's reader, and grant
one user at a time the right to see that reader (or revoke it). Every decision is audited
and written to the tip's history without the reader's identity.

The views are thin; protect(), unprotect(), grant() and revoke() are plain functions.
"""
from __future__ import annotations

import logging
from functools import partial
from dataclasses import dataclass, field
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.board import audit
from inbox.board.access import Identity, is_editor, may
from inbox.board.actions import ActionError, Forbidden, NotFound, load_tip
from inbox.board.web import client_ip, db, user, vault
from inbox.models import Reader, ReaderGrant, Tip, TipEvent, User, utcnow
from inbox.models.readers import reader_for
from inbox.sealing import seal_reader_tips

bp = Blueprint("readers", __name__, url_prefix="/tips")
log = logging.getLogger(__name__)


@dataclass
class GrantView:
    id: int
    user_id: int
    user: str
    granted_by: str
    reason: str
    created_at: datetime


@dataclass
class ReaderPanel:
    """The tip page's "Protected reader" box: what editors decide, and what a grantee is told."""
    protected: bool
    why: str
    changed_at: datetime | None
    changed_by: str  # "sorting" or an editor's name
    grants: list[GrantView] = field(default_factory=list)
    grantable: list[tuple[int, str]] = field(default_factory=list)  # users who may be granted (not editors)
    mine: GrantView | None = None  # the viewer's own grant


def reader_panel(session: Session, viewer: User, tip: Tip, who: Identity, labels: dict[int, str]) -> ReaderPanel:
    """The box for this tip's reader, for an editor (everything) or a grantee (their grant);
    labels: id -> name of every user (queries.user_labels)."""
    row = reader_for(session, tip.sender_address) if tip.sender_address else None
    grants = [] if row is None else [
        GrantView(g.id, g.user_id, labels.get(g.user_id, "?"), labels.get(g.granted_by, "?"), g.reason, g.created_at)
        for g in session.scalars(select(ReaderGrant).where(ReaderGrant.reader_id == row.id, ReaderGrant.revoked_at.is_(None))
                                 .order_by(ReaderGrant.id))]
    panel = ReaderPanel(
        protected=bool(row and row.protected), why=row.why if row else "", changed_at=row.changed_at if row else None,
        changed_by=(labels.get(row.changed_by, "an editor") if row and row.changed_by else "sorting"))
    if is_editor(viewer):
        panel.grants = grants
        taken = {g.user_id for g in grants}
        panel.grantable = [(u.id, u.label) for u in session.scalars(
            select(User).where(User.active.is_(True), User.role == "reporter").order_by(User.email)) if u.id not in taken]
    else:
        panel.mine = next((g for g in grants if g.user_id == viewer.id), None)
    return panel


def _reader_of(session: Session, editor: User, tip_id: int, action: str) -> tuple[Tip, Reader]:
    tip = load_tip(session, editor, tip_id)
    if not may(editor, action, tip):
        raise Forbidden("Only editors decide who may see a reader.")
    if not tip.sender_address:
        raise ActionError("This tip has no sender address to protect.")
    return tip, reader_for(session, tip.sender_address, create=True)


def _history(session: Session, tip: Tip, editor: User, kind: str, detail: str, ip: str, action: str, reader: Reader,
             reason: str = ""):
    # The tip's history (which reporters read) never carries the editor's reason: it may name the reader.
    session.add(TipEvent(tip_id=tip.id, user_id=editor.id, kind=kind, detail=detail))
    audit.record(session, editor.id, action, "reader", reader.id, f"tip {tip.id}: {detail}" + (f" ({reason})" if reason else ""), ip)
    log.info("reader %s %s by user %s (tip %s)", reader.id, kind, editor.id, tip.id)


def protect(session: Session, editor: User, tip_id: int, reason: str, ip: str = "", vault=None) -> None:
    """An editor protects the tip's reader: every tip of theirs is masked from now on, and with a
    desk key their subjects and text are sealed (inbox/sealing.py) and leave the search index."""
    tip, reader = _reader_of(session, editor, tip_id, "protect")
    reason = reason.strip()[:400] or "an editor's decision"
    reader.protected, reader.why, reader.changed_at, reader.changed_by = True, f"editor: {reason}", utcnow(), editor.id
    seal_reader_tips(session, vault, reader.address)
    _history(session, tip, editor, "protect", "reader protected", ip, "reader_protect", reader, reason)


def unprotect(session: Session, editor: User, tip_id: int, reason: str, ip: str = "") -> None:
    """An editor lifts the protection; a later tip with an identity risk protects the reader again."""
    tip, reader = _reader_of(session, editor, tip_id, "protect")
    reason = reason.strip()[:400]
    if not reason:
        raise ActionError("Say why this reader no longer needs protecting.")
    if not reader.protected:
        raise ActionError("This reader is not protected.")
    reader.protected, reader.why, reader.changed_at, reader.changed_by = False, f"unprotected: {reason}", utcnow(), editor.id
    _history(session, tip, editor, "unprotect", "reader no longer protected", ip, "reader_unprotect", reader, reason)


def grant(session: Session, editor: User, tip_id: int, user_id: int, reason: str, ip: str = "") -> None:
    """Let one user see this protected reader (on the tips they may open anyway)."""
    tip, reader = _reader_of(session, editor, tip_id, "grant")
    grantee = session.get(User, user_id)
    if grantee is None or not grantee.active:
        raise NotFound("There is no such active user.")
    reason = reason.strip()[:2000]
    if not reason:
        raise ActionError("Say why this person needs to know who the reader is.")
    if not reader.protected:
        raise ActionError("This reader is not protected: everyone who may open the tip sees them.")
    held = session.scalar(select(ReaderGrant.id).where(ReaderGrant.reader_id == reader.id, ReaderGrant.user_id == grantee.id,
                                                       ReaderGrant.revoked_at.is_(None)))
    if held is not None:
        raise ActionError(f"{grantee.label} may see this reader already.")
    session.add(ReaderGrant(reader_id=reader.id, user_id=grantee.id, granted_by=editor.id, reason=reason))
    _history(session, tip, editor, "grant", f"{grantee.label} may see the reader", ip, "reader_grant", reader, reason)


def revoke(session: Session, editor: User, tip_id: int, grant_id: int, ip: str = "") -> None:
    """End a grant: the user sees the pseudonym again from their next page."""
    tip, reader = _reader_of(session, editor, tip_id, "grant")
    row = session.get(ReaderGrant, grant_id)
    if row is None or row.reader_id != reader.id or row.revoked_at is not None:
        raise NotFound("There is no such grant for this reader.")
    row.revoked_at, row.revoked_by = utcnow(), editor.id
    grantee = session.get(User, row.user_id)
    _history(session, tip, editor, "revoke", f"{grantee.label if grantee else 'a user'} may no longer see the reader",
             ip, "reader_revoke", reader)


def _do(tip_id: int, fn, *args, message: str):
    session = db()
    try:
        fn(session, user(), tip_id, *args, ip=client_ip())
        session.commit()
    except ActionError as exc:
        session.rollback()
        abort(exc.code, description=str(exc))
    flash(message)
    return redirect(url_for("tips.show", tip_id=tip_id))


def _form_int(name: str) -> int:
    raw = request.form.get(name, "").strip()
    if not raw.isdigit() or len(raw) > 12:
        abort(400, description=f"The form is missing a valid {name}.")
    return int(raw)


@bp.route("/<int:tip_id>/reader/protect", methods=["POST"])
def protect_view(tip_id: int):
    """Protect the tip's reader (editors)."""
    return _do(tip_id, partial(protect, vault=vault()), request.form.get("reason", ""),
               message="The reader is protected on every tip.")


@bp.route("/<int:tip_id>/reader/unprotect", methods=["POST"])
def unprotect_view(tip_id: int):
    """Lift the reader's protection (editors; a reason is required)."""
    return _do(tip_id, unprotect, request.form.get("reason", ""), message="The reader is no longer protected.")


@bp.route("/<int:tip_id>/reader/grants", methods=["POST"])
def grant_view(tip_id: int):
    """Let one user see the protected reader (editors; a reason is required)."""
    return _do(tip_id, grant, _form_int("user_id"), request.form.get("reason", ""), message="Access granted.")


@bp.route("/<int:tip_id>/reader/grants/<int:grant_id>/revoke", methods=["POST"])
def revoke_view(tip_id: int, grant_id: int):
    """Revoke a grant (editors)."""
    return _do(tip_id, revoke, grant_id, message="Access revoked.")
