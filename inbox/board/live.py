"""The live board: a poll the page's script makes every few seconds, answered with ETags.

Polling rather than Server-Sent Events: an open event stream holds one of waitress's
(or a gunicorn sync worker's) few threads for as long as the board is open, so ten open
boards would starve every other request; a poll is one short request like any other and
works behind any server or proxy. The board's state is two numbers, the newest tip's id
and the newest change's (tip_events) id, read from their primary keys: when neither moved,
the poll is a 304 without a body. When one did, the answer names what is new to this
viewer and what other people changed, by id only, and only tips the viewer may open (the
same WHERE clauses as the board's, access.visible_clause): never a subject or a sender, so
nothing here can unmask a protected reader. The page then fetches itself and swaps the
lists (inbox/board/static/board.js). A poll does not count as using the session.
"""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, jsonify, make_response, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inbox.board import statements as st
from inbox.board.access import STATUSES, User, visible_clause
from inbox.board.queries import Filters, shape_and_params
from inbox.board.web import db, dialect, settings, user
from inbox.models import Tip, TipEvent

bp = Blueprint("live", __name__)
MOST = 200  # ids named in one answer; more than that is "the board changed"


def board_state(session: Session) -> str:
    """"<newest tip id>.<newest change id>": moves whenever a tip arrives or anybody changes one."""
    tip_max, event_max = session.execute(select(select(func.max(Tip.id)).scalar_subquery(),
                                                select(func.max(TipEvent.id)).scalar_subquery())).one()
    return f"{tip_max or 0}.{event_max or 0}"


def parse_state(raw: str) -> tuple[int, int]:
    """"12.40" -> (12, 40); ValueError for anything else."""
    tip, dot, event = raw.partition(".")
    if not dot or not all(p.isascii() and p.isdigit() and len(p) <= 10 for p in (tip, event)):
        raise ValueError("state must be the board's state, like 120.455")
    return int(tip), int(event)


def news(session: Session, me: User, f: Filters, since: tuple[int, int], db_dialect: str) -> dict:
    """What arrived and what others changed since that state, among what this viewer may open."""
    statuses = [f.status] if f.status else list(STATUSES)
    shape, params = shape_and_params(me, f, db_dialect, statuses)
    new: list[int] = []
    if not f.q:  # a search's new matches are found by reloading it; the count would be a guess
        new = list(session.scalars(
            select(Tip.id).where(*st.where(replace(shape, search=False)), Tip.status.in_(statuses), Tip.id > since[0])
            .order_by(Tip.id.desc()).limit(MOST), params))
    visible = visible_clause(me)
    rows = session.execute(
        select(TipEvent.tip_id, Tip.thread_root_id, Tip.cluster_id).join(Tip, Tip.id == TipEvent.tip_id)
        .where(TipEvent.id > since[1], TipEvent.user_id.is_distinct_from(me.id), *([] if visible is None else [visible]))
        .order_by(TipEvent.id.desc()).limit(MOST)).all()
    changed = sorted({r.thread_root_id or r.tip_id for r in rows})
    stories = sorted({r.cluster_id for r in rows if r.cluster_id is not None})
    return {"new": new, "changed": changed, "stories": stories}


@bp.route("/board/poll")
def poll():
    """The board's state; 304 when it has not moved since the ETag the page holds."""
    session, me = db(), user()
    state = board_state(session)
    etag = f'"{state}"'
    if request.headers.get("If-None-Match") == etag:
        response = make_response("", 304)
    else:
        try:
            since = parse_state(request.args.get("state", "") or state)
            f = Filters.from_args(request.args, settings().board.cards_per_column)
        except ValueError as exc:
            abort(400, description=f"Bad poll: {exc}.")
        body = {"state": state, "poll_seconds": settings().board.poll_seconds, "new": [], "changed": [], "stories": []}
        if since != parse_state(state):
            body.update(news(session, me, f, since, dialect()))
        response = jsonify(body)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, no-cache"
    return response
