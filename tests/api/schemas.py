"""Responses checked against the OpenAPI document's own schemas (jsonschema_rs, which schemathesis uses)."""
from __future__ import annotations

import json
import re
from functools import lru_cache

import jsonschema_rs

from inbox.board.api.openapi import document


def template_of(rule: str) -> str:
    """A Flask rule as an OpenAPI path: /api/v1/tips/<int:tip_id> -> /api/v1/tips/{tip_id}."""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


@lru_cache(maxsize=64)
def _validator(ref: str):
    doc = document()
    return jsonschema_rs.Draft202012Validator({"$ref": ref, "components": doc["components"]})


def documented_schema(path: str, method: str, status: int) -> str:
    """The $ref of the schema the document gives for this answer (AssertionError when it gives none)."""
    operation = document()["paths"][path][method.lower()]
    answer = operation["responses"].get(str(status))
    assert answer is not None, f"{method} {path} answered {status}, which the document does not list"
    schema = answer["content"]["application/json"]["schema"]
    return schema.get("$ref", "")


def check(response, path: str, method: str) -> None:
    """The response's status is documented for the operation and its body matches the schema."""
    ref = documented_schema(path, method, response.status_code)
    assert response.mimetype == "application/json", response.mimetype
    if ref:
        body = json.loads(response.get_data(as_text=True))
        errors = [str(e) for e in _validator(ref).iter_errors(body)]
        assert errors == [], (method, path, response.status_code, errors[:3])
