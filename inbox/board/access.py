"""Who may see and do what: the role rules as plain functions, used by queries and views alike.

admin   everything an editor may, plus users, mailbox health, quarantine and the audit log;
editor  sees every tip; assigns, sets status, corrects topics, merges, marks spam,
        decides sorting's "maybe the same story" suggestions; protects readers and grants them;
reporter sees the threads of their beats and those assigned to them; claims, writes notes,
        and moves the tips assigned to them through their statuses.

A thread is one decision: whoever may open its first tip may open every follow-up, and
nobody else may open any of them (a tip one may not open is "not found", never
"forbidden": ids are sequential). Who sent a tip is a separate decision, by reader:
a *protected* reader (inbox.models.readers) is shown only to editors, admins and the
users an editor granted that reader to; everyone else sees a pseudonym and a redacted
body (inbox.board.redact). Claiming or being assigned a tip never lifts that.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, exists, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from inbox.models import Reader, ReaderGrant, Tip, User

# not_tip: auto-replies, bounces, newsletters and list mail, put there by sorting (inbox/sort/nontips.py).
STATUSES = ("new", "reviewing", "assigned", "pursuing", "published", "declined", "not_tip", "spam")
STATUS_LABELS = {s: s.capitalize() for s in STATUSES} | {"not_tip": "Not tips"}
EDITORS = ("admin", "editor")

# action -> who may do it: "editor" (editors and admins) or "assignee" (also the reporter it is assigned to)
ACTION_RULES = {
    "assign": "editor",
    "status": "assignee",
    "topic": "assignee",
    "merge": "editor",
    "cluster": "editor",  # accept or dismiss a "maybe the same story" suggestion
    "split": "editor",
    "spam": "editor",
    "export": "editor",
    "claim": "viewer",
    "note": "viewer",
    "protect": "editor",  # protect or unprotect a reader
    "grant": "editor",  # let a user see a protected reader, or revoke that
}


def is_editor(user: User) -> bool:
    """Editors and admins see and change every tip."""
    return user.role in EDITORS


def _own(user: User, tip) -> ColumnElement[bool]:
    """The tip (a thread's first) is the user's: on their beats or assigned to them."""
    clauses = [tip.assignee_id == user.id]
    if user.beat_list:
        clauses.append(tip.topic.in_(user.beat_list))
    return or_(*clauses)


def visible_clause(user: User) -> ColumnElement[bool] | None:
    """A WHERE clause on Tip: the tips of threads whose first tip the user may open; None for editors."""
    if is_editor(user):
        return None
    return _thread_is(lambda tip: _own(user, tip))


def _thread_is(own) -> ColumnElement[bool]:
    """Tips whose thread's first tip satisfies own(tip): the tip itself if it is one, else its root."""
    root = aliased(Tip)
    return or_(and_(Tip.thread_root_id.is_(None), own(Tip)), exists().where(root.id == Tip.thread_root_id, own(root)))


def bound_visible_clause(has_beats: bool) -> ColumnElement[bool]:
    """visible_clause for a reporter with its values as parameters, :vis_me and (has_beats) :vis_beats
    (visible_values binds them): a statement built once serves every reporter."""
    def own(tip):
        mine = tip.assignee_id == bindparam("vis_me")
        return or_(mine, tip.topic.in_(bindparam("vis_beats", expanding=True))) if has_beats else mine

    return _thread_is(own)


def visible_values(user: User) -> dict:
    """The values bound_visible_clause's parameters take for this user."""
    return {"vis_me": user.id, **({"vis_beats": list(user.beat_list)} if user.beat_list else {})}


def can_see(user: User, tip: Tip, root: Tip | None = None) -> bool:
    """Whether user may open this tip: decided by its thread's first tip, for every tip of the thread."""
    if is_editor(user):
        return True
    first = root if root is not None else tip
    return first.assignee_id == user.id or bool(first.topic and first.topic in user.beat_list)


def may(user: User, action: str, tip: Tip) -> bool:
    """Whether user may do action on a tip they can see."""
    rule = ACTION_RULES[action]
    if is_editor(user) or rule == "viewer":
        return True
    return rule == "assignee" and tip.assignee_id == user.id


def may_see_reader(user: User, protected: bool, granted: bool) -> bool:
    """The one answer to "may this user see who this reader is?"; claiming or assignment never counts."""
    return not protected or is_editor(user) or granted


def pseudonym(secret: str, seed: str, address: str) -> str:
    """A protected reader's stable name on the board: an HMAC of the address, keyed by the app's secret."""
    digest = hmac.new(secret.encode(), f"{seed}:{address}".encode(), hashlib.sha256).hexdigest()
    return f"Reader {digest[:6].upper()}"


@dataclass(frozen=True)
class Identity:
    """What one viewer is shown of one sender."""
    address: str
    masked: bool  # the viewer sees the pseudonym and the redacted text
    protected: bool  # whether the reader is protected at all (editors see a badge)
    reader_id: int | None = None
    pseudonym: str = ""
    why: str = ""
    granted: bool = False  # the viewer sees them through an editor's grant


# Built once (every page asks it): the protected readers among :addresses, and whether :viewer holds a grant.
_PROTECTED_AMONG = (
    select(Reader.id, Reader.address, Reader.pseudonym_seed, Reader.why,
           exists().where(ReaderGrant.reader_id == Reader.id, ReaderGrant.user_id == bindparam("viewer"),
                          ReaderGrant.revoked_at.is_(None)).label("granted"))
    .where(Reader.address.in_(bindparam("addresses", expanding=True)), Reader.protected.is_(True)))


class Readers:
    """The identities of the senders on one page, for one viewer, in one query.

    Every page asks this the same question ("may this user see this reader?"), so the
    answer is the same on the board, the tip page, search, suggestions and downloads."""

    def __init__(self, session: Session, user: User, secret: str):
        self.session, self.user, self.secret = session, user, secret
        self._known: dict[str, Identity] = {}
        self.memo: dict = {}  # what other modules work out once a page from these readers (mentions.py)

    def load(self, addresses) -> Readers:
        """Look up the protected readers among these addresses, and this viewer's grants."""
        wanted = {a for a in addresses if a and a not in self._known}
        if not wanted:
            return self
        rows = self.session.execute(_PROTECTED_AMONG, {"viewer": self.user.id, "addresses": sorted(wanted)})
        for rid, address, seed, why, has_grant in rows:
            self._known[address] = Identity(
                address, not may_see_reader(self.user, True, bool(has_grant)), True, rid,
                pseudonym(self.secret, seed, address), why, bool(has_grant))
            wanted.discard(address)
        for address in wanted:
            self._known[address] = Identity(address, False, False)
        return self

    def of(self, address: str) -> Identity:
        """The identity of one sender (loaded on demand when the page did not ask beforehand)."""
        if address not in self._known:
            self.load([address])
        return self._known.get(address) or Identity(address, False, False)

    def masked(self, address: str) -> bool:
        return self.of(address).masked
