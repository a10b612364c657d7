"""The board's SQL, built once per *shape* of filters and reused with new parameters.

Building a SQLAlchemy statement with fourteen sub-selects, and computing its cache
key, cost more than running it. A board request only varies in values (which topic,
which page), so each distinct shape of filters gets its statements built once; a
request then only binds its values.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Integer, any_, bindparam, column, exists, func, literal, literal_column, or_, select, text, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased

from inbox.models import Attachment, Cluster, ClusterSuggestion, Reader, Sighting, Tip
from inbox.models.search import id_selects

FLAG_CLAUSES = {
    "urgent": lambda T: T.urgent.is_(True),
    "sensitive": lambda T: T.sensitive != "",
    "attachments": lambda T: T.id.in_(select(Attachment.tip_id).where(Attachment.inline.is_(False))),
    "automatic": lambda T: or_(T.is_auto_reply.is_(True), T.is_bounce.is_(True), T.is_list.is_(True)),
    "spam": lambda T: T.is_spam.is_(True),
}
# How a column's cards can be ordered (the board's "Sort" menu): newest first, the nearest
# deadline first (tips without one last), the most readers first (a story's; a lone tip has 1).
SORTS = ("age", "deadline", "readers")


@dataclass(frozen=True)
class Shape:
    """Which clauses a board query has (not their values)."""

    dialect: str
    statuses: tuple[str, ...]
    reporter: bool = False  # limited to beats and own assignments
    has_beats: bool = False
    topic: str = ""  # "", "none" or "value"
    mailbox: bool = False
    assignee: str = ""  # "", "none" or "value"
    flag: str = ""
    since: bool = False
    until: bool = False
    search: bool = False
    # A search's matching threads as a subquery of :q (an editor's, which nothing redacts), the
    # newest `newest` matches of each index; else bound as the list :found.
    search_sql: bool = False
    newest: int | None = None
    below: bool = False  # a page by cursor: the newest :k hits below :before (models.search.id_selects)
    sort: str = "age"
    long: tuple[str, ...] = ()  # the columns past the count cap (the readers sort walks those; see card_ids)


def where(shape: Shape, T=Tip, bare: bool = False, by_id: bool = False) -> list:
    """The WHERE clauses of a shape (on Tip, or on an alias of it), every value a bound parameter.

    bare: every column behind coalesce(x, x) (the same value, NULL included), so that no index
    of these columns can be used for them (see cards_where).
    by_id: for a statement that walks ids newest first (the API's pages, the export)."""
    c = (lambda col: func.coalesce(col, col)) if bare else (lambda col: col)
    # A search is led by its list of matching ids: with the roots' index usable, SQLite walked
    # every thread root and looked each up in the list (13 ms for 1,000 matches, 2 ms this way).
    # Walking ids, the roots' index made SQLite read every thread root's row for a filter that
    # matches none (65 ms on 100,000 tips for a topic nobody has); without it, the filter's own
    # index or the covering ix_tips_board_id (id, thread_root_id, status, topic, assignee_id) leads.
    roots_unindexed = shape.search or by_id
    clauses = [(func.coalesce(T.thread_root_id, T.thread_root_id) if roots_unindexed else c(T.thread_root_id)).is_(None)]
    if shape.reporter:
        mine = c(T.assignee_id) == bindparam("me")
        clauses.append(or_(mine, c(T.topic).in_(bindparam("beats", expanding=True))) if shape.has_beats else mine)
    if shape.topic:
        clauses.append(c(T.topic).is_(None) if shape.topic == "none" else c(T.topic) == bindparam("topic"))
    if shape.mailbox:
        clauses.append(c(T.id).in_(select(Sighting.tip_id).where(Sighting.mailbox_id == bindparam("mailbox"))))
    if shape.assignee:
        clauses.append(c(T.assignee_id).is_(None) if shape.assignee == "none" else c(T.assignee_id) == bindparam("assignee"))
    if shape.flag:
        clauses.append(FLAG_CLAUSES[shape.flag](T))
    if shape.since:
        clauses.append(c(T.received_at) >= bindparam("since"))
    if shape.until:
        clauses.append(c(T.received_at) < bindparam("until"))
    if shape.search:
        clauses.append(_among(shape, T))
    return clauses


def cards_where(shape: Shape) -> list:
    """where(shape), with one card a story: a tip of a cluster is a card only when no earlier
    tip of its cluster in the same column passes the same filters (that one is the lead).

    The earlier tip is looked up by the cluster_id index only (a story has a handful of
    tips): with its other columns indexable, SQLite walked the board index through every
    root of the column for every card (181 s for the totals of 20,000 tips)."""
    earlier = aliased(Tip)
    bare = lambda col: func.coalesce(col, col)  # noqa: E731
    # SELECT 1, not *: SQLite then answers from the covering index ix_tips_story (cluster_id,
    # status, thread_root_id, topic, assignee_id, received_at) without reading the rows, 4x faster.
    same_story = (select(literal_column("1")).where(earlier.cluster_id == Tip.cluster_id, bare(earlier.id) < Tip.id,
                                                    bare(earlier.status) == Tip.status, *where(shape, earlier, bare=True))
                  .exists())
    return [*where(shape), or_(Tip.cluster_id.is_(None), ~same_story)]


def _among(shape: Shape, T=Tip):
    # T.id among the threads that match :q, or IN a list passed as ONE parameter however long
    # it is (SQLite: a JSON array).
    dialect = shape.dialect
    if shape.search_sql:
        return T.id.in_(search_roots(dialect, shape.newest, shape.below))
    if dialect == "sqlite":
        return T.id.in_(text("SELECT value FROM json_each(:found)").columns(column("value")))
    return T.id == any_(bindparam("found", type_=ARRAY(Integer)))


def _order(shape: Shape) -> list:
    newest = [Tip.received_at.desc(), Tip.id.desc()]
    if shape.sort == "deadline":
        return [Tip.deadline.is_(None), Tip.deadline.asc(), *newest]
    if shape.sort == "readers":
        readers = select(Cluster.readers).where(Cluster.id == Tip.cluster_id).scalar_subquery()
        return [func.coalesce(readers, 1).desc(), *newest]
    return newest


def found_param(ids: list[int], dialect: str):
    """The value for the :found parameter of a search shape."""
    return json.dumps(ids) if dialect == "sqlite" else ids


@lru_cache(maxsize=256)
def totals(shape: Shape):
    """Per column, the number of matching threads counted up to :cap (one row, a column each)."""
    clauses = cards_where(shape)
    return select(*(
        select(func.count()).select_from(select(Tip.id).where(*clauses, Tip.status == s).limit(bindparam("cap")).subquery())
        .scalar_subquery().label(s)
        for s in shape.statuses
    ))


@lru_cache(maxsize=256)
def card_ids(shape: Shape):
    """The ids on one page of every column: a UNION of per-column LIMIT/OFFSET selects."""
    clauses = cards_where(shape)
    per_column = [(_by_readers if shape.sort == "readers" and s in shape.long else _by_order)(shape, clauses, s)
                  for s in shape.statuses]
    if len(per_column) == 1:
        return select(per_column[0].c.id)
    return union_all(*(select(sq.c.id) for sq in per_column))


def _by_order(shape: Shape, clauses: list, status: str):
    return (select(Tip.id).where(*clauses, Tip.status == status).order_by(*_order(shape))
            .limit(bindparam("per")).offset(bindparam("offset")).subquery())


def _by_readers(shape: Shape, clauses: list, status: str):
    """The most readers first, as _order has it, for a long column: from two walks that stop at
    the page's end rather than a sort of the whole column (a short column is sorted: the walk
    would visit every story of the desk to find its few): stories from the clusters' readers index
    outwards (each cluster's card is its first tip in the column that passes the filters),
    and lone tips newest first; a card of the page is among the first per + offset of its
    kind, so the two cut there and merged give the page."""
    upto = bindparam("per", type_=Integer) + bindparam("offset", type_=Integer)
    member = aliased(Tip)  # by ix_tips_story (cluster_id, status) alone: the filters' own indexes kept out
    lead_id = (select(func.min(member.id)).where(member.cluster_id == Cluster.id, member.status == status,
                                                 *where(shape, member, bare=True)).scalar_subquery())
    stories = (select(Tip.id, Cluster.readers.label("readers"), Tip.received_at)
               .select_from(Cluster).join(Tip, Tip.id == lead_id)
               .order_by(Cluster.readers.desc(), Tip.received_at.desc(), Tip.id.desc()).limit(upto).subquery())
    lone = (select(Tip.id, literal(1).label("readers"), Tip.received_at)
            .where(*clauses, Tip.status == status, Tip.cluster_id.is_(None))
            .order_by(Tip.received_at.desc(), Tip.id.desc()).limit(upto).subquery())
    both = union_all(select(stories), select(lone)).subquery()
    return (select(both.c.id).order_by(both.c.readers.desc(), both.c.received_at.desc(), both.c.id.desc())
            .limit(bindparam("per")).offset(bindparam("offset")).subquery())


@lru_cache(maxsize=256)
def search_matches(shape: Shape):
    """(id, status) of the newest :cap thread roots that match (among :found, or :q's) under the
    shape's other filters, newest first."""
    return select(Tip.id, Tip.status).where(*cards_where(shape)).order_by(Tip.id.desc()).limit(bindparam("cap"))


@lru_cache(maxsize=8)
def search_roots(dialect: str, newest: int | None, below: bool = False):
    """The thread roots of tips whose text or notes match :q (a follow-up stands for its root).

    thread_root_id comes from the covering index ix_tips_board_id, not from the rows."""
    matched = id_selects(dialect, newest, below)
    return select(func.coalesce(Tip.thread_root_id, Tip.id)).where(or_(*(Tip.id.in_(ids) for ids in matched))).distinct()


@lru_cache(maxsize=8)
def search_hits(dialect: str, newest: int | None, below: bool = False):
    """(id, root, sender_address, protected) of every tip whose text or notes match :q (for
    viewers some of whose hits may be protected readers')."""
    matched = id_selects(dialect, newest, below)
    protected = exists().where(Reader.address == Tip.sender_address, Reader.protected.is_(True))
    return select(Tip.id, func.coalesce(Tip.thread_root_id, Tip.id).label("root"), Tip.sender_address,
                  protected.label("protected")).where(or_(*(Tip.id.in_(ids) for ids in matched)))


CARD_COLUMNS = (
    Tip.id, Tip.status, Tip.version, Tip.subject, Tip.preview, Tip.sender_name, Tip.sender_address, Tip.topic,
    Tip.received_at, Tip.urgent, Tip.sensitive, Tip.is_auto_reply, Tip.is_bounce, Tip.is_list, Tip.is_spam,
    Tip.assignee_id, Tip.cluster_id, Tip.deadline, Tip.sealed_head,
)
_member, _follow_up = aliased(Tip), aliased(Tip)
# Per card, from indexes: the cluster's size, the attachments (not inline images), the follow-ups,
# and whether sorting left an open duplicate suggestion on it.
CARD_COUNTS = (
    select(func.count()).where(_member.cluster_id == Tip.cluster_id).scalar_subquery().label("cluster_size"),
    select(func.count()).where(Attachment.tip_id == Tip.id, Attachment.inline.is_(False)).scalar_subquery()
    .label("attachments"),
    select(func.count()).where(_follow_up.thread_root_id == Tip.id).scalar_subquery().label("followups"),
    # An open "maybe the same story" suggestion on either side (the badge; still one query for all cards).
    or_(exists().where(ClusterSuggestion.tip_id == Tip.id, ClusterSuggestion.status == "open"),
        exists().where(ClusterSuggestion.other_tip_id == Tip.id, ClusterSuggestion.status == "open")).label("suggested"),
)
CARDS = (select(*CARD_COLUMNS, *CARD_COUNTS).where(Tip.id.in_(bindparam("ids", expanding=True)))
         .order_by(Tip.received_at.desc(), Tip.id.desc()))
