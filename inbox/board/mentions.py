"""A protected reader named in someone else's mail: a neighbour's reply-all that quotes them
("On Monday, Ana Ruiz <ana@…> wrote:"), a forward of their message, a note that gives their
address. For a viewer who may not see that reader, their identity is withheld from the other
tip too (redact.redact_mentions), and its mail HTML, which would show it, is not opened.

A mention is found by its address (the one thing every quoting client writes), looked up with
the page's own Readers, or by a hidden reader's full name as they sign their mail ("Ana Ruiz told
me", "Ruiz, Ana", "Ana M. Ruiz": two words or more, matched whole, whatever the case, spacing and
accents; the names kept by the process for each viewer until a protection or a grant changes,
one pass over each text with an Aho-Corasick automaton of them). Editors see every reader:
nothing is looked up for them. What it costs on hostile input: bench/mentions.py.
"""
from __future__ import annotations

import html as htmllib
import re
import threading
from functools import lru_cache

import ahocorasick
from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm import Session

from inbox.board import redact
from inbox.board.access import Readers, is_editor
from inbox.models import Note, Reader, ReaderGrant, Tip

# Starts only where a run of address characters starts: unanchored, a 100 KB run of letters before
# an "@" was tried from each of its letters (20 KB took 0.7 s, 200 KB a minute).
ADDRESS = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NAME_WORDS = re.compile(r"[^\W\d_][\w'’-]*")
_TAG = re.compile(r"\+[^@]*@")
_TAGS = re.compile(r"<[^<>]*>")


def addresses_in(*texts: str | None) -> set[str]:
    """The e-mail addresses written in these texts, lower-cased (as senders' addresses are stored),
    each also without a "+tag" ("ana+tips@x" is ana@x's mailbox) and without punctuation glued before it."""
    found = {m.group(0).lstrip(".+-").lower() for text in texts if text and "@" in text for m in ADDRESS.finditer(text)}
    return found | {_TAG.sub("@", a, count=1) for a in found if "+" in a}


def _named(readers: Readers, own: str, texts) -> dict[str, str]:
    """address -> the full name the texts wrote ("" when only the address), for the readers these
    texts name whom this viewer may not see (not the texts' own sender, whose masking the page
    already decides)."""
    if is_editor(readers.user):
        return {}
    found = addresses_in(*texts) - {own}
    if found:
        readers.load(found)
    by_name = _by_name(readers, texts)
    return {a: by_name.get(a, "") for a in ({a for a in found if readers.masked(a)} | set(by_name)) - {own}}


def hidden(session: Session, readers: Readers, own: str, *texts: str | None) -> tuple[redact.Who, ...]:
    """The readers these texts name whom this viewer may not see, with the name each last wrote under."""
    return named_as(session, sorted(_named(readers, own, texts)))


def named_as(session: Session, addresses: list[str]) -> tuple[redact.Who, ...]:
    """Each reader with the name they last wrote under."""
    if not addresses:
        return ()
    names = {address: name for address, name in session.execute(
        select(Tip.sender_address, Tip.sender_name).where(Tip.sender_address.in_(addresses)).order_by(Tip.id))}
    return tuple(redact.Who(names.get(a) or "", a) for a in addresses)


def of_card(readers: Readers, own: str, subject: str, preview: str) -> tuple[redact.Who, ...]:
    """The same for a card: its subject and preview only, each reader with the name the words
    wrote, not the one read from the database. The page loads the addresses its cards hold with
    their senders (in_rows), so this asks the database nothing unless the card's words were
    sealed until now."""
    return tuple(redact.Who(name, a) for a, name in sorted(_named(readers, own, (subject, preview)).items()))


def withheld(readers: Readers, own: str, line: str) -> str:
    """A line of another tip (its subject in a list or an export) with the hidden readers it names withheld."""
    return redact.redact_mentions(line, of_card(readers, own, line, ""))


_GRANTED = exists().where(ReaderGrant.reader_id == Reader.id, ReaderGrant.user_id == bindparam("viewer"),
                         ReaderGrant.revoked_at.is_(None))
# (address, name) of the protected readers :viewer may not see, once for each name they wrote under; led
# by the tips' sender index (an IN list: as a join, SQLite read every tip, 200 ms on 100,000).
_ROWS = (select(Tip.sender_address, Tip.sender_name)
         .where(Tip.sender_address.in_(select(Reader.address).where(Reader.protected.is_(True), ~_GRANTED))).distinct())
_MINE = ReaderGrant.user_id == bindparam("viewer")
# What changes those rows: a reader protected or not, a grant or its end, a new tip (read from the last one on).
_STAMP = select(select(func.count()).select_from(Reader).where(Reader.protected.is_(True)).scalar_subquery(),
                select(func.max(Reader.changed_at)).scalar_subquery(),
                select(func.count()).select_from(ReaderGrant).where(_MINE).scalar_subquery(),
                select(func.max(ReaderGrant.created_at)).where(_MINE).scalar_subquery(),
                select(func.max(ReaderGrant.revoked_at)).where(_MINE).scalar_subquery(),
                # and how many ended: a revocation stamped earlier than the last (another host's clock) still counts
                select(func.count(ReaderGrant.revoked_at)).where(_MINE).scalar_subquery(),
                select(func.max(Tip.id)).scalar_subquery())
_KNOWN: dict[int, tuple[tuple, int, tuple[tuple[str, str], ...]]] = {}  # this process's, a viewer: stamp, tip id, rows
_KNOWN_LOCK = threading.Lock()


def _hidden_rows(readers: Readers) -> tuple[tuple[str, str], ...]:
    """(address, name) of every protected reader this viewer may not see, once for each name they
    have written under. Kept by the process for the viewer while no protection or grant changes:
    a page then asks one cheap question (the stamp) and reads only the tips since the last page."""
    if "hidden" in readers.memo:
        return readers.memo["hidden"]
    session, values = readers.session, {"viewer": readers.user.id}
    *stamp, newest = session.execute(_STAMP, values).one()
    stamp, newest = tuple(stamp), newest or 0
    with _KNOWN_LOCK:
        known = _KNOWN.get(readers.user.id)
    if known is not None and known[0] == stamp and known[1] <= newest:
        rows = known[2]
        if known[1] < newest:
            more = session.execute(_ROWS.where(Tip.id > known[1]), values).all()
            rows = tuple(sorted(set(rows) | {(a, n or "") for a, n in more}))
    else:
        rows = tuple(sorted({(a, n or "") for a, n in session.execute(_ROWS, values)}))
    with _KNOWN_LOCK:
        _KNOWN[readers.user.id] = (stamp, newest, rows)
    readers.memo["hidden"] = rows
    return rows


def _words(text: str) -> list[str]:
    # A name's words as they are compared: no accents, no initials ("Ana M. Ruiz" is "ana ruiz").
    return [w for w in _NAME_WORDS.findall(redact.fold(text).lower()) if len(w) >= 2]


@lru_cache(maxsize=16)
def _names_of(rows: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str, str], ...]:
    """(full name as compared, as written, address) for the names of two words or more, also last
    name first ("Ruiz, Ana") and first and last alone ("Ana Ruiz" for "Ana María Ruiz")."""
    names = set()
    for address, name in rows:
        words = _words(name)
        if len(words) < 2:
            continue
        written = " ".join(_NAME_WORDS.findall(name))
        for form in {tuple(words), (words[-1], *words[:-1]), (words[0], words[-1])}:
            names.add((" ".join(form), written, address))
    return tuple(sorted(names))


@lru_cache(maxsize=16)
def _words_of(rows: tuple[tuple[str, str], ...]) -> frozenset[str]:
    words = {w.lower() for address, name in rows for term in redact.identity_terms(redact.Who(name, address))
             for w in re.findall(r"\w+", term)}
    return frozenset(words - {"com", "org", "net", "edu", "gov"})


@lru_cache(maxsize=16)
def _automaton(names: tuple[tuple[str, str, str], ...]):
    found = ahocorasick.Automaton()
    for lowered, written, address in names:
        found.add_word(lowered, (*found.get(lowered, ()), (len(lowered), written, address)))
    found.make_automaton()
    return found


def _by_name(readers: Readers, texts) -> dict[str, str]:
    """address -> name of the hidden readers whose full name the texts write as a whole phrase."""
    names = _names_of(_hidden_rows(readers))
    if not names:
        return {}
    automaton, hits = _automaton(names), {}
    for text in texts:
        if not text:
            continue
        flat = " ".join(_words(text))
        for end, matches in automaton.iter(flat):
            for length, written, address in matches:
                start = end - length + 1
                if (start == 0 or not flat[start - 1].isalnum()) and (end + 1 == len(flat) or not flat[end + 1].isalnum()):
                    hits[address] = written
    return hits


def html_texts(html: str) -> tuple[str, ...]:
    """What of a mail's HTML names someone: its markup as sent (a mailto: link) and its words
    (tags and entities undone: "Ana&nbsp;<b>Ruiz</b>")."""
    return (html, htmllib.unescape(_TAGS.sub(" ", html))) if html else ()


def in_rows(rows) -> set[str]:
    """The addresses the rows' plain subjects and previews hold (to load with the senders)."""
    return addresses_in(*(t for r in rows for t in (r.subject, r.preview)))


def identity_words(readers: Readers) -> frozenset[str]:
    """The words that name the protected readers this viewer may not see (their names' words,
    their addresses' local parts and own domains): a search with none of them cannot find a
    tip by a mention of one, and needs no look at the texts it hits."""
    return frozenset() if is_editor(readers.user) else _words_of(_hidden_rows(readers))


def may_name(query: list[str], identity: frozenset[str]) -> bool:
    """Whether a search's words may find a hidden reader's name as the full-text index matches words:
    without accents ("Rúiz" finds "Ruiz" on SQLite) and stemmed ("Ruizes", "Anas" find "Ruiz", "Ana"):
    a query word that begins with a name word's first four letters (all of a shorter one). At worst a
    search looks at more texts than it needs."""
    keys = {redact.fold(w)[:4] for w in identity}
    return any(redact.fold(q)[:n] in keys for q in query for n in range(2, 5))


def surviving_hits(session: Session, readers: Readers, words: str, hits: dict) -> set[int]:
    """The roots of the hits (id -> row with .root) whose words still occur once the hidden readers
    their texts name are withheld (a tip, or one of its notes); a hit that names nobody hidden stays."""
    if not hits:
        return set()
    notes: dict[int, list[str]] = {}
    for tip_id, body in session.execute(select(Note.tip_id, Note.body).where(Note.tip_id.in_(list(hits)))):
        notes.setdefault(tip_id, []).append(body)
    tips = session.execute(select(Tip.id, Tip.subject, Tip.sender_address, Tip.text_body)
                           .where(Tip.id.in_(list(hits)))).all()
    readers.load(addresses_in(*(t for tip in tips for t in (tip.subject, tip.text_body, *notes.get(tip.id, [])))))
    kept: set[int] = set()
    for tip in tips:
        own = f"{tip.subject or ''}\n{tip.text_body or ''}"
        named = hidden(session, readers, tip.sender_address, own, *notes.get(tip.id, []))
        if not named or any(redact.matches_redacted(words, redact.redact_mentions(text, named))
                            for text in (own, *notes.get(tip.id, []))):
            kept.add(hits[tip.id].root)
    return kept
