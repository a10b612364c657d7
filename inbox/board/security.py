"""Headers, CSRF and error pages for every response: the board's defence in depth.

Board pages get a strict Content-Security-Policy (no inline script or style); mail
HTML is shown in a sandboxed srcdoc iframe that carries its own, stricter policy.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from functools import lru_cache

from flask import Blueprint, abort, current_app, g, request
from werkzeug.exceptions import HTTPException

from inbox.board import sessions
from inbox.board.web import error_response, is_api_request

bp = Blueprint("security", __name__)
log = logging.getLogger(__name__)

BOARD_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; frame-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# For the sanitised mail inside the iframe: nothing but our own cid images and inline styles.
# The sandboxed document's origin is opaque, so 'self' would match nothing there: the
# board's own origin is named instead (mail_csp fills it in per request).
MAIL_CSP = "default-src 'none'; img-src {origin}; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def mail_csp(origin: str) -> str:
    """The iframe's policy, allowing images from the board's origin only (e.g. http://127.0.0.1:5000)."""
    return MAIL_CSP.format(origin=origin)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"


def _csrf_for(session_token: str) -> str:
    return _csrf_of(current_app.config["SECRET_KEY"], session_token)


@lru_cache(maxsize=256)
def _csrf_of(secret: str, session_token: str) -> str:
    # A page prints it in every form (ten on a tip page): one HMAC per session, not per form.
    return hmac.new(secret.encode(), b"csrf\0" + session_token.encode(), hashlib.sha256).hexdigest()


def csrf_token() -> str:
    """The session's CSRF token (every POST form carries it): derived from the cookie's
    token, so it changes at login and needs no storage; a first visit is given a cookie."""
    return _csrf_for(sessions.current().csrf_basis())


@bp.app_context_processor
def _template_helpers():
    return {"csrf_token": csrf_token}


@bp.before_app_request
def _check_csrf():
    if request.method not in UNSAFE_METHODS or is_api_request():
        return None  # the API authenticates by a bearer header, which no other site can make a browser send
    sent = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token") or ""
    token = sessions.current().token
    expected = _csrf_for(token) if token else ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        log.info("csrf rejected for %s", request.endpoint)
        abort(400, description="This form has expired or did not come from the board. Reload the page and try again.")
    return None


@bp.before_app_request
def _refuse_nul():
    # No form or query value has a use for NUL, and PostgreSQL refuses it in text: a 400
    # here rather than a 500 from the database.
    fields = list(request.args.items(multi=True))
    if request.method in UNSAFE_METHODS:
        fields += list(request.form.items(multi=True))
    if any("\0" in key or "\0" in value for key, value in fields):
        abort(400, description="The request contains a NUL character, which no field of the board accepts.")
    return None


@bp.after_app_request
def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", BOARD_CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers.setdefault("Cache-Control", "no-store")
    if request.endpoint == "static":
        headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.app_errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return error_response(exc.code, exc.name, exc.description)


@bp.app_errorhandler(Exception)
def _unexpected_error(exc: Exception):
    # Never show the exception: it may quote a tip. The log gets the type and the endpoint only.
    log.error("unhandled %s in %s", type(exc).__name__, request.endpoint, exc_info=False)
    log.debug("traceback", exc_info=exc)
    if "db" in g:
        g.db.rollback()  # the layout reads the database: not in a transaction the error broke
    return error_response(500, "Server error", "Something went wrong on the board, and the error has been logged.")
