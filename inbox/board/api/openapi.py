"""The OpenAPI 3.1 document of /api/v1, as data. tests/api/test_openapi.py keeps it true: every
route of the blueprint is here and nothing else, and the responses validate against these
schemas (schemathesis also runs against it)."""
from __future__ import annotations

from inbox.board.access import STATUSES
from inbox.board.params import MAX_ID
from inbox.board.queries import MAX_PER
from inbox.board.statements import FLAG_CLAUSES

ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
TIME = {"type": "string", "format": "date-time"}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
CURSOR = {"type": "string", "pattern": "^[0-9]{1,10}$", "description": "next_cursor from the previous page"}


def _obj(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "additionalProperties": False, "properties": properties,
            "required": list(properties) if required is None else required}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _page_of(name: str) -> dict:
    return _obj({"items": {"type": "array", "items": _ref(name)},
                 "next_cursor": {"type": ["string", "null"], "description": "pass as cursor for the next page; "
                                 "null on the last page"}})


SENDER = _obj({"name": {"type": "string", "description": "the name or address; a protected reader's pseudonym "
                        "(\"Reader 3FA2C1\") when the token's user may not see them"},
               "address": {"type": ["string", "null"], "description": "null when masked"}})
PERSON = {"oneOf": [{"type": "null"}, _obj({"id": ID, "name": {"type": "string"}})]}
LINK = _obj({"id": ID, "subject": {"type": "string"}, "received_at": TIME, "sender": {"type": "string"}})

SCHEMAS = {
    "Error": _obj({"error": {"type": "string", "description": "a stable name: bad_request, unauthorized, "
                             "insufficient_scope, forbidden, not_found, conflict, rate_limited, ..."},
                   "code": {"type": "integer", "description": "the HTTP status"},
                   "message": {"type": "string", "description": "what went wrong, for a person"}}),
    "Me": _obj({"id": ID, "email": {"type": "string"}, "name": {"type": "string"},
                "role": {"type": "string", "enum": ["admin", "editor", "reporter"]},
                "beats": {"type": "array", "items": {"type": "string"}},
                "token": _obj({"id": ID, "name": {"type": "string"}, "scope": {"type": "string", "enum": ["read", "write"]},
                               "expires_at": TIME})}),
    "TipSummary": _obj({
        "id": ID, "version": {"type": "integer"}, "status": {"type": "string", "enum": list(STATUSES)},
        "subject": {"type": "string", "description": "redacted when masked"},
        "preview": {"type": "string", "description": "empty when masked"}, "sender": SENDER,
        "masked": {"type": "boolean", "description": "a protected reader the token's user may not see"},
        "protected": {"type": "boolean"}, "topic": {"type": ["string", "null"]}, "received_at": TIME,
        "urgent": {"type": "boolean"}, "sensitive": {"type": "string"}, "automatic": {"type": "boolean"},
        "spam": {"type": "boolean"}, "assignee": PERSON, "story_id": {"type": ["integer", "null"]},
        "story_size": {"type": "integer"}, "attachments": {"type": "integer"}, "followups": {"type": "integer"},
        "suggested": {"type": "boolean", "description": "an open \"maybe the same story\" suggestion"}}),
    "TipPage": _page_of("TipSummary"),
    "Tip": _obj({
        "id": ID, "version": {"type": "integer"}, "status": {"type": "string", "enum": list(STATUSES)},
        "subject": {"type": "string"}, "sender": SENDER, "masked": {"type": "boolean"}, "protected": {"type": "boolean"},
        "topic": {"type": ["string", "null"]}, "topic_source": {"type": ["string", "null"]}, "received_at": TIME,
        "urgent": {"type": "boolean"}, "sensitive": {"type": "string"}, "deadline": NULLABLE_TIME,
        "spam": {"type": "boolean"}, "assignee": PERSON, "story_id": {"type": ["integer", "null"]},
        "thread_root_id": {"type": ["integer", "null"]},
        "text": _obj({"new": {"type": "string"}, "signature": {"type": "string"}, "quoted": {"type": "string"}}),
        "attachments": {"type": "array", "description": "empty when masked (attachment_count says how many)",
                        "items": _obj({"id": ID, "filename": {"type": ["string", "null"]},
                                       "content_type": {"type": "string"}, "size": {"type": "integer"}})},
        "attachment_count": {"type": "integer"}, "same_sender_count": {"type": "integer"},
        "allowed": {"type": "object", "additionalProperties": {"type": "boolean"},
                    "description": "what the token's user may do to it (assign, status, topic, note, ...)"},
        "topic_reasons": {"type": "object", "description": "why sorting chose the topic"}}),
    "Thread": _obj({"items": {"type": "array", "items": LINK}}),
    "Note": _obj({"body": {"type": "string"}, "author": {"type": "string"}, "created_at": TIME}),
    "Notes": _obj({"items": {"type": "array", "items": _ref("Note")}}),
    "Story": _obj({"id": ID, "size": {"type": "integer", "description": "tips the token's user may open"},
                   "first_at": TIME, "last_at": TIME, "title": {"type": "string"}}),
    "StoryPage": _page_of("Story"),
    "StoryDetail": _obj({"id": ID, "size": {"type": "integer"}, "first_at": TIME, "last_at": TIME,
                         "title": {"type": "string"},
                         "tips": {"type": "array", "items": _obj({
                             "id": ID, "subject": {"type": "string"}, "received_at": TIME, "sender": {"type": "string"},
                             "status": {"type": "string", "enum": list(STATUSES)}})}}),
    "TipChange": {**_obj({"version": {"type": "integer", "minimum": 0, "maximum": MAX_ID,
                                      "description": "the version the caller last saw"},
                          "status": {"type": "string", "enum": list(STATUSES)},
                          "assignee_id": {"oneOf": [ID, {"type": "null"}]},
                          "topic": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"}},
                         ["version"]),
                  "anyOf": [{"required": ["status"]}, {"required": ["assignee_id"]}, {"required": ["topic"]}]},
    "NewNote": _obj({"body": {"type": "string", "minLength": 1, "maxLength": 20000, "pattern": "\\S"}}),
}

_MESSAGES = {400: "Bad input (the message says which)", 401: "No live token", 403: "The role or the token's scope "
             "does not allow it", 404: "No such tip or story, or not one the token's user may open",
             409: "Someone changed the tip first: reload it and redo the change", 429: "Too many wrong tokens from "
             "this address (see Retry-After)"}


def _errors(*codes: int) -> dict:
    return {str(c): {"description": _MESSAGES[c], "content": {"application/json": {"schema": _ref("Error")}}}
            for c in codes}


def _ok(schema: str, code: int = 200, what: str = "OK") -> dict:
    return {str(code): {"description": what, "content": {"application/json": {"schema": _ref(schema)}}}}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _path(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": ID}


PAGING = [_query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_PER}, "rows a page (default 50)"),
          _query("cursor", CURSOR, "where the previous page ended")]
FILTERS = [
    _query("q", {"type": "string", "maxLength": 200}, "search words, as in the board's search box"),
    _query("topic", {"type": "string", "maxLength": 200}, "one topic, or 'none'"),
    _query("mailbox", ID, "a mailbox id"),
    _query("status", {"type": "string", "enum": list(STATUSES)}, "one board column"),
    _query("assignee", {"type": "string", "pattern": "^(me|none|[0-9]{1,9})$"}, "me, none or a user id"),
    _query("flag", {"type": "string", "enum": list(FLAG_CLAUSES)}, "one flag"),
    _query("since", {"type": "string", "format": "date"}, "received on or after this day (2026-11-28)"),
    _query("until", {"type": "string", "format": "date"}, "received on or before this day"),
]
READ = _errors(400, 401, 404, 429)

PATHS = {
    "/api/v1/openapi.json": {"get": {
        "operationId": "openapi", "summary": "This document", "security": [],
        "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
    "/api/v1/me": {"get": {"operationId": "me", "summary": "The token's user and the token",
                           "responses": {**_ok("Me"), **_errors(401, 429)}}},
    "/api/v1/tips": {"get": {
        "operationId": "listTips", "summary": "Threads under the board's filters or search, newest first",
        "parameters": FILTERS + PAGING, "responses": {**_ok("TipPage"), **_errors(400, 401, 429)}}},
    "/api/v1/tips/{tip_id}": {
        "parameters": [_path("tip_id")],
        "get": {"operationId": "getTip", "summary": "One tip (audited)", "responses": {**_ok("Tip"), **READ}},
        "patch": {"operationId": "changeTip", "summary": "Change status, assignee or topic (write scope)",
                  "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("TipChange")}}},
                  "responses": {**_ok("TipSummary"), **_errors(400, 401, 403, 404, 409, 429)}}},
    "/api/v1/tips/{tip_id}/thread": {
        "parameters": [_path("tip_id")],
        "get": {"operationId": "getThread", "summary": "The thread's tips, oldest first", "responses": {**_ok("Thread"), **READ}}},
    "/api/v1/tips/{tip_id}/notes": {
        "parameters": [_path("tip_id")],
        "get": {"operationId": "getNotes", "summary": "The tip's notes (audited)", "responses": {**_ok("Notes"), **READ}},
        "post": {"operationId": "addNote", "summary": "Add a note (write scope)",
                 "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("NewNote")}}},
                 "responses": {**_ok("Note", 201, "The note, as the token's user reads it"),
                               **_errors(400, 401, 403, 404, 429)}}},
    "/api/v1/stories": {"get": {
        "operationId": "listStories", "summary": "Stories with a tip the token's user may open, newest first",
        "parameters": PAGING, "responses": {**_ok("StoryPage"), **_errors(400, 401, 429)}}},
    "/api/v1/stories/{story_id}": {
        "parameters": [_path("story_id")],
        "get": {"operationId": "getStory", "summary": "One story and its tips", "responses": {**_ok("StoryDetail"), **READ}}},
}


def document() -> dict:
    """The whole OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Tip Inbox API", "version": "1",
                 "description": "The triage board's tips, threads, notes and stories, by the board's rules. "
                                "See docs/api.md."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "a personal access token (tipi_...)"}}},
    }
