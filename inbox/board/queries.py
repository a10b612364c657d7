"""The board page as data: filters in, columns of cards out, in a fixed number of queries.

However many cards are shown, the page costs the same queries: one for the column
totals, one (a UNION of per-column LIMITs) for the cards, and one each for their
cluster sizes, attachment counts and follow-up counts.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import Integer, any_, bindparam, column, func, or_, select, text, union, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from inbox.board.access import STATUSES, sender_masked, visible_clause
from inbox.models import Attachment, Sighting, Tip, User, utcnow
from inbox.models.search import matching_ids

FLAGS = ("urgent", "sensitive", "attachments", "automatic", "spam")
MAX_PER = 100
COUNT_CAP = 1000
SEARCH_CAP = 1000


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
    more: bool  # the total was capped: there are more than `total`
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
    return where


def search_roots(session: Session, words: str, dialect: str) -> list[int]:
    """Tips whose text or notes contain the words, and the thread roots of matching follow-ups.

    "id + 0" keeps the database from fetching each matching row by its key (kilobytes of
    text each); it reads thread_root_id from an index instead.
    """
    matched = matching_ids(words, dialect, newest=SEARCH_CAP * 2)
    roots_of_follow_ups = select(Tip.thread_root_id).where(
        Tip.thread_root_id > 0, or_(*((Tip.id + 0).in_(ids) for ids in matched)))
    direct = [select(sub.c.id) for sub in (m.subquery() for m in matched)]
    return list(session.scalars(union(roots_of_follow_ups, *direct)))


def among(ids: list[int], dialect: str):
    """Tip.id IN ids as one bound parameter however many ids (a JSON array / a PostgreSQL array)."""
    if dialect == "sqlite":
        values = text("SELECT value FROM json_each(:ids)").bindparams(bindparam("ids", json.dumps(ids), unique=True))
        return Tip.id.in_(values.columns(column("value")))
    return Tip.id == any_(bindparam("ids", ids, type_=ARRAY(Integer), unique=True))


CARD_COLUMNS = (
    Tip.id, Tip.status, Tip.version, Tip.subject, Tip.preview, Tip.sender_name, Tip.sender_address, Tip.topic,
    Tip.received_at, Tip.urgent, Tip.sensitive, Tip.is_auto_reply, Tip.is_bounce, Tip.is_list, Tip.is_spam,
    Tip.assignee_id, Tip.cluster_id,
)


def board_page(session: Session, user: User, f: Filters, dialect: str, users: dict[int, str]) -> BoardPage:
    """The columns and cards for one board page; users maps ids to labels for assignees."""
    where = conditions(user, f, dialect)
    statuses = [f.status] if f.status else list(STATUSES)
    offset = (f.page - 1) * f.per
    if f.q:
        totals, page_ids = _search_columns(session, where, f, dialect, statuses, offset)
        cap = SEARCH_CAP + 1
        id_filter = Tip.id.in_(page_ids)
    else:
        totals, id_filter, cap = _browse_columns(session, where, f, statuses, offset)
    rows = session.execute(select(*CARD_COLUMNS).where(id_filter).order_by(Tip.received_at.desc(), Tip.id.desc())).all()
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
    columns = {s: Column(s, min(totals[s], cap - 1), totals[s] >= cap) for s in statuses}
    for r in rows:
        if r.status not in columns:
            continue  # moved to another column between our two queries
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
    has_next = any(totals[s] > offset + f.per for s in statuses)
    return BoardPage([columns[s] for s in statuses], has_next, f)


def _browse_columns(session: Session, where: list, f: Filters, statuses: list[str], offset: int):
    # Totals are counted up to a cap ("1000+"): an exact count of 100,000 tips costs more
    # than the rest of the page, and nobody pages that far.
    cap = max(COUNT_CAP, offset + f.per) + 1
    capped = [
        select(func.count()).select_from(select(Tip.id).where(*where, Tip.status == s).limit(cap).subquery())
        .scalar_subquery().label(s)
        for s in statuses
    ]
    totals = dict(zip(statuses, session.execute(select(*capped)).one()))
    per_column = [
        select(Tip.id).where(*where, Tip.status == s).order_by(Tip.received_at.desc(), Tip.id.desc())
        .limit(f.per).offset(offset).subquery()
        for s in statuses
    ]
    ids_query = union_all(*(select(sq.c.id) for sq in per_column)) if len(per_column) > 1 else select(per_column[0].c.id)
    return totals, Tip.id.in_(ids_query), cap


def _search_columns(session: Session, where: list, f: Filters, dialect: str, statuses: list[str], offset: int):
    # Search once, then split the matches into columns here rather than searching once per
    # column. Only the newest SEARCH_CAP matching threads are shown (ids grow with arrival).
    roots = sorted(search_roots(session, f.q, dialect), reverse=True)[:SEARCH_CAP]
    # In the board index's own order (no sort in the database), newest first per column here.
    matches = session.execute(select(Tip.id, Tip.status).where(*where, among(roots, dialect))
                              .order_by(Tip.status, Tip.received_at)).all()
    by_status: dict[str, list[int]] = {s: [] for s in statuses}
    for tip_id, status in reversed(matches):
        if status in by_status:
            by_status[status].append(tip_id)
    totals = {s: len(ids) for s, ids in by_status.items()}
    return totals, [i for ids in by_status.values() for i in ids[offset:offset + f.per]]


def topics(session: Session) -> list[str]:
    """Every topic in use, for the filter menu."""
    return list(session.scalars(select(Tip.topic).where(Tip.topic.is_not(None)).distinct().order_by(Tip.topic)))


def user_labels(session: Session) -> dict[int, str]:
    """id -> name for every user (assignee names on cards and the assign menus)."""
    return {uid: name or email for uid, name, email in session.execute(select(User.id, User.name, User.email))}

