"""/api/v1/stories: sorting's stories (clusters of tips about one event), as the viewer may see them.

A story counts and lists only the tips the viewer may open (access.visible_clause, the
board's thread rule), so a reporter learns nothing of tips off their beats; a story with
none of those is "not found". Titles and member subjects are redacted for masked readers
as the tip page's lists are (tippage.link).
"""
from __future__ import annotations

from types import SimpleNamespace

from flask import jsonify, request
from sqlalchemy import func, select

from inbox.board.access import Readers, visible_clause
from inbox.board.api.web import ApiError, bp, me, stamp
from inbox.board.params import MAX_ID, is_id
from inbox.board.queries import MAX_PER
from inbox.board.tippage import link
from inbox.board.web import db, settings, vault
from inbox.models import Tip
from inbox.sealing import head_of

DEFAULT_LIMIT = 50
MAX_MEMBERS = 200


def _visible() -> list:
    clause = visible_clause(me())
    return [] if clause is None else [clause]


def _stories(ids_below: int, limit: int, only: int | None = None) -> list:
    query = (select(Tip.cluster_id, func.count(), func.min(Tip.received_at), func.max(Tip.received_at))
             .where(Tip.cluster_id.is_not(None), Tip.cluster_id < ids_below, *_visible()))
    if only is not None:
        query = query.where(Tip.cluster_id == only)
    return db().execute(query.group_by(Tip.cluster_id).order_by(Tip.cluster_id.desc()).limit(limit)).all()


def _members(story_ids: list[int], per_story: int) -> dict[int, list]:
    # Only the columns a list shows (link() reads these): never the tips' text.
    columns = (Tip.id, Tip.cluster_id, Tip.subject, Tip.sealed_head, Tip.sender_name, Tip.sender_address,
               Tip.received_at, Tip.status)
    rows = db().execute(select(*columns).where(Tip.cluster_id.in_(story_ids), *_visible())
                        .order_by(Tip.received_at.desc(), Tip.id.desc()))
    members: dict[int, list] = {}
    desk_key = vault()
    for row in rows:
        found = members.setdefault(row.cluster_id, [])
        if len(found) < per_story:  # a sealed subject opened with the desk key, for the members listed only
            found.append(SimpleNamespace(**{**row._asdict(), "subject": head_of(desk_key, row.sealed_head, row.subject, "")[0]}))
    return members


def _story(row, tips: list, readers: Readers, with_tips: bool) -> dict:
    story_id, size, first, last = row
    links = [link(t, readers.of(t.sender_address), readers) for t in tips]
    body = {"id": story_id, "size": size, "first_at": stamp(first), "last_at": stamp(last),
            "title": links[0].subject if links else ""}
    if with_tips:
        body["tips"] = [{"id": t.id, "subject": lk.subject, "received_at": stamp(lk.received_at), "sender": lk.sender,
                         "status": t.status} for t, lk in zip(tips, links)]
    return body


@bp.get("/stories")
def list_stories():
    """Stories with at least one tip the viewer may open, newest story first, by cursor."""
    raw_limit, cursor = request.args.get("limit", ""), request.args.get("cursor", "")
    if raw_limit and not (is_id(raw_limit, MAX_PER) and int(raw_limit) >= 1):
        raise ApiError(400, f"limit must be a whole number from 1 to {MAX_PER}.")
    if cursor and not is_id(cursor):
        raise ApiError(400, "cursor must be a next_cursor this API returned.")
    limit = int(raw_limit) if raw_limit else DEFAULT_LIMIT
    rows = _stories(int(cursor) if cursor else MAX_ID, limit + 1)
    more, rows = len(rows) > limit, rows[:limit]
    newest = _members([r[0] for r in rows], 1)
    readers = Readers(db(), me(), settings().board.secret_key).load(
        t.sender_address for tips in newest.values() for t in tips)
    items = [_story(r, newest.get(r[0], []), readers, False) for r in rows]
    return jsonify(items=items, next_cursor=str(rows[-1][0]) if more else None)


@bp.get("/stories/<id:story_id>")
def get_story(story_id: int):
    """One story and its tips the viewer may open (newest first, at most MAX_MEMBERS)."""
    rows = _stories(MAX_ID, 1, only=story_id)
    if not rows:
        raise ApiError(404, "There is no such story.")
    tips = _members([story_id], MAX_MEMBERS).get(story_id, [])
    readers = Readers(db(), me(), settings().board.secret_key).load(t.sender_address for t in tips)
    return jsonify(_story(rows[0], tips, readers, True))
