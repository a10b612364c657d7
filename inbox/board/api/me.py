"""/api/v1/me: whose token this is and what it may do (for scripts checking their setup)."""
from __future__ import annotations

from flask import g, jsonify

from inbox.board.api.web import bp, me, stamp


@bp.get("/me")
def whoami():
    """The token's user, role and beats, and the token's scope and expiry."""
    user, token = me(), g.api_token
    return jsonify(id=user.id, email=user.email, name=user.name, role=user.role, beats=user.beat_list,
                   token={"id": token.id, "name": token.name, "scope": token.scope,
                          "expires_at": stamp(token.expires_at)})
