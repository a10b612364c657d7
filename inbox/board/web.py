"""What every view needs: the settings, a database session per request, the user, the client's IP."""
from __future__ import annotations

import threading

from flask import current_app, g, request
from sqlalchemy import text
from sqlalchemy.orm import Session

from inbox.config import Settings
from inbox.models import User

_SQLITE_WRITERS = threading.Lock()
_JOBS_LOCK = threading.Lock()


def settings() -> Settings:
    """The Settings the app was built with (never re-read from a file)."""
    return current_app.extensions["inbox"]["settings"]


def vault():
    """The desk key as the board unlocked it at start (inbox/vault.py); None: no encryption configured."""
    return current_app.extensions["inbox"].get("vault")


def recent():
    """The board's moment-long memory of column totals and card ids (inbox/board/recent.py)."""
    return current_app.extensions["inbox"]["recent"]


def raw_bytes(data: bytes, key_id: str | None) -> bytes:
    """Stored raw bytes, opened if sealed; a page (not a 500) when this board cannot open them."""
    from flask import abort

    from inbox.sealing import open_raw
    from inbox.vault import VaultError

    try:
        return open_raw(vault(), data, key_id)
    except VaultError:
        abort(503, description="This message is encrypted and the desk key is not unlocked on this board.")


def db() -> Session:
    """This request's session; closed when the request ends."""
    if "db" not in g:
        g.db = current_app.extensions["inbox"]["sessions"]()
    return g.db


def jobs():
    """The desk's job queue (inbox/jobs), made on first use: replies, notifications, retrains."""
    state = current_app.extensions["inbox"]
    if "jobs" not in state:
        with _JOBS_LOCK:
            if "jobs" not in state:
                from inbox.jobs import Queue

                state["jobs"] = Queue(settings(), sessions=state["sessions"])
    return state["jobs"]


def dialect() -> str:
    """"sqlite" or "postgresql": search speaks each one's full-text dialect."""
    return db().get_bind().dialect.name


def user() -> User:
    """The logged-in user (the login check ran before any view that calls this)."""
    return g.user


def client_ip() -> str:
    """The peer address; behind a proxy, configure the proxy to set it (see README)."""
    return (request.remote_addr or "")[:64]


def begin_write(first=None) -> None:
    """Start this request's transaction as a writer (SQLite: take the write lock first).

    SQLite in WAL mode cannot turn a read transaction into a write one once another
    connection has committed since it began ("database is locked", no waiting). So a
    request that will write takes the lock with its first statement, a write that
    changes nothing, and then waits its turn instead of failing. Threads of one process
    queue on a Python lock first: SQLite's own busy handler waits by sleeping in steps of
    milliseconds, which made every contended write (each tip view is audited) slow.
    first: the request's one write, a Core statement (an audit row), run as that first
    statement instead of the write that changes nothing (it takes the lock itself).
    """
    session = db()
    session.commit()
    if dialect() == "sqlite":
        if not g.get("holds_write_lock"):
            _SQLITE_WRITERS.acquire()
            g.holds_write_lock = True
        if first is None:
            session.execute(text("UPDATE users SET id = id WHERE 0 = 1"))
    if first is not None:
        session.execute(first)


def release_write_lock() -> None:
    """At the end of the request, after its session is closed: let the next writer in."""
    if g.pop("holds_write_lock", False):
        _SQLITE_WRITERS.release()


def end_write() -> None:
    """Commit a short write and let the next writer in now, not at the end of the request
    (before slow work, such as checking a password, that must not hold the lock)."""
    db().commit()
    release_write_lock()


def end_transaction() -> None:
    """Commit what this request did so far and drop its snapshot or lock (before handing
    work to code with sessions of its own, or before writing after a long read)."""
    db().commit()


# What each error means for the person in front of the board, after what happened.
NEXT_STEPS = {
    400: "Go back, correct what the message names and send it again; what you typed is still in the form there.",
    403: "Your role does not allow this. An editor can do it, or can give you access.",
    404: "The link may be old or mistyped, or the item was merged or deleted. Look for it on the board.",
    405: "This address does not take that kind of request: use the board's own buttons and links.",
    409: "Someone changed this at the same time. Reload the page to see their change, then try again.",
    413: "The form sent too much at once. Send less (a shorter note, fewer selected tips).",
    429: "Too many attempts in a short time. Wait a few minutes, then try again.",
    500: "Try again in a moment. If it keeps happening, tell an admin the time it happened.",
}


def wants_json() -> bool:
    """Whether the client asked for JSON rather than a page (a script's fetch, not a browser)."""
    accept = request.accept_mimetypes
    return accept.best_match(["text/html", "application/json"]) == "application/json" and (
        accept["application/json"] > accept["text/html"])


API_PREFIX = "/api/"
# HTTP status -> the API's stable error name (inbox.board.api: errors are {error, code, message}).
API_ERRORS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
              409: "conflict", 413: "too_large", 415: "unsupported_media_type", 429: "rate_limited", 500: "server_error"}


def is_api_request() -> bool:
    """Whether this request is for the JSON API (bearer tokens, no cookies, JSON errors)."""
    return request.path.startswith(API_PREFIX)


def api_error(code: int, message: str, error: str | None = None, headers: dict | None = None):
    """An API error: {error, code, message}, the HTTP status as code."""
    from flask import jsonify

    name = error or API_ERRORS.get(code, "server_error" if code >= 500 else "bad_request")
    return jsonify(error=name, code=code, message=message), code, headers or {}


def error_response(code: int, title: str, message: str | None):
    """An error as a page in the board's layout (or JSON when only JSON is wanted), with what to do next."""
    from flask import jsonify, render_template

    if is_api_request():
        return api_error(code, message or title)
    advice = NEXT_STEPS.get(code, NEXT_STEPS[500] if code >= 500 else NEXT_STEPS[400])
    if wants_json():
        return jsonify(error=title, code=code, message=message or title, next=advice), code
    tip_id = (request.view_args or {}).get("tip_id")
    back = f"/tips/{tip_id}" if isinstance(tip_id, int) and request.method != "GET" else None
    values = {"code": code, "title": title, "message": message or title, "advice": advice, "back": back}
    try:
        return render_template("errors/error.html", **values), code
    except Exception:  # noqa: BLE001 - the layout needs the database (the banner): a page without it
        if "db" in g:
            g.db.rollback()
        g.user = None
        return render_template("errors/error.html", **values), code
