"""/api/v1/tips: the board's tips as JSON, by the board's own rules and functions.

The list is the board's view (queries.Filters, statements.where: a reporter gets their
beats and assignments) and its search (queries.search_roots: a masked reader's tip
matches only on words the viewer may read), one row per thread, newest first, by cursor
(ids below the last one sent). A row is a board card (queries.card: pseudonym, redacted
subject, no preview for a masked reader); one tip, its thread and its notes are the tip
page's data (tippage.tip_page: redacted text, attachments withheld). Changes go through
inbox.board.actions with the tip's version: 409 when someone changed it first.
"""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from flask import jsonify, request
from sqlalchemy import bindparam, select

from inbox.board import actions, audit, mentions
from inbox.board import statements as st
from inbox.board.access import STATUSES, Readers, is_editor
from inbox.board.api.web import ApiError, bp, clean_text, json_body, me, stamp, via
from inbox.board.params import MAX_ID, is_id
from inbox.board.queries import (MAX_PER, Card, Filters, card, card_rows, editor_search, search_query, search_roots,
                                 shape_and_params, user_labels)
from inbox.board.tippage import TipPage, tip_page
from inbox.board.web import begin_write, client_ip, db, dialect, jobs, settings, vault
from inbox.models import Tip, utcnow
from inbox.models.search import kth_hit_below

FILTERS = ("q", "topic", "mailbox", "status", "assignee", "flag", "since", "until")
DEFAULT_LIMIT = 50
SEARCH_WINDOW = 4
CHANGES = ("status", "assignee_id", "topic")


def _limit_and_cursor() -> tuple[int, int]:
    raw_limit, cursor = request.args.get("limit", ""), request.args.get("cursor", "")
    if raw_limit and not (is_id(raw_limit, MAX_PER) and int(raw_limit) >= 1):
        raise ApiError(400, f"limit must be a whole number from 1 to {MAX_PER}.")
    if cursor and not is_id(cursor):
        raise ApiError(400, "cursor must be a next_cursor this API returned.")
    return (int(raw_limit) if raw_limit else DEFAULT_LIMIT), (int(cursor) if cursor else MAX_ID)


@lru_cache(maxsize=256)
def _page_ids(shape: st.Shape):
    # The board's WHERE clauses for this shape, one thread per row, ids below :before, newest first.
    query = select(Tip.id).where(*st.where(shape, by_id=True), Tip.id < bindparam("before"))
    if len(shape.statuses) == 1:
        query = query.where(Tip.status == bindparam("status"))
    return query.order_by(Tip.id.desc()).limit(bindparam("limit"))


def _searched_page(session, page, q: str, dialect: str, before: int, limit: int) -> list[int]:
    # A search page, page(window) being its ids: first among the newest SEARCH_WINDOW pages'
    # worth of hits below the cursor (a rare word matches thousands of tips; reading them all
    # was 5 ms of an editor's 7 ms request and most of a reporter's 40), and among every hit
    # only when those did not settle the page (models.search.kth_hit_below).
    window = {"before": before, "k": (limit + 1) * SEARCH_WINDOW}
    ids = page(window)
    last = session.scalar(kth_hit_below(dialect), {"q": q, **window})
    if last is None or (len(ids) > limit and ids[-1] >= last):
        return ids
    return page(None)


def cards(ids: list[int]) -> list[Card]:
    """The board's cards for these tips, as the token's user may see them, in the order of ids."""
    session = db()
    rows = {r.id: r for r in card_rows(session, ids)}
    readers = Readers(session, me(), settings().board.secret_key)
    readers.load([*(r.sender_address for r in rows.values()),
                  *([] if is_editor(me()) else mentions.in_rows(rows.values()))])
    users, now, desk_key = user_labels(session), utcnow(), vault()
    return [card(rows[i], readers, users, now, desk_key) for i in ids if i in rows]


def summary(c: Card) -> dict:
    """A card as JSON (components/schemas/TipSummary)."""
    return {
        "id": c.id, "version": c.version, "status": c.status, "subject": c.subject, "preview": c.preview,
        "sender": {"name": c.sender, "address": c.address or None}, "masked": c.masked, "protected": c.protected,
        "topic": c.topic, "received_at": stamp(c.received_at), "urgent": c.urgent, "sensitive": c.sensitive,
        "automatic": c.automatic, "spam": c.is_spam,
        "assignee": {"id": c.assignee_id, "name": c.assignee} if c.assignee_id else None,
        "story_id": c.story_id, "story_size": c.cluster_size, "attachments": c.attachments, "followups": c.followups,
        "suggested": c.suggested,
    }


@bp.get("/tips")
def list_tips():
    """Threads under the board's filters or search, newest first, a page at a time."""
    limit, before = _limit_and_cursor()
    try:
        f = Filters.from_args({k: request.args[k] for k in FILTERS if k in request.args}, DEFAULT_LIMIT)
    except ValueError as exc:
        raise ApiError(400, f"Bad filter: {exc}.") from None
    session, user, name = db(), me(), dialect()
    statuses = [f.status] if f.status else list(STATUSES)
    shape, params = shape_and_params(user, f, name, statuses)
    if f.status:
        params["status"] = f.status
    values = {"before": before, "limit": limit + 1}
    if f.q and is_editor(user):  # the matching threads a subquery, not every match read out and bound back
        searched = editor_search(shape, params, f.q)
        if searched is None:
            return jsonify(items=[], next_cursor=None)
        shape, params = searched
        ids = _searched_page(session, lambda window: list(session.scalars(
            _page_ids(replace(shape, below=window is not None)), {**params, **values, **(window or {})})),
            params["q"], name, before, limit)
    elif f.q:
        q = search_query(f.q, name, True)
        if not q.strip():  # no word left to look for ("(((", "-"): nothing matches
            return jsonify(items=[], next_cursor=None)
        masked = Readers(session, user, settings().board.secret_key)

        def page(window: dict | None) -> list[int]:
            found = search_roots(session, f.q, name, None, masked, window)
            return list(session.scalars(_page_ids(shape), {**params, **values, "found": st.found_param(found, name)}))

        ids = _searched_page(session, page, q, name, before, limit)
    else:
        ids = list(session.scalars(_page_ids(shape), {**params, **values}))
    more = len(ids) > limit
    items = [summary(c) for c in cards(ids[:limit])]
    return jsonify(items=items, next_cursor=str(ids[limit - 1]) if more else None)


def _page(tip_id: int) -> TipPage:
    # The tip page's own data: max_html -1 leaves the mail HTML out (the API gives the text).
    try:
        return tip_page(db(), me(), tip_id, None, "", max_html=-1, secret=settings().board.secret_key,
                        retention_rules=settings().retention.rules, vault=vault())
    except actions.ActionError as exc:
        raise ApiError(exc.code, str(exc)) from None


def _audit_view(tip_id: int, what: str) -> None:
    begin_write(first=audit.entry(me().id, "view", "tip", tip_id, f"{what} {via()}", client_ip()))
    db().commit()


def detail(p: TipPage) -> dict:
    """One tip as the tip page shows it to this viewer (components/schemas/Tip)."""
    tip, masked = p.tip, p.reader.masked
    return {
        "id": tip.id, "version": tip.version, "status": tip.status, "subject": p.subject,
        "sender": {"name": p.reader.pseudonym if masked else (tip.sender_name or tip.sender_address),
                   "address": None if masked else tip.sender_address},
        "masked": masked, "protected": p.reader.protected, "topic": tip.topic, "topic_source": tip.topic_source,
        "received_at": stamp(tip.received_at), "urgent": tip.urgent, "sensitive": tip.sensitive,
        "deadline": stamp(tip.deadline), "spam": tip.is_spam,
        "assignee": {"id": p.assignee.id, "name": p.assignee.label} if p.assignee else None,
        "story_id": tip.cluster_id, "thread_root_id": tip.thread_root_id,
        "text": {"new": p.text.new, "signature": p.text.signature, "quoted": p.text.quoted},
        "attachments": [{"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size}
                        for a in p.attachments],
        "attachment_count": p.attachment_count, "same_sender_count": p.same_sender_count,
        "allowed": {k: bool(v) for k, v in p.allowed.items()},
        "topic_reasons": p.why,
    }


@bp.get("/tips/<id:tip_id>")
def get_tip(tip_id: int):
    """One tip; reading it is audited, as on the board."""
    body = detail(_page(tip_id))
    _audit_view(tip_id, "tip")
    return jsonify(body)


@bp.get("/tips/<id:tip_id>/thread")
def get_thread(tip_id: int):
    """The tips of this tip's thread the viewer may open, oldest first."""
    p = _page(tip_id)
    return jsonify(items=[{"id": t.id, "subject": t.subject, "received_at": stamp(t.received_at), "sender": t.sender}
                          for t in p.thread])


def _note(n) -> dict:
    return {"body": n.body, "author": n.author, "created_at": stamp(n.created_at)}


@bp.get("/tips/<id:tip_id>/notes")
def get_notes(tip_id: int):
    """The tip's notes, a masked reader's identity withheld from them; audited."""
    items = [_note(n) for n in _page(tip_id).notes]
    _audit_view(tip_id, "notes")
    return jsonify(items=items)


def _act(fn, *args, **kw):
    try:
        return fn(db(), me(), *args, ip=client_ip(), **kw)
    except actions.Conflict as exc:
        db().rollback()
        current = db().get(Tip, args[0])
        who = str(exc).split(". ")[0]  # "Editor 2 changed this tip while you were looking at it (status: ...)"
        raise ApiError(409, f"{who}. Nothing was changed: the tip is at version {current.version if current else '?'} "
                            "now; GET it again and redo the change if it still makes sense.", "conflict") from None
    except actions.ActionError as exc:
        db().rollback()
        raise ApiError(exc.code, str(exc)) from None


@bp.post("/tips/<id:tip_id>/notes")
def add_note(tip_id: int):
    """Add a note (write scope): searchable, never shown to the sender."""
    data = json_body()
    if set(data) != {"body"}:
        raise ApiError(400, "Send {\"body\": \"...\"} and nothing else.")
    _act(actions.add_note, tip_id, clean_text(data["body"], "body"))
    db().commit()
    return jsonify(_note(_page(tip_id).notes[-1])), 201


def _version(data: dict) -> int:
    value = data.get("version")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        raise ApiError(400, "version must be the tip's version (a whole number), as the API last returned it.")
    return value


@bp.patch("/tips/<id:tip_id>")
def change_tip(tip_id: int):
    """Change status, assignee or topic (write scope), checked against the version the caller saw."""
    data = json_body()
    unknown = set(data) - {"version", *CHANGES}
    if unknown or not set(data) & set(CHANGES):
        raise ApiError(400, "Send version and one or more of status, assignee_id and topic, and nothing else.")
    version = _version(data)
    if "status" in data and not (isinstance(data["status"], str) and data["status"] in STATUSES):
        raise ApiError(400, f"status must be one of {', '.join(STATUSES)}.")
    assignee = data.get("assignee_id")
    if "assignee_id" in data and assignee is not None and (
            isinstance(assignee, bool) or not isinstance(assignee, int) or not 1 <= assignee <= MAX_ID):
        raise ApiError(400, "assignee_id must be a user's id, or null for nobody.")
    retrain_after, retrain = settings().sorting.retrain_after, False
    if "status" in data:
        retrain |= bool(_act(actions.set_status, tip_id, version, data["status"], retrain_after=retrain_after))
        version += 1
    if "assignee_id" in data:
        _act(actions.assign, tip_id, version, assignee)
        version += 1
    if "topic" in data:
        topic = clean_text(data["topic"], "topic", 200)
        retrain |= bool(_act(actions.correct_topic, tip_id, version, topic, retrain_after=retrain_after))
    db().commit()
    if retrain:
        jobs().enqueue("sort.retrain")
    return jsonify(summary(cards([tip_id])[0]))
