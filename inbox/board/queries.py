"""The board page as data: filters in, columns of cards out, in a fixed number of queries.

However many cards are shown, the page costs the same queries: one for the column
totals, one (a UNION of per-column LIMITs) for the card ids, and one for the cards
with their cluster sizes, attachment and follow-up counts and whether a "maybe the
same story" suggestion is open. A search replaces the totals and ids with two: the
matching threads, and their columns; for a viewer who may not see some protected
readers, one more query finds which hits are theirs, and those count only when the
words occur in what the viewer may read of them (inbox.board.redact.matches_redacted).
"""
from __future__ import annotations

from collections import namedtuple
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.board import mentions, redact
from inbox.board import statements as st
from inbox.board.access import STATUSES, Readers, is_editor
from inbox.board.params import is_id, parse_day, parse_int
from inbox.board.recent import Recent, params_key
from inbox.board.stories import opened_by, story_stats
from inbox.models import Note, Tip, User, utcnow
from inbox.models.search import search_param
from inbox.sealing import head_of

FLAGS = tuple(st.FLAG_CLAUSES)
MAX_PER = 100
COUNT_CAP = 1000
SEARCH_CAP = 500


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
    sort: str = "age"  # one of statements.SORTS
    page: int = 1
    per: int = 12
    default_per: int = 12  # not part of the query string

    @classmethod
    def from_args(cls, args, default_per: int) -> Filters:
        """Parse request args; a bad value raises ValueError naming the field."""
        def num(name, lo, hi, default):
            raw = args.get(name, "")
            if raw == "":
                return default
            return parse_int(raw, name, lo, hi)

        def day(name):
            raw = args.get(name, "")
            try:
                return parse_day(raw, name) if raw else None
            except ValueError:
                raise ValueError(f"{name} must be a date like 2026-11-28") from None

        status, flag, assignee = args.get("status", ""), args.get("flag", ""), args.get("assignee", "")
        if status and status not in STATUSES:
            raise ValueError("status is not one of the board's columns")
        if flag and flag not in FLAGS:
            raise ValueError("flag is not a known flag")
        if assignee and assignee not in ("me", "none") and not is_id(assignee):
            raise ValueError("assignee must be me, none or a user id")
        sort = args.get("sort", "") or "age"
        if sort not in st.SORTS:
            raise ValueError("sort must be age, deadline or readers")
        mailbox = num("mailbox", 1, 2**31, None)
        return cls(q=args.get("q", "").strip()[:200], topic=args.get("topic", "")[:200], mailbox=mailbox,
                   status=status, assignee=assignee, flag=flag, since=day("since"), until=day("until"), sort=sort,
                   page=num("page", 1, 100000, 1), per=num("per", 1, MAX_PER, default_per), default_per=default_per)

    def query_string(self, **changes) -> str:
        """The filters as a query string (for links, pagination and saved views)."""
        return _query_string(self, tuple(sorted(changes.items())))


@lru_cache(maxsize=1024)
def _query_string(f: Filters, changes: tuple) -> str:
    # A board page asks it about ten times (sort links, pages, export, the poll, saved views).
    values = {**asdict(f), **dict(changes)}
    defaults = {"page": 1, "per": values.pop("default_per"), "sort": "age"}
    return urlencode({k: v for k, v in values.items() if v not in ("", None) and defaults.get(k) != v})


@dataclass
class Card:
    """One card as the board shows it; a masked reader's card carries the pseudonym and no preview."""
    id: int
    status: str
    version: int
    subject: str
    preview: str
    sender: str  # the name or address; the pseudonym when masked
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
    suggested: bool = False  # an open "maybe the same story" suggestion involves it
    masked: bool = False  # a protected reader this viewer may not see
    protected: bool = False  # a protected reader (editors see a badge)
    deadline: datetime | None = None
    story: int | None = None  # the cluster id when the card stands for a story of several tips
    readers: int = 1  # a story's readers (among the tips the viewer may open)
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    new: bool = False  # the viewer has not opened it yet
    actions: str = ""  # what the viewer may do to it, space-separated (the script offers only these)
    address: str = ""  # the sender's address; "" when masked
    assignee_id: int | None = None
    story_id: int | None = None  # the cluster (story) it belongs to


@dataclass
class Column:
    """One status column: its (capped) total and this page's cards."""
    status: str
    total: int
    more: bool  # the total was capped: there are more than `total`
    cards: list[Card] = field(default_factory=list)


@dataclass
class BoardPage:
    """Everything the board template needs, without a request."""
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


def shape_and_params(user: User, f: Filters, dialect: str, statuses: list[str]) -> tuple[st.Shape, dict]:
    """The shape of the board query for these filters and this user, and the values to bind."""
    reporter = not is_editor(user)
    params: dict = {"me": user.id, "beats": user.beat_list}
    if f.topic and f.topic != "none":
        params["topic"] = f.topic
    if f.mailbox:
        params["mailbox"] = f.mailbox
    if f.assignee and f.assignee != "none":
        params["assignee"] = user.id if f.assignee == "me" else int(f.assignee)
    if f.since:
        params["since"] = datetime.combine(f.since, datetime.min.time())
    if f.until:
        params["until"] = datetime.combine(f.until + timedelta(days=1), datetime.min.time())
    shape = st.Shape(
        dialect=dialect, statuses=tuple(statuses), reporter=reporter, has_beats=reporter and bool(user.beat_list),
        topic="" if not f.topic else ("none" if f.topic == "none" else "value"), mailbox=bool(f.mailbox),
        assignee="" if not f.assignee else ("none" if f.assignee == "none" else "value"), flag=f.flag,
        since=bool(f.since), until=bool(f.until), search=bool(f.q), sort=f.sort,
    )
    return shape, params


def search_roots(session: Session, words: str, dialect: str, newest: int | None = None,
                 readers: Readers | None = None, window: dict | None = None) -> list[int]:
    """The threads (root ids) whose tips or notes contain the words.

    With readers (a viewer who is not an editor), the words are plain words that must all
    occur (no operators: a "-name" query must not tell a protected reader's tips apart),
    and a hit on a tip of a reader the viewer may not see counts only when the words
    occur in that tip's redacted text, or in one of its notes with the identity withheld.
    window: {"before": id, "k": n}, only the hits models.search.id_selects(below=True) reads."""
    q = search_query(words, dialect, readers is not None)
    if not q.strip():
        return []
    values = {"q": q, **(window or {})}
    if readers is None:
        return list(session.scalars(st.search_roots(dialect, newest, window is not None), values))
    hits = session.execute(st.search_hits(dialect, newest, window is not None), values).all()
    readers.load(h.sender_address for h in hits if h.protected)
    plain = " ".join(redact.query_words(words))
    # Words that name a hidden reader may hit another's mail that quotes them: judged on it redacted.
    naming = bool(hits) and mentions.may_name(plain.split(), mentions.identity_words(readers))
    roots, doubtful, named = set(), {}, {}
    for h in hits:
        if h.protected and readers.masked(h.sender_address):
            doubtful.setdefault(h.id, h)
        elif naming:
            named.setdefault(h.id, h)
        else:
            roots.add(h.root)
    roots.update(_redacted_hits(session, plain, doubtful, roots))
    roots.update(mentions.surviving_hits(session, readers, plain, {i: h for i, h in named.items() if h.root not in roots}))
    return sorted(roots)


def search_query(words: str, dialect: str, plain: bool) -> str:
    """:q for a search of these words (plain: a viewer's, whose words carry no operators)."""
    return search_param(" ".join(redact.query_words(words)) if plain else words, dialect)


def _redacted_hits(session: Session, words: str, doubtful: dict, found: set[int]) -> set[int]:
    """The roots of the doubtful hits whose words survive redaction (their texts and notes are read)."""
    wanted = {i: h for i, h in doubtful.items() if h.root not in found}
    if not wanted:
        return set()
    kept: set[int] = set()
    notes: dict[int, list[str]] = {}
    for tip_id, body in session.execute(select(Note.tip_id, Note.body).where(Note.tip_id.in_(list(wanted)))):
        notes.setdefault(tip_id, []).append(body)
    columns = (Tip.id, Tip.subject, Tip.sender_name, Tip.sender_address, Tip.text_body, Tip.new_text_end, Tip.signature_start)
    for tip in session.execute(select(*columns).where(Tip.id.in_(list(wanted)))):
        who = redact.Who(tip.sender_name, tip.sender_address)
        if redact.matches_words(words, _visible_words(tip, who)) or any(
                redact.matches_redacted(words, redact.redact(body, who)) for body in notes.get(tip.id, [])):
            kept.add(wanted[tip.id].root)
    return kept


@lru_cache(maxsize=4096)
def _visible_words_cached(key: tuple, subject: str, text: str, new_end: int, signature_start: int | None,
                          who: redact.Who) -> frozenset[str]:
    return redact.words_of(redact.visible_text(subject, text, new_end, signature_start, who))


def _visible_words(tip, who: redact.Who) -> frozenset[str]:
    # A tip's text never changes once stored: what a masked viewer may read of it is kept (as its
    # set of words, ~10 kB) for the next searches, 4,096 tips at most per process.
    return _visible_words_cached((tip.id, len(tip.text_body), tip.sender_address, tip.sender_name), tip.subject,
                                 tip.text_body, tip.new_text_end, tip.signature_start, who)


def board_page(session: Session, user: User, f: Filters, dialect: str, users: dict[int, str],
               secret: str = "", vault=None, recent: Recent | None = None, state: str = "") -> BoardPage:
    """The columns and cards for one board page; users maps ids to labels for assignees;
    secret (the app's key) makes protected readers' pseudonyms. With recent and the board's
    state (read before this), the columns' totals and ids are kept a moment (inbox.board.recent),
    and so are the stories' numbers an editor's cards show. A search is always run afresh."""
    statuses = [f.status] if f.status else list(STATUSES)
    shape, params = shape_and_params(user, f, dialect, statuses)
    offset = (f.page - 1) * f.per
    readers = Readers(session, user, secret)
    if f.q:
        totals, ids = _search_columns(session, shape, params, f, offset, None if is_editor(user) else readers)
        cap = SEARCH_CAP + 1  # totals never reach it: no "+" on search columns
    else:
        # Totals are counted up to a cap ("1000+"): an exact count of 100,000 tips costs more
        # than the rest of the page, and nobody pages that far.
        cap = max(COUNT_CAP, offset + f.per) + 1

        def count() -> tuple[dict, list[int]]:
            totals = dict(zip(statuses, session.execute(st.totals(shape), {**params, "cap": cap}).one()))
            long = tuple(s for s in statuses if totals[s] >= cap) if f.sort == "readers" else ()
            return totals, list(session.scalars(st.card_ids(replace(shape, long=long)),
                                                {**params, "per": f.per, "offset": offset}))

        if recent is None or not state:
            totals, ids = count()
        else:
            totals, ids = recent.get((state, shape, params_key(shape, params), cap, f.per, offset), count)
    rows = card_rows(session, ids)
    readers.load([*(r.sender_address for r in rows), *([] if is_editor(user) else mentions.in_rows(rows))])
    story_ids = tuple(sorted({r.cluster_id for r in rows if r.cluster_size > 1}))
    if recent is not None and state and is_editor(user):  # counts and dates, the same for every editor
        stories = recent.get((state, "stories", story_ids), lambda: story_stats(session, user, story_ids))
    else:
        stories = story_stats(session, user, story_ids)
    seen = opened_by(session, user, (r.id for r in rows))
    now = utcnow()
    columns = {s: Column(s, min(totals[s], cap - 1), totals[s] >= cap) for s in statuses}
    for r in rows:
        if r.status not in columns:
            continue  # moved to another column between our two queries
        columns[r.status].cards.append(card(r, readers, users, now, vault, user, seen))
        story = stories.get(r.cluster_id) if r.cluster_size > 1 else None
        if story is not None and story.tips > 1:
            c = columns[r.status].cards[-1]
            c.story, c.readers, c.first_seen, c.last_seen = r.cluster_id, story.readers, story.first_seen, story.last_seen
            c.urgent, c.deadline = story.urgent, story.deadline
    if f.sort != "age":  # the page's cards were chosen in this order; CARDS returns them newest first
        for column in columns.values():
            column.cards.sort(key=_sort_key(f.sort))
    has_next = any(totals[s] > offset + f.per for s in statuses)
    return BoardPage([columns[s] for s in statuses], has_next, f)


CardRow = namedtuple("CardRow", [c.name for c in st.CARDS.selected_columns])


def card_rows(session: Session, ids: list[int]) -> list[CardRow]:
    """statements.CARDS for these ids, newest first, as plain tuples: a card reads some thirty
    fields of its row, and a SQLAlchemy Row's attributes cost ten times a tuple's."""
    if not ids:
        return []
    return [CardRow._make(r) for r in session.execute(st.CARDS, {"ids": ids})]


def _sort_key(sort: str):
    # The same orders as statements._order (a story's readers here: those the viewer may open).
    if sort == "deadline":
        return lambda c: (c.deadline is None, c.deadline or datetime.max, -c.id)
    return lambda c: (-c.readers, -c.id)


def card_actions(user: User, assignee_id: int | None) -> str:
    """What the viewer may do to a card, for the script: it offers only these (the server still decides)."""
    if is_editor(user):
        return "open status assign topic spam bulk"
    mine = assignee_id == user.id
    return " ".join(["open", *(["status", "topic"] if mine else []), *(["claim"] if assignee_id is None else [])])


def card(r, readers: Readers, users: dict[int, str], now: datetime, vault=None, user: User | None = None,
         seen: frozenset | set = frozenset()) -> Card:
    """One row of statements.CARDS as this viewer may see it (the board's cards and the API's tips);
    a sealed subject and preview are opened for the cards shown only."""
    who = readers.of(r.sender_address)
    subject, preview = head_of(vault, r.sealed_head, r.subject, r.preview)
    subject = subject or "(no subject)"
    if who.masked:
        subject = redact.redact_line(subject, redact.Who(r.sender_name, r.sender_address))
    named = mentions.of_card(readers, r.sender_address, subject, "" if who.masked else preview)
    if named:  # a protected reader this viewer may not see is named in another's words
        subject, preview = redact.redact_mentions(subject, named), redact.redact_mentions(preview, named)
    return Card(
        id=r.id, status=r.status, version=r.version, subject=subject, masked=who.masked, protected=who.protected,
        preview="" if who.masked else preview, sender=who.pseudonym if who.masked else (r.sender_name or r.sender_address),
        topic=r.topic, received_at=r.received_at, age=age(r.received_at, now), urgent=r.urgent,
        sensitive=r.sensitive, automatic=r.is_auto_reply or r.is_bounce or r.is_list, is_spam=r.is_spam,
        assignee=users.get(r.assignee_id, "") if r.assignee_id else "",
        cluster_size=r.cluster_size if r.cluster_id is not None else 0, attachments=r.attachments,
        followups=r.followups, suggested=bool(r.suggested), deadline=r.deadline,
        new=user is not None and r.id not in seen, actions=card_actions(user, r.assignee_id) if user is not None else "",
        address="" if who.masked else r.sender_address, assignee_id=r.assignee_id, story_id=r.cluster_id,
    )


def editor_search(shape: st.Shape, params: dict, words: str, newest: int | None = None) -> tuple[st.Shape, dict] | None:
    """An editor's search (nothing is redacted) as one statement: the shape with the threads
    matching :q as a subquery (the newest `newest` matches of each index), and the values to
    bind; None when the words can match nothing."""
    q = search_param(words, shape.dialect)
    if not q.strip():
        return None
    return replace(shape, search_sql=True, newest=newest), {**params, "q": q}


def _search_columns(session: Session, shape: st.Shape, params: dict, f: Filters, offset: int, readers: Readers | None):
    # Search once, then split the matches into columns here rather than searching once per
    # column. Only the newest SEARCH_CAP matching threads are shown (ids grow with arrival);
    # with a date filter the whole index is searched so that older matches can be reached.
    # An editor's search is one statement; a viewer some of whose hits may be redacted gets
    # the threads whose visible words match, found in Python (search_roots), bound as a list.
    newest = None if (f.since or f.until) else SEARCH_CAP * 2
    if readers is None:
        searched = editor_search(shape, params, f.q, newest)
        rows = [] if searched is None else session.execute(st.search_matches(searched[0]),
                                                           {**searched[1], "cap": SEARCH_CAP}).all()
    else:
        roots = search_roots(session, f.q, shape.dialect, newest, readers)
        rows = session.execute(st.search_matches(shape), {**params, "found": st.found_param(roots, shape.dialect),
                                                          "cap": SEARCH_CAP}).all()
    by_status: dict[str, list[int]] = {s: [] for s in shape.statuses}
    for tip_id, status in rows:  # newest first
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

