"""Attachments leave the board only as downloads; the one exception is a cid: image that
clean.py rewrote into the mail HTML, served to the sandboxed iframe as an image.

Bytes are never stored twice: they are cut out of the raw message on request.
"""
from __future__ import annotations

import logging
from urllib.parse import quote, unquote

from flask import Blueprint, Response, abort, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from inbox.board import audit, sessions
from inbox.board.access import Readers, can_see
from inbox.board.actions import ActionError, load_tip
from inbox.board.web import begin_write, client_ip, db, raw_bytes, settings
from inbox.mail.parse import extract_part
from inbox.models import Attachment, RawMessage, Tip, User, UserSession

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
    data = _bytes(session.get(Tip, tip_id).raw, att.part_path)
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
            data = _bytes(tip.raw, att.part_path)
            return Response(data, mimetype=att.content_type.lower(), headers={
                "Content-Disposition": "inline", "Content-Security-Policy": DOWNLOAD_CSP,
                # No Cross-Origin-Resource-Policy: the sandboxed iframe's origin is opaque, and
                # "same-origin" would block the very images this route exists for.
                "Cache-Control": f"private, max-age={settings().board.image_link_minutes * 60}",
            })
    abort(404, description="There is no such image.")


class ImageLinks:
    """Signs the cid: image links of one tip page for its viewer, their session and the message.

    The iframe is sandboxed without allow-same-origin, so its image requests come without
    the session cookie: each link carries [user, message sha256, session id], signed with
    the time. A link works for image_link_minutes, and only while that session is live:
    after logout, a password change or an admin's "End sessions" it is a 404 at once."""

    def __init__(self, secret_key: str, session_id: int | None):
        self._signer = URLSafeTimedSerializer(secret_key, salt="cid-image-session")
        self._session_id = session_id

    def dumps(self, payload: list) -> str:
        """The token for [user_id, sha] (tippage.mail_srcdoc calls this for every cid URL)."""
        user_id, sha = payload
        return self._signer.dumps([user_id, sha, self._session_id])

    def viewer(self, token: str, sha: str, max_age: int, idle_minutes: int) -> User | None:
        """The user a genuine, fresh token for this message was made for, while its session lives."""
        try:
            user_id, signed_sha, session_id = self._signer.loads(token, max_age=max_age)
        except (BadSignature, ValueError, TypeError):
            return None
        row = db().get(UserSession, session_id) if isinstance(session_id, int) else None
        if signed_sha != sha or not sessions.is_live(row, idle_minutes) or row.user_id != user_id:
            return None
        return row.user


def image_links() -> ImageLinks:
    """The signer for the tip page this request renders (tips._render)."""
    row = sessions.current_row()
    return ImageLinks(settings().board.secret_key, row.id if row is not None else None)


def _cid_viewer(sha: str) -> User:
    if g.get("user") is not None:
        return g.user
    board = settings().board
    user = image_links().viewer(request.args.get("t", ""), sha, board.image_link_minutes * 60, board.session_idle_minutes)
    if user is None:
        abort(404, description="There is no such image.")
    return user


def _bytes(row: RawMessage, part_path: str) -> bytes:
    raw = raw_bytes(row.data, row.key_id)  # opened here, for this one download (inbox/sealing.py)
    try:
        return extract_part(raw, part_path).data
    except (KeyError, ValueError, IndexError):
        log.warning("attachment part %s not found in its raw message", part_path)
        abort(404, description="The attachment could not be read from the stored message.")
