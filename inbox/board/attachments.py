"""Attachments leave the board only as downloads; the one exception is a cid: image that
clean.py rewrote into the mail HTML, served to the sandboxed iframe as an image.

Bytes are never stored twice: they are cut out of the raw message on request.
"""
from __future__ import annotations

import logging
from urllib.parse import quote, unquote

from flask import Blueprint, Response, abort, g, request
from sqlalchemy import select

from inbox.board import audit
from inbox.board.access import Readers, can_see
from inbox.board.actions import ActionError, load_tip
from inbox.board.tippage import cid_signer, cid_token_user
from inbox.board.web import begin_write, client_ip, db, settings
from inbox.mail.parse import extract_part
from inbox.models import Attachment, RawMessage, Tip, User

bp = Blueprint("attachments", __name__)
log = logging.getLogger(__name__)

# Images a browser shows without running anything (no SVG: it can carry script).
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
DOWNLOAD_CSP = "default-src 'none'; sandbox"


def content_disposition(filename: str, fallback: str) -> str:
    """attachment; with an ASCII name and the RFC 5987 UTF-8 one (no header injection either way)."""
    name = "".join(c for c in (filename or fallback) if c.isprintable() and c not in '"\\/;\r\n')[:200] or fallback
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


@bp.route("/tips/<int:tip_id>/attachments/<int:attachment_id>")
def download(tip_id: int, attachment_id: int):
    """An attachment, always as a download; audited."""
    session = db()
    try:
        tip = load_tip(session, g.user, tip_id)
    except ActionError as exc:
        abort(exc.code, description=str(exc))
    if Readers(session, g.user, settings().board.secret_key).masked(tip.sender_address):
        abort(403, description="The reader is protected: their files are withheld unless an editor grants you access.")
    att = session.get(Attachment, attachment_id)
    if att is None or att.tip_id != tip_id:
        abort(404, description="There is no such attachment.")
    data = _bytes(session.get(Tip, tip_id).raw.data, att.part_path)
    begin_write()
    audit.record(session, g.user.id, "download", "attachment", att.id, f"tip {tip_id}", client_ip())
    session.commit()
    return Response(data, mimetype="application/octet-stream", headers={
        "Content-Disposition": content_disposition(att.filename, f"attachment-{att.id}"),
        "Content-Security-Policy": DOWNLOAD_CSP,
    })


@bp.route("/cid/<sha>/<path:content_id>")
def cid_image(sha: str, content_id: str):
    """An inline image of a mail, for the sandboxed iframe (session or signed token)."""
    session = db()
    viewer = _cid_viewer(sha)
    content_id = unquote(content_id).strip("<>")
    rows = session.execute(
        select(Attachment, Tip).join(Tip, Tip.id == Attachment.tip_id).join(RawMessage, RawMessage.id == Tip.raw_message_id)
        .where(RawMessage.sha256 == sha, Attachment.content_id.in_([content_id, f"<{content_id}>"]))
    ).all()
    for att, tip in rows:
        root = session.get(Tip, tip.thread_root_id) if tip.thread_root_id else None
        if can_see(viewer, tip, root) and att.content_type.lower() in INLINE_IMAGE_TYPES:
            data = _bytes(tip.raw.data, att.part_path)
            return Response(data, mimetype=att.content_type.lower(), headers={
                "Content-Disposition": "inline", "Content-Security-Policy": DOWNLOAD_CSP,
                # No Cross-Origin-Resource-Policy: the sandboxed iframe's origin is opaque, and
                # "same-origin" would block the very images this route exists for.
                "Cache-Control": "private, max-age=600",
            })
    abort(404, description="There is no such image.")


def _cid_viewer(sha: str) -> User:
    # The iframe is sandboxed without allow-same-origin, so its image requests come without
    # the session cookie: they carry a signed token made for this viewer and this message.
    if g.get("user") is not None:
        return g.user
    board = settings().board
    uid = cid_token_user(cid_signer(board.secret_key), request.args.get("t", ""), sha, board.session_minutes * 60)
    user = db().get(User, uid) if uid is not None else None
    if user is None or not user.active:
        abort(404, description="There is no such image.")
    return user


def _bytes(raw: bytes, part_path: str) -> bytes:
    try:
        return extract_part(raw, part_path).data
    except (KeyError, ValueError, IndexError):
        log.warning("attachment part %s not found in its raw message", part_path)
        abort(404, description="The attachment could not be read from the stored message.")
