"""The API's blueprint, its bearer-token check, and what every API view needs.

Every call but the OpenAPI document sends "Authorization: Bearer <token>" (no cookie is
read, so no CSRF token is needed: no other site can make a browser send that header).
The token's user then meets the board's own rules (inbox.board.access): the same role,
beats and protected readers. A read token may only GET; a write token may also change.

Failed tokens are limited as the board limits failed logins: counted per client address
in the database (inbox.board.limits, so every board process shares the count), at most
board.login_attempts_per_minute a minute; past it every call from that address gets 429
with Retry-After until the window ends, a right token included (as a right password is).
"""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timezone

from flask import Blueprint, g, request
from werkzeug.routing import BaseConverter
from sqlalchemy import bindparam, select

from inbox.board import limits
from inbox.board.api import tokens
from inbox.board.params import MAX_ID
from inbox.board.web import api_error, begin_write, client_ip, db, end_transaction, end_write, settings
from inbox.models import LoginLimit, User, utcnow

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class AnyId(BaseConverter):
    """<id:...> in API routes: any run of digits, so that an id past the database's integer is the
    API's 404 (checked in _authenticate), not werkzeug's 405 from a route that failed to match."""

    regex = r"[0-9]{1,30}"

    def to_python(self, value: str) -> int:
        return int(value)


bp.record_once(lambda state: state.app.url_map.converters.setdefault("id", AnyId))  # before any route is added
log = logging.getLogger(__name__)
PUBLIC = frozenset({"api.openapi"})
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ApiError(Exception):
    """An API answer other than success: the status, the stable error name and a sentence."""

    def __init__(self, code: int, message: str, error: str | None = None):
        super().__init__(message)
        self.code, self.message, self.error = code, message, error


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return api_error(exc.code, exc.message, exc.error)


def limit_key(secret_key: str, ip: str) -> str:
    """The failed-token counter of a client address (hashed as the login counters are; its own kind,
    so that one office script with a revoked token does not lock the office out of logging in)."""
    return hashlib.sha256(f"{secret_key}\0api-ip\0{ip}".encode()).hexdigest()


_LIMIT = select(LoginLimit.window_start, LoginLimit.failures).where(LoginLimit.key == bindparam("key"))  # built once


def _seconds_to_wait(key: str, limit: int) -> int:
    row = db().execute(_LIMIT, {"key": key}).first()
    if row is None or row.window_start <= utcnow() - limits.WINDOW:
        return 0
    return limits.seconds_to_wait([limits.Count(key, row.window_start, row.failures)], limit)


def _too_many(wait: int):
    return api_error(429, f"Too many calls with a wrong token from this address. Wait {wait} seconds.", "rate_limited",
                     {"Retry-After": str(wait)})


@bp.before_request
def _authenticate():
    g.user = g.api_token = None
    if request.endpoint in PUBLIC or request.endpoint is None:
        return None
    board = settings().board
    key = limit_key(board.secret_key, client_ip())
    wait = _seconds_to_wait(key, board.login_attempts_per_minute)
    if wait:
        end_transaction()
        return _too_many(wait)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    row = tokens.find(db(), token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if row is None:
        unauthorized = api_error(401, "Send a live API token: Authorization: Bearer <token>.", "unauthorized",
                                 {"WWW-Authenticate": 'Bearer realm="api"'})
        if not token.strip():
            end_transaction()
            return unauthorized  # no token at all is a mistake, not a guess: not counted
        begin_write()
        count = limits.count_attempt(db(), key)
        end_write()
        log.info("api: a wrong token was sent")
        wait = limits.seconds_to_wait([count], board.login_attempts_per_minute)
        return _too_many(wait) if wait else unauthorized
    if request.method in WRITES and row.scope != "write":
        end_transaction()
        return api_error(403, "This token may only read: make a write token to change tips.", "insufficient_scope")
    if any(isinstance(v, int) and v > MAX_ID for v in (request.view_args or {}).values()):
        end_transaction()
        return api_error(404, "There is no such tip or story.", "not_found")
    g.user, g.api_token = row.user, row
    if tokens.touch_due(row):
        begin_write()
        tokens.touch(db(), row)
        end_write()
    if request.method in WRITES:
        begin_write()
    else:
        end_transaction()
    return None


def me() -> User:
    """The token's user."""
    return g.user


def via() -> str:
    """What the audit log says about an API call: which token made it."""
    return f"via API token #{g.api_token.id}"


def stamp(moment: datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 with its zone."""
    return None if moment is None else moment.replace(tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")


def clean_text(value, name: str, limit: int = 20000) -> str:
    """A string from a JSON body that the database can store (no NUL, valid Unicode)."""
    if not isinstance(value, str):
        raise ApiError(400, f"{name} must be a string.")
    if "\0" in value or len(value) > limit:
        raise ApiError(400, f"{name} must be at most {limit} characters, without NUL.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(400, f"{name} is not valid Unicode.") from None
    return value


def json_body() -> dict:
    """The request's JSON object, or a 400 that says what to send."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "Send a JSON object with Content-Type: application/json.")
    return data
