"""The board page as data: filters in, columns of cards out, in a fixed number of queries.

However many cards are shown, the page costs the same queries: one for the column
totals, one (a UNION of per-column LIMITs) for the cards, and one each for their
cluster sizes, attachment counts and follow-up counts.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import func, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from inbox.board.access import STATUSES, sender_masked, visible_clause
from inbox.models import Attachment, Sighting, Tip, User, utcnow
from inbox.models.search import matching_ids

FLAGS = ("urgent", "sensitive", "attachments", "automatic", "spam")
MAX_PER = 100


@dataclass(frozen=True)
class Filters:
    """What the board is asked to show; built from the query string, saved as a view."""

    q: str = ""
    topic: str = ""
    mailbox: int | None = None
    status: str = ""
    assignee: str = ""  # "", "me", "none" or a user id
    flag: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1
    per: int = 20
    default_per: int = 20  # not part of the query string

    @classmethod
    def from_args(cls, args, default_per: int) -> Filters:
        """Parse request args; a bad value raises ValueError naming the field."""
        def num(name, lo, hi, default):
            raw = args.get(name, "")
            if raw == "":
                return default
            if not raw.isdigit() or not lo <= int(raw) <= hi:
                raise ValueError(f"{name} must be a whole number from {lo} to {hi}")
            return int(raw)

        def day(name):
            raw = args.get(name, "")
            try:
                return date.fromisoformat(raw) if raw else None
            except ValueError:
                raise ValueError(f"{name} must be a date like 2026-11-28") from None

        status, flag, assignee = args.get("status", ""), args.get("flag", ""), args.get("assignee", "")
        if status and status not in STATUSES:
            raise ValueError("status is not one of the board's columns")
        if flag and flag not in FLAGS:
            raise ValueError("flag is not a known flag")
        if assignee and assignee not in ("me", "none") and not assignee.isdigit():
            raise ValueError("assignee must be me, none or a user id")
        mailbox = num("mailbox", 1, 2**31, None)
        return cls(q=args.get("q", "").strip()[:200], topic=args.get("topic", "")[:200], mailbox=mailbox,
                   status=status, assignee=assignee, flag=flag, since=day("since"), until=day("until"),
                   page=num("page", 1, 100000, 1), per=num("per", 1, MAX_PER, default_per), default_per=default_per)

    def query_string(self, **changes) -> str:
        """The filters as a query string (for links, pagination and saved views)."""
        values = {**asdict(self), **changes}
        defaults = {"page": 1, "per": values.pop("default_per")}
        return urlencode({k: v for k, v in values.items() if v not in ("", None) and defaults.get(k) != v})


@dataclass
class Card:
    id: int
    status: str
    version: int
    subject: str
    preview: str
    sender: str | None  # None: masked
    topic: str | None
    received_at: datetime
    age: str
    urgent: bool
    sensitive: str
    automatic: bool
    is_spam: bool
    assignee: str
    cluster_size: int = 0
    attachments: int = 0
    followups: int = 0


@dataclass
class Column:
    status: str
    total: int
    cards: list[Card] = field(default_factory=list)


@dataclass
class BoardPage:
    columns: list[Column]
    has_next: bool
    filters: Filters


def age(then: datetime, now: datetime) -> str:
    """A short age for a card: 5m, 3h, 2d, 6w."""
    seconds = max((now - then).total_seconds(), 0)
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return "now"


def conditions(user: User, f: Filters, dialect: str) -> list:
    """The WHERE clauses for the board's thread roots under these filters and this user."""
    where = [Tip.thread_root_id.is_(None)]
    visible = visible_clause(user)
    if visible is not None:
        where.append(visible)
    if f.topic:
        where.append(Tip.topic.is_(None) if f.topic == "none" else Tip.topic == f.topic)
    if f.mailbox:
        where.append(Tip.id.in_(select(Sighting.tip_id).where(Sighting.mailbox_id == f.mailbox)))
    if f.assignee == "me":
        where.append(Tip.assignee_id == user.id)
    elif f.assignee == "none":
        where.append(Tip.assignee_id.is_(None))
    elif f.assignee:
        where.append(Tip.assignee_id == int(f.assignee))
    flag = {
        "urgent": Tip.urgent.is_(True),
        "sensitive": Tip.sensitive != "",
        "attachments": Tip.id.in_(select(Attachment.tip_id).where(Attachment.inline.is_(False))),
        "automatic": or_(Tip.is_auto_reply.is_(True), Tip.is_bounce.is_(True), Tip.is_list.is_(True)),
        "spam": Tip.is_spam.is_(True),
    }.get(f.flag)
    if flag is not None:
        where.append(flag)
    if f.since:
        where.append(Tip.received_at >= datetime.combine(f.since, datetime.min.time()))
    if f.until:
        where.append(Tip.received_at < datetime.combine(f.until + timedelta(days=1), datetime.min.time()))
    if f.q:
        follow = aliased(Tip)
        found = matching_ids(f.q, dialect)
        in_thread = select(follow.thread_root_id).where(or_(*(follow.id.in_(ids) for ids in matching_ids(f.q, dialect))))
        where.append(or_(*(Tip.id.in_(ids) for ids in found), Tip.id.in_(in_thread)))
    return where


CARD_COLUMNS = (
    Tip.id, Tip.status, Tip.version, Tip.subject, Tip.preview, Tip.sender_name, Tip.sender_address, Tip.topic,
    Tip.received_at, Tip.urgent, Tip.sensitive, Tip.is_auto_reply, Tip.is_bounce, Tip.is_list, Tip.is_spam,
    Tip.assignee_id, Tip.cluster_id,
)


def board_page(session: Session, user: User, f: Filters, dialect: str, users: dict[int, str]) -> BoardPage:
    """The columns and cards for one board page; users maps ids to labels for assignees."""
    where = conditions(user, f, dialect)
    statuses = [f.status] if f.status else list(STATUSES)
    totals = dict(session.execute(select(Tip.status, func.count()).where(*where).group_by(Tip.status)).all())
    offset = (f.page - 1) * f.per
    per_column = [
        select(Tip.id).where(*where, Tip.status == s).order_by(Tip.received_at.desc(), Tip.id.desc())
        .limit(f.per).offset(offset).subquery()
        for s in statuses
    ]
    ids_query = union_all(*(select(sq.c.id) for sq in per_column)) if len(per_column) > 1 else select(per_column[0].c.id)
    rows = session.execute(select(*CARD_COLUMNS).where(Tip.id.in_(ids_query))
                           .order_by(Tip.received_at.desc(), Tip.id.desc())).all()
    ids = [r.id for r in rows]
    clusters = {r.cluster_id for r in rows if r.cluster_id is not None}
    cluster_sizes = dict(session.execute(
        select(Tip.cluster_id, func.count()).where(Tip.cluster_id.in_(clusters)).group_by(Tip.cluster_id)).all())
    attachments = dict(session.execute(
        select(Attachment.tip_id, func.count()).where(Attachment.tip_id.in_(ids), Attachment.inline.is_(False))
        .group_by(Attachment.tip_id)).all())
    followups = dict(session.execute(
        select(Tip.thread_root_id, func.count()).where(Tip.thread_root_id.in_(ids)).group_by(Tip.thread_root_id)).all())
    now = utcnow()
    columns = {s: Column(s, totals.get(s, 0)) for s in statuses}
    for r in rows:
        masked = sender_masked(user, r.sensitive, r.assignee_id)
        columns[r.status].cards.append(Card(
            id=r.id, status=r.status, version=r.version, subject=r.subject or "(no subject)",
            preview="" if masked else r.preview, sender=None if masked else (r.sender_name or r.sender_address),
            topic=r.topic, received_at=r.received_at, age=age(r.received_at, now), urgent=r.urgent,
            sensitive=r.sensitive, automatic=r.is_auto_reply or r.is_bounce or r.is_list, is_spam=r.is_spam,
            assignee=users.get(r.assignee_id, "") if r.assignee_id else "",
            cluster_size=cluster_sizes.get(r.cluster_id, 0), attachments=attachments.get(r.id, 0),
            followups=followups.get(r.id, 0),
        ))
    has_next = any(totals.get(s, 0) > offset + f.per for s in statuses)
    return BoardPage([columns[s] for s in statuses], has_next, f)


def topics(session: Session) -> list[str]:
    """Every topic in use, for the filter menu."""
    return list(session.scalars(select(Tip.topic).where(Tip.topic.is_not(None)).distinct().order_by(Tip.topic)))


def user_labels(session: Session) -> dict[int, str]:
    """id -> name for every user (assignee names on cards and the assign menus)."""
    return {uid: name or email for uid, name, email in session.execute(select(User.id, User.name, User.email))}

