"""/api/v1/openapi.json: the API's OpenAPI document (no token needed: it holds no tip)."""
from __future__ import annotations

from flask import jsonify

from inbox.board.api.openapi import document
from inbox.board.api.web import bp


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of every route of this blueprint."""
    return jsonify(document())
