"""Small factories for board tests: users, and tips inserted directly as RawMessage + Tip rows."""
from __future__ import annotations

import hashlib
import itertools
from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from inbox.models import Attachment, Mailbox, RawMessage, Sighting, Tip, User, utcnow

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)
# The test users' hash: argon2id with the least work, so that a login costs a test
# milliseconds rather than a quarter of a second. Verifying reads the work from the hash
# itself, so the board's own check runs unchanged; what the board stores is hash_password's
# (test_accounts checks its parameters).
_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


def make_user(session: Session, role: str = "editor", email: str | None = None, beats: str = "", **kw) -> User:
    n = next(_seq)
    user = User(email=email or f"{role}{n}@newsroom.example", name=kw.pop("name", f"{role.title()} {n}"), role=role,
                beats=beats, password_hash=_HASH, **kw)
    session.add(user)
    session.flush()
    return user


def raw_mail(subject: str, body: str, sender: str, extra: bytes = b"") -> bytes:
    n = next(_seq)
    head = (f"From: Reader <{sender}>\r\nTo: tips@newsroom.example\r\nSubject: {subject}\r\n"
            f"Message-ID: <t{n}@reader.example>\r\nDate: Sat, 28 Nov 2026 08:00:00 +0000\r\n").encode()
    return head + extra + b"\r\n" + body.encode()


def make_tip(session: Session, subject: str = "Trucks at the depot at night", body: str = "I saw trucks unloading at 3am.",
             sender: str = "reader@example.org", sender_name: str = "Ada Reader", raw: bytes | None = None,
             age_hours: float = 1.0, **fields) -> Tip:
    data = raw if raw is not None else raw_mail(subject, body, sender)
    sha = hashlib.sha256(data).hexdigest()
    row = RawMessage(sha256=sha, size=len(data), data=data)
    session.add(row)
    session.flush()
    tip = Tip(fingerprint=sha, raw_message_id=row.id, subject=subject, text_body=body, new_text_end=len(body),
              preview=body[:200], sender_name=sender_name, sender_address=sender,
              received_at=utcnow() - timedelta(hours=age_hours), **fields)
    session.add(tip)
    session.flush()
    return tip


def add_attachment(session: Session, tip: Tip, part_path: str, filename: str, content_type: str, size: int,
                   content_id: str | None = None, inline: bool = False) -> Attachment:
    att = Attachment(tip_id=tip.id, position=len(tip.attachments), part_path=part_path, filename=filename,
                     content_type=content_type, size=size, sha256="0" * 64, content_id=content_id, inline=inline)
    session.add(att)
    session.flush()
    return att


def make_mailbox(session: Session, name: str = "tips", **fields) -> Mailbox:
    box = Mailbox(name=name, address=f"{name}@newsroom.example", **fields)
    session.add(box)
    session.flush()
    return box


def sight(session: Session, tip: Tip, mailbox: Mailbox, uid: int) -> Sighting:
    s = Sighting(tip_id=tip.id, mailbox_id=mailbox.id, folder="INBOX", uidvalidity=1, uid=uid, raw_message_id=tip.raw_message_id)
    session.add(s)
    session.flush()
    return s


def search_world(session: Session, note_by: int) -> list[int]:
    """Tips that "bribery" finds by subject, by body, by a note (written by user note_by) and
    by a follow-up (its thread's first tip stands for it), and one it does not: the found ids."""
    from inbox.models import Note

    by_subject = make_tip(session, subject="Zoning board bribery", body="nothing here").id
    by_body = make_tip(session, subject="A tip", body="The inspector took an envelope; bribery, plainly.").id
    by_note = make_tip(session, subject="Quiet tip", body="nothing").id
    session.add(Note(tip_id=by_note, user_id=note_by, body="Possible bribery angle"))
    root = make_tip(session, subject="Parking tickets", body="nothing").id
    make_tip(session, subject="Re: Parking tickets", body="and the clerk asked for a bribe: bribery", thread_root_id=root)
    make_tip(session, subject="Unrelated", body="school lunches")
    return [by_subject, by_body, by_note, root]
