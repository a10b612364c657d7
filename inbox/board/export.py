"""CSV export of a board view or search: the board's filters, streamed, audited, masked.

The rows are the threads the board would show under the same filters (queries.Filters and
statements.where, so a reporter gets only their beats and assignments), newest first, read
in chunks of CHUNK by keyset (ids below the last one sent): memory stays flat however many rows
there are, and each chunk is written out before the next is read. A search exports every
matching thread, not only the board's newest SEARCH_CAP.

A protected reader the viewer may not see is shown as the board shows them, by the same
rules (access.Readers, redact.redact_line): the pseudonym instead of the name and address
(no domain), the subject redacted. Each export is one audit row ("csv_export": the user,
the filters and the row count, never a tip's content), written when the stream ends.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from functools import lru_cache

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from inbox.board import audit, mentions, redact
from inbox.board import statements as st
from inbox.board.access import STATUSES, Readers, is_editor, may
from inbox.board.params import MAX_ID
from inbox.board.queries import Filters, search_roots, shape_and_params, user_labels
from inbox.board.web import client_ip, settings, user, vault
from inbox.models import Tip, User, utcnow
from inbox.sealing import head_of

bp = Blueprint("export", __name__)

CHUNK = 500  # rows per query and per piece of the response
HEADER = ("id", "received", "status", "topic", "urgent", "deadline", "sensitive", "readers", "sender", "subject",
          "assignee")
# A cell a spreadsheet would read as a formula (or that starts with a control character it
# strips before looking) gets a leading apostrophe (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_member = aliased(Tip)


def cell(value) -> str:
    """One value as a CSV cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@lru_cache(maxsize=64)
def chunk_statement(shape: st.Shape):
    """The next :chunk threads under the shape's filters with ids up to :upto, newest first."""
    cluster_size = select(func.count()).where(_member.cluster_id == Tip.cluster_id).scalar_subquery()
    query = select(Tip.id, Tip.received_at, Tip.status, Tip.topic, Tip.urgent, Tip.deadline, Tip.sensitive,
                   Tip.cluster_id, cluster_size.label("cluster_size"), Tip.sender_name, Tip.sender_address,
                   Tip.subject, Tip.sealed_head, Tip.assignee_id).where(*st.where(shape, by_id=True), Tip.id <= bindparam("upto"))
    if len(shape.statuses) == 1:
        query = query.where(Tip.status == bindparam("status"))
    return query.order_by(Tip.id.desc()).limit(bindparam("chunk"))


def _row(r, opened: str, readers: Readers, users: dict[int, str]) -> list[str]:
    """One row; opened: its subject, opened with the desk key if it was sealed."""
    who = readers.of(r.sender_address)
    subject = opened or "(no subject)"
    if who.masked:
        sender = who.pseudonym
        subject = redact.redact_line(subject, redact.Who(r.sender_name, r.sender_address))
    else:
        sender = f"{r.sender_name} <{r.sender_address}>" if r.sender_name else r.sender_address
    subject = mentions.withheld(readers, r.sender_address, subject)  # a hidden reader another's subject names
    return [cell(v) for v in (
        r.id, r.received_at.strftime("%Y-%m-%d %H:%M:%S"), r.status, r.topic or "", "yes" if r.urgent else "",
        r.deadline.strftime("%Y-%m-%d") if r.deadline else "", r.sensitive,
        r.cluster_size if r.cluster_id is not None else 1, sender, subject,
        users.get(r.assignee_id, "") if r.assignee_id else "")]


def _as_csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def rows(session: Session, viewer: User, f: Filters, secret: str, vault=None) -> Iterator[list[list[str]]]:
    """The export as chunks of rows, the header atop the first: the threads viewer may open under f
    (a sealed subject opened with the vault, the desk key; without it the row says it is locked)."""
    dialect = session.get_bind().dialect.name
    statuses = [f.status] if f.status else list(STATUSES)
    shape, params = shape_and_params(viewer, f, dialect, statuses)
    if f.q:
        masked_search = None if is_editor(viewer) else Readers(session, viewer, secret)
        params["found"] = st.found_param(search_roots(session, f.q, dialect, None, masked_search), dialect)
    if f.status:
        params["status"] = f.status
    statement, users = chunk_statement(shape), user_labels(session)
    header, upto = [list(HEADER)], MAX_ID
    while True:
        found = session.execute(statement, {**params, "upto": upto, "chunk": CHUNK}).all()
        # One Readers per chunk: its memory of who is protected stays one chunk's worth.
        subjects = [head_of(vault, r.sealed_head, r.subject, "")[0] for r in found]
        readers = Readers(session, viewer, secret).load(
            [*(r.sender_address for r in found), *([] if is_editor(viewer) else mentions.addresses_in(*subjects))])
        yield header + [_row(r, subject, readers, users) for r, subject in zip(found, subjects)]
        if len(found) < CHUNK:
            return
        header, upto = [], found[-1].id - 1


def stream(sessions: sessionmaker[Session], viewer_id: int | None, f: Filters, secret: str, ip: str = "",
           via: str = "board", prefix: str = "", vault=None) -> Iterator[str]:
    """The export as pieces of CSV text, in a session of its own (the request's may be gone by
    the time the last piece is sent); viewer_id None is the command line's admin, who sees all.
    The audit row is written when the stream ends, also when the client stopped reading."""
    session = sessions()
    sent, finished = -1, False  # the header is not a row
    try:
        viewer = session.get(User, viewer_id) if viewer_id is not None else User(role="admin", beats="", email="")
        if viewer is None:
            return
        for chunk in rows(session, viewer, f, secret, vault):
            sent += len(chunk)
            yield prefix + _as_csv(chunk)
            prefix = ""
        finished = True
    finally:
        try:
            session.rollback()  # end the read snapshot before writing (SQLite WAL)
            detail = f"filters: {f.query_string(page=1) or '(none)'}; rows: {max(sent, 0)}; via {via}"
            audit.record(session, viewer_id, "csv_export", "board", None,
                         detail if finished else detail + "; stopped before the end", ip)
            session.commit()
        finally:
            session.close()


@bp.route("/export.csv")
def export_csv():
    """The board's current view or search as a CSV download (editors and admins)."""
    me = user()
    if not may(me, "export", None):
        abort(403, description="Only editors and admins may export the board.")
    try:
        filters = Filters.from_args(request.args, settings().board.cards_per_column)
    except ValueError as exc:
        abort(400, description=f"Bad filter: {exc}.")
    sessions = current_app.extensions["inbox"]["sessions"]
    # A byte-order mark, so that spreadsheets read the file as UTF-8 (readers' names are not ASCII).
    body = stream(sessions, me.id, filters, settings().board.secret_key, client_ip(), "board", prefix="\ufeff",
                  vault=vault())
    name = f"tips-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                        "X-Accel-Buffering": "no"})
