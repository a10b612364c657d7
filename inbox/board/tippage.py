"""The tip page as data: the text in its parts, the mail HTML for the sandboxed iframe, and
everything around the tip (thread, same sender, cluster, suggestions, history, notes).

Every sender on the page is looked up once (access.Readers); a protected reader the
viewer may not see comes out of here already redacted (inbox.board.redact): pseudonym,
redacted subject, body and notes, no HTML, no attachment names, a count for "other
tips from this reader", no sender_domain reasons. Templates only print what is here."""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from inbox.board.attachments import ImageLinks

from inbox.board import mentions, redact, replies
from inbox.board.access import Identity, Readers, is_editor, may, visible_clause
from inbox.board.actions import load_tip
from inbox.board.queries import user_labels
from inbox.board.readers import ReaderPanel, reader_panel
from inbox.board.security import mail_csp
from inbox.board.storyran import stories_for
from inbox.board.suggestions import open_for_tip
from inbox.models import Attachment, Merge, Note, Tip, TipEvent, User
from inbox.models.sorting import SortDecision
from inbox.retention import purge_date
from inbox.retention.holds import holds_on
from inbox.sealing import open_in_place

CID_URL = re.compile(r"(/cid/([0-9a-f]{64})/[^\"'\s<>?#]+)")


@dataclass
class TextParts:
    """The body in three parts, and the same text in reading order as pieces ("new", "quoted",
    "signature"), so that answers written between quotes or under one show where they stand;
    nothing is cut away."""
    new: str
    signature: str
    quoted: str
    pieces: tuple[tuple[str, str], ...] = ()


@dataclass
class Link:
    """Another tip as a list on the tip page shows it (subject redacted when its reader is masked)."""
    id: int
    subject: str
    received_at: datetime
    sender: str  # the name, or the pseudonym


@dataclass
class NoteView:
    """A note as the viewer reads it (a protected reader's identity withheld from it)."""
    body: str
    author: str
    created_at: datetime


@dataclass
class TipPage:
    """Everything the tip page template needs, without a request."""
    tip: Tip
    root: Tip
    reader: Identity  # who sent it, as this viewer may know it
    sender: str  # "Name <address>" or the pseudonym
    subject: str
    text: TextParts
    srcdoc: str | None
    attachments: list[Attachment]  # empty when masked: attachment_count says how many
    attachment_count: int
    thread: list[Link]
    same_sender: list[Link]  # empty when masked: same_sender_count says how many
    same_sender_count: int
    cluster: list[Link]
    events: list[TipEvent]
    notes: list[NoteView]
    merged_into: Merge | None
    assignee: User | None
    allowed: dict[str, bool]
    why: dict  # sorting's reasons for the topic ({} before sorting ran)
    story_why: dict = field(default_factory=dict)  # the story index's verdict on it: action, score, evidence
    suggestions: list = field(default_factory=list)  # open "maybe the same story" suggestions (suggestions.Suggestion)
    html_left_out: int = 0  # characters of mail HTML too big to embed (board.max_html_bytes); 0: none
    panel: ReaderPanel | None = None  # editors: protect / unprotect, grants
    holds: list = field(default_factory=list)  # the legal holds that keep it (models.Hold)
    purge_at: datetime | None = None  # when the retention rules purge it as it stands; None: never
    sent: list = field(default_factory=list)  # the desk's mail to the reader on this thread (replies.SentView)
    may_reply: bool = False  # the viewer may write to this reader (sees who they are)
    templates: list = field(default_factory=list)  # the desk's canned replies
    stories: list = field(default_factory=list)  # published stories linked to it (models.PublishedStory)

    @property
    def masked(self) -> bool:
        return self.reader.masked


def split_text(text: str, new_end: int, signature_start: int | None) -> TextParts:
    """The reader's own words, their signature and the quoted part, none of them cut away."""
    end = new_end if 0 < new_end <= len(text) else len(text)
    if signature_start is not None and 0 <= signature_start < end:
        return TextParts(text[:signature_start], text[signature_start:end], text[end:])
    if signature_start is not None and end <= signature_start < len(text):
        return TextParts(text[:end], text[signature_start:], text[end:signature_start])
    return TextParts(text[:end], "", text[end:])


def text_pieces(text: str, spans: list | None, new_end: int, signature_start: int | None) -> list[tuple[str, str]]:
    """The body as (kind, text) pieces in reading order, from the reader's own spans (clean's
    new_text_spans): what lies between and around them is quoted history, a banner or a footer,
    and the signature is its own piece. Rows stored before spans existed read as one cut."""
    n = len(text)
    valid = [(a, b) for a, b in (spans or []) if 0 <= a < b <= n]
    if not valid:
        end = new_end if 0 < new_end <= n else n
        valid = [(0, end)]
    sig = signature_start if signature_start is not None and 0 <= signature_start < n else None
    cuts: list[tuple[str, int, int]] = []
    pos = 0
    for a, b in sorted(valid):
        if a > pos:
            cuts.append(("quoted", pos, a))
        cuts.append(("new", max(a, pos), b))
        pos = max(pos, b)
    if pos < n:
        cuts.append(("quoted", pos, n))
    if sig is not None:  # the signature runs from its start to the quote below it, or to the end
        sig_end = new_end if sig < new_end <= n else n
        split = []
        for kind, a, b in cuts:
            lo, hi = max(a, sig), min(b, sig_end)
            if lo >= hi:
                split.append((kind, a, b))
                continue
            split += [(kind, a, lo), ("signature", lo, hi), (kind, hi, b)]
        cuts = split
    pieces: list[tuple[str, str]] = []
    for kind, a, b in cuts:
        chunk = text[a:b]
        if not chunk.strip():
            continue
        if pieces and pieces[-1][0] == kind:
            pieces[-1] = (kind, pieces[-1][1] + chunk)
        else:
            pieces.append((kind, chunk.lstrip("\n")))
    return pieces


def mail_srcdoc(html_body: str | None, user_id: int, signer: ImageLinks, origin: str) -> str | None:
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


def tip_page(session: Session, user: User, tip_id: int, signer: ImageLinks, origin: str,
             max_html: int = 2_000_000, secret: str = "", retention_rules: tuple = (), vault=None,
             users: dict[int, str] | None = None) -> TipPage:
    """Everything the tip page shows; raises NotFound/Forbidden like the actions do. Sealed
    columns are opened for the tips it shows and no others (inbox/sealing.py). users: every
    user's label (queries.user_labels) when the caller has them."""
    tip = load_tip(session, user, tip_id)
    # Tip.html_body is deferred: read only if small enough to embed (8 readers of a 20 MB part took 1.1 GB).
    html_chars = tip.html_size if tip.html_size is not None else len(tip.html_body or "")
    root = session.get(Tip, tip.thread_root_id) if tip.thread_root_id else tip
    visible = visible_clause(user)
    limit = [] if visible is None else [visible]
    thread = list(session.scalars(select(Tip).where((Tip.id == root.id) | (Tip.thread_root_id == root.id), *limit)
                                  .order_by(Tip.received_at, Tip.id)))
    thread_ids = [t.id for t in thread]
    same_sender = [] if not tip.sender_address else list(session.scalars(
        select(Tip).where(Tip.sender_address == tip.sender_address, Tip.id.not_in(thread_ids), *limit)
        .order_by(Tip.received_at.desc()).limit(20)))
    cluster = [] if tip.cluster_id is None else list(session.scalars(
        select(Tip).where(Tip.cluster_id == tip.cluster_id, Tip.id != tip.id, *limit)
        .order_by(Tip.received_at.desc()).limit(50)))
    readers = Readers(session, user, secret).load(t.sender_address for t in [tip, *thread, *cluster])
    me = readers.of(tip.sender_address)
    for shown in {id(t): t for t in [tip, root, *thread, *same_sender, *cluster]}.values():
        open_in_place(vault, shown, html=shown is tip and not me.masked and html_chars <= max_html)
    who = redact.Who(tip.sender_name, tip.sender_address)
    events = list(session.scalars(select(TipEvent).where(TipEvent.tip_id == tip.id).order_by(TipEvent.id)))
    stored_notes = list(session.scalars(select(Note).where(Note.tip_id == tip.id).order_by(Note.id)))
    # The mail HTML is read too when it would be shown: its text part need not say what it says.
    html = tip.html_body if (not is_editor(user) and not me.masked and 0 <= html_chars <= max_html
                             and tip.html_body) else ""  # an editor sees every reader: nothing to look for
    sent = replies.sent_for(session, user, tip, thread_ids, me.masked)
    named = mentions.hidden(session, readers, tip.sender_address, tip.subject, tip.text_body,
                            *(n.body for n in stored_notes), *(m.body for m in sent), *mentions.html_texts(html))
    if named:  # the desk's own mail under the tip may name her too (an editor's reply that does)
        sent = [replace(m, body=redact.redact_mentions(m.body, named)) for m in sent]
    notes = [NoteView(redact.redact_mentions(redact.redact(n.body, who) if me.masked else n.body, named),
                      n.user.label, n.created_at) for n in stored_notes]
    merged = session.scalar(select(Merge).where(Merge.tip_id == tip.id, Merge.split_at.is_(None))
                            .order_by(Merge.id.desc()).limit(1))
    allowed = {a: may(user, a, tip)
               for a in ("assign", "status", "topic", "merge", "cluster", "split", "spam", "export", "claim", "note")}
    allowed["claim"] = allowed["claim"] and tip.assignee_id != user.id and (tip.assignee_id is None or is_editor(user))
    allowed["export"] = allowed["export"] and not me.masked
    files = [a for a in tip.attachments if not a.inline]
    pieces = text_pieces(tip.text_body, tip.new_text_spans, tip.new_text_end, tip.signature_start)
    explanation = sort_explanation(session, tip.id)
    reasons = _topic_part(explanation)
    if me.masked:
        text = TextParts(*redact.redact_body(tip.text_body, tip.new_text_end, tip.signature_start, who),
                         pieces=tuple((k, redact.SIGNATURE if k == "signature" else redact.redact(chunk, who))
                                      for k, chunk in pieces))
    else:
        text = split_text(tip.text_body, tip.new_text_end, tip.signature_start)
        text = TextParts(text.new, text.signature, text.quoted, tuple(pieces))
    if named:  # the mail names a protected reader this viewer may not see: withheld, and no HTML that shows them
        text = TextParts(*(redact.redact_mentions(part, named) for part in (text.new, text.signature, text.quoted)),
                         pieces=tuple((k, redact.redact_mentions(chunk, named)) for k, chunk in text.pieces))
    plain_only = me.masked or bool(named)
    return TipPage(
        tip=tip, root=root, reader=me, sender=sender_label(tip, me),
        subject=redact.redact_mentions(shown_subject(tip, me), named), text=text,
        srcdoc=None if plain_only or html_chars > max_html else mail_srcdoc(tip.html_body, user.id, signer, origin),
        html_left_out=html_chars if html_chars > max_html and not plain_only else 0,
        attachments=[] if me.masked else files, attachment_count=len(files),
        thread=[link(t, readers.of(t.sender_address), readers) for t in thread],
        same_sender=[] if me.masked else [link(t, me, readers) for t in same_sender],
        same_sender_count=_count_same_sender(session, tip, thread_ids, limit) if me.masked else len(same_sender),
        cluster=[link(t, readers.of(t.sender_address), readers) for t in cluster],
        events=events, notes=notes, merged_into=merged,
        assignee=session.get(User, tip.assignee_id) if tip.assignee_id else None,
        allowed=allowed, why=without_sender(reasons) if me.masked else reasons, story_why=story_reasons(explanation),
        suggestions=open_for_tip(session, user, tip, readers, vault),
        panel=reader_panel(session, user, tip, me, user_labels(session) if users is None else users)
        if is_editor(user) or me.granted else None,
        holds=holds_on(session, tip), purge_at=purge_date(session, retention_rules, tip),
        sent=sent,
        may_reply=bool(tip.sender_address) and not me.masked,
        templates=replies.templates(session) if tip.sender_address and not me.masked else [],
        stories=stories_for(session, tip),
    )


def _count_same_sender(session: Session, tip: Tip, thread_ids: list[int], limit: list) -> int:
    return session.scalar(select(func.count()).select_from(Tip).where(
        Tip.sender_address == tip.sender_address, Tip.id.not_in(thread_ids), *limit)) or 0


def sender_label(tip: Tip, who: Identity) -> str:
    """How the page names a tip's sender for this viewer."""
    if who.masked:
        return who.pseudonym
    if tip.sender_name:
        return f"{tip.sender_name} <{tip.sender_address}>"
    return tip.sender_address or "unknown sender"


def shown_subject(tip: Tip, who: Identity) -> str:
    """The subject, with a masked reader's identity withheld from it."""
    subject = tip.subject or "(no subject)"
    return redact.redact_line(subject, redact.Who(tip.sender_name, tip.sender_address)) if who.masked else subject


def link(tip: Tip, who: Identity, readers: Readers) -> Link:
    """Another tip for a list, as this viewer may see it (a protected reader its subject names withheld)."""
    subject = mentions.withheld(readers, tip.sender_address, shown_subject(tip, who))
    return Link(tip.id, subject, tip.received_at, who.pseudonym if who.masked else (tip.sender_name or tip.sender_address))


def without_sender(reasons: dict) -> dict:
    """The topic's reasons without any rule on the sender's domain (it says where they write from)."""
    if not reasons.get("rules"):
        return reasons
    rules = [r for r in reasons["rules"] if not (isinstance(r, dict) and r.get("kind") == "sender_domain")]
    return {**reasons, "rules": rules}


def sort_explanation(session: Session, tip_id: int) -> dict:
    """The latest machine verdict's whole explanation ({} before sorting ran, or when unreadable)."""
    raw = session.scalar(select(SortDecision.explanation).where(SortDecision.tip_id == tip_id, SortDecision.kind == "sort")
                         .order_by(SortDecision.id.desc()).limit(1))
    try:
        found = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _topic_part(explanation: dict) -> dict:
    reasons = explanation.get("topic", {})
    return {k: v for k, v in reasons.items() if k not in ("topic", "confidence", "source")} if isinstance(reasons, dict) else {}


def topic_reasons(session: Session, tip_id: int) -> dict:
    """Why sorting chose the topic: the latest verdict's topic explanation (rules fired, scores)."""
    return _topic_part(sort_explanation(session, tip_id))


def story_reasons(explanation: dict) -> dict:
    """The story index's part of the explanation (numbers and ids only: no hashes shown)."""
    cluster = explanation.get("cluster", {})
    return {k: v for k, v in cluster.items() if k != "shared_hashes"} if isinstance(cluster, dict) else {}
