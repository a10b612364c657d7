"""/account/tokens: a user's own API tokens, made and revoked in the browser.

The new token is shown once, on the page that answers the form (201), and never again:
only its hash is kept. Everyone may make tokens; a token does only what its user may do.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from inbox.board.api import tokens
from inbox.board.web import client_ip, db, user

bp = Blueprint("tokens", __name__, url_prefix="/account")
DAY_CHOICES = (7, 30, 90, 180, 366)


def _page(new_token: str = "", error: str = "", code: int = 200):
    session = db()
    rows = tokens.of_user(session, user().id)
    return render_template("tokens/tokens.html", rows=rows, state=tokens.state, new_token=new_token, error=error,
                           days=DAY_CHOICES, default_days=tokens.DEFAULT_DAYS), code


@bp.route("/tokens")
def index():
    """The user's tokens (live, expired, revoked) and the form to make one."""
    return _page()


@bp.route("/tokens", methods=["POST"])
def create():
    """Make a token; the answer shows it once."""
    raw_days = request.form.get("days", str(tokens.DEFAULT_DAYS))
    if not raw_days.isascii() or not raw_days.isdigit() or len(raw_days) > 4:
        return _page(error="Choose how many days the token works.", code=400)
    try:
        token, _row = tokens.create(db(), user(), request.form.get("scope", ""), int(raw_days),
                                    request.form.get("name", ""), client_ip(), "board")
    except tokens.TokenError as exc:
        db().rollback()
        return _page(error=f"No token made: {exc}.", code=400)
    db().commit()
    return _page(new_token=token, code=201)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke(token_id: int):
    """Revoke one of the user's own tokens now."""
    if not tokens.revoke(db(), token_id, user(), owner_id=user().id, ip=client_ip(), via="board"):
        abort(404, description="You have no such live token.")
    db().commit()
    flash("Token revoked: it no longer works.")
    return redirect(url_for("tokens.index"))
