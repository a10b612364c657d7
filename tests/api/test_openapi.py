"""The OpenAPI document is true: it lists every route of the API blueprint and nothing else, it is
a valid OpenAPI 3.1 document, and schemathesis finds no 500 and no response outside its schemas."""
from __future__ import annotations

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                              status_code_conformance)

from inbox.board.api.openapi import document
from tests.api.conftest import make_token
from tests.api.schemas import template_of
from tests.board.factories import make_tip


def test_every_api_route_is_documented_and_every_documented_operation_is_a_route(app):
    routes = {(template_of(r.rule), m.lower()) for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1")
              for m in r.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in document()["paths"].items() for method in item
                  if method != "parameters"}
    assert routes == documented


def test_the_served_document_is_the_document_and_needs_no_token(app):
    response = app.test_client(use_cookies=False).get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json() == document()


def test_every_schema_reference_resolves_and_every_operation_documents_its_errors():
    doc = document()
    schemas = doc["components"]["schemas"]

    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    assert {r.rsplit("/", 1)[1] for r in refs(doc)} <= set(schemas)
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method == "parameters" or operation.get("security") == []:
                continue
            assert {"401", "429"} <= set(operation["responses"]), (method, path)


@pytest.fixture
def bearer(db, users):
    """The editor's write token, on a desk of a few tips, one story among them."""
    with db() as s, s.begin():
        for n in range(3):
            make_tip(s, subject=f"Trucks at the depot {n}", topic="courts", cluster_id=3 if n else None)
    return {"Authorization": f"Bearer {make_token(db, users['editor'][0])}"}


# Fuzzing and the document's examples, a few cases an operation: the suite stays fast (the coverage
# phase's hundreds of boundary cases are for `schemathesis run`, docs/api.md).
schema = schemathesis.openapi.from_dict(document(), config=SchemathesisConfig.from_dict(
    {"phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}}}))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@schema.parametrize()
@settings(max_examples=5, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_schemas(case, app, bearer):
    case.call_and_validate(app=app, headers=bearer, checks=CHECKS)
