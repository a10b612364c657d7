"""The tip page as data: the text in its parts, the mail HTML for the sandboxed iframe, and
everything around the tip (thread, same sender, cluster, suggestions, history, notes)."""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.board.access import is_editor, may, sender_masked, visible_clause
from inbox.board.actions import load_tip
from inbox.board.security import mail_csp
from inbox.board.suggestions import open_for_tip
from inbox.models import Merge, Note, Tip, TipEvent, User
from inbox.models.sorting import SortDecision

CID_URL = re.compile(r"(/cid/([0-9a-f]{64})/[^\"'\s<>?#]+)")


@dataclass
class TextParts:
    """The body in three parts; nothing is cut away."""
    new: str
    signature: str
    quoted: str


@dataclass
class TipPage:
    """Everything the tip page template needs, without a request."""
    tip: Tip
    root: Tip
    masked: bool
    text: TextParts
    srcdoc: str | None
    thread: list[Tip]
    same_sender: list[Tip]
    cluster: list[Tip]
    events: list[TipEvent]
    notes: list[Note]
    merged_into: Merge | None
    assignee: User | None
    allowed: dict[str, bool]
    why: dict  # sorting's reasons for the topic ({} before sorting ran)
    suggestions: list = field(default_factory=list)  # open "maybe the same story" suggestions (suggestions.Suggestion)
    html_left_out: int = 0  # characters of mail HTML too big to embed (board.max_html_bytes); 0: none


def split_text(text: str, new_end: int, signature_start: int | None) -> TextParts:
    """The reader's own words, their signature and the quoted part, none of them cut away."""
    end = new_end if 0 < new_end <= len(text) else len(text)
    if signature_start is not None and 0 <= signature_start < end:
        return TextParts(text[:signature_start], text[signature_start:end], text[end:])
    if signature_start is not None and end <= signature_start < len(text):
        return TextParts(text[:end], text[signature_start:], text[end:signature_start])
    return TextParts(text[:end], "", text[end:])


def cid_signer(secret_key: str) -> URLSafeTimedSerializer:
    """Signs cid image URLs: the sandboxed iframe's image requests carry no cookies."""
    return URLSafeTimedSerializer(secret_key, salt="cid-image")


def cid_token_user(signer: URLSafeTimedSerializer, token: str, sha: str, max_age: int) -> int | None:
    """The user id a cid token was made for, if it is genuine, fresh and for this message."""
    try:
        uid, signed_sha = signer.loads(token, max_age=max_age)
    except (BadSignature, ValueError, TypeError):
        return None
    return uid if signed_sha == sha else None


def mail_srcdoc(html_body: str | None, user_id: int, signer: URLSafeTimedSerializer, origin: str) -> str | None:
    """The sanitised HTML as an iframe document under its own CSP, cid URLs signed for this viewer."""
    if not html_body:
        return None

    def sign(m: re.Match) -> str:
        return f"{m.group(1)}?t={signer.dumps([user_id, m.group(2)])}"

    body = CID_URL.sub(sign, html_body)
    head = (f'<!doctype html><html><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{html.escape(mail_csp(origin))}">'
            '<meta name="referrer" content="no-referrer"><base target="_blank"></head><body>')
    return head + body + "</body></html>"


def tip_page(session: Session, user: User, tip_id: int, signer: URLSafeTimedSerializer, origin: str,
             max_html: int = 2_000_000) -> TipPage:
    """Everything the tip page shows; raises NotFound/Forbidden like the actions do."""
    tip = load_tip(session, user, tip_id)
    # Tip.html_body is deferred: read only if small enough to embed (8 readers of a 20 MB part took 1.1 GB).
    html_chars = tip.html_size if tip.html_size is not None else len(tip.html_body or "")
    root = session.get(Tip, tip.thread_root_id) if tip.thread_root_id else tip
    visible = visible_clause(user)
    limit = [] if visible is None else [visible]
    thread = list(session.scalars(select(Tip).where((Tip.id == root.id) | (Tip.thread_root_id == root.id))
                                  .order_by(Tip.received_at, Tip.id)))
    thread_ids = [t.id for t in thread]
    masked = sender_masked(user, root.sensitive or tip.sensitive, root.assignee_id)
    same_sender = [] if masked or not tip.sender_address else list(session.scalars(
        select(Tip).where(Tip.sender_address == tip.sender_address, Tip.id.not_in(thread_ids), *limit)
        .order_by(Tip.received_at.desc()).limit(20)))
    cluster = [] if tip.cluster_id is None else list(session.scalars(
        select(Tip).where(Tip.cluster_id == tip.cluster_id, Tip.id != tip.id, *limit)
        .order_by(Tip.received_at.desc()).limit(50)))
    events = list(session.scalars(select(TipEvent).where(TipEvent.tip_id == tip.id).order_by(TipEvent.id)))
    notes = list(session.scalars(select(Note).where(Note.tip_id == tip.id).order_by(Note.id)))
    merged = session.scalar(select(Merge).where(Merge.tip_id == tip.id, Merge.split_at.is_(None))
                            .order_by(Merge.id.desc()).limit(1))
    allowed = {a: may(user, a, tip)
               for a in ("assign", "status", "topic", "merge", "cluster", "split", "spam", "export", "claim", "note")}
    allowed["claim"] = allowed["claim"] and tip.assignee_id != user.id and (tip.assignee_id is None or is_editor(user))
    return TipPage(
        tip=tip, root=root, masked=masked,
        text=split_text(tip.text_body, tip.new_text_end, tip.signature_start),
        srcdoc=mail_srcdoc(tip.html_body, user.id, signer, origin) if html_chars <= max_html else None,
        html_left_out=html_chars if html_chars > max_html else 0,
        thread=thread, same_sender=same_sender, cluster=cluster, events=events, notes=notes,
        merged_into=merged, assignee=session.get(User, tip.assignee_id) if tip.assignee_id else None,
        allowed=allowed, why=topic_reasons(session, tip.id), suggestions=open_for_tip(session, user, tip),
    )


def topic_reasons(session: Session, tip_id: int) -> dict:
    """Why sorting chose the topic: the latest verdict's topic explanation (rules fired, scores)."""
    raw = session.scalar(select(SortDecision.explanation).where(SortDecision.tip_id == tip_id, SortDecision.kind == "sort")
                         .order_by(SortDecision.id.desc()).limit(1))
    try:
        reasons = json.loads(raw).get("topic", {}) if raw else {}
    except (ValueError, AttributeError):
        return {}
    return {k: v for k, v in reasons.items() if k not in ("topic", "confidence", "source")} if isinstance(reasons, dict) else {}
