"""A gazetteer for the story index: the county a named place lies in.

Readers of one event name it at different scales: "Penn Hills", "Brentwood" and
"the Allegheny County 911 center"; "Harborcreek" and "Erie". Each tip then
shares no name, though all are places of one county. This table (U.S. postal
places and counties -> their counties, data/places.tsv.gz, built by
scripts/build_places.py from the zipcodes package) gives each place name a
tip writes its *region* terms ("allegheny|PA"), which the story index counts
as evidence for a story (the rarest shared region, once) and never against it.

Keys are written as inbox.sort.salient writes a name (lower case, civic nouns
that open or end it dropped): the table and the tips meet on the same form.
Where one name is found in several counties, the table keeps those holding at
least MIN_SHARE of its ZIP codes (the city a reader means); a name in more than
MAX_REGIONS counties even then tells no region and is not in the table.
"""
from __future__ import annotations

import gzip
import threading
from pathlib import Path

from inbox.sort.salient import CIVIC, GENERIC, NOT_NAMES, TITLES, WHERE

TABLE = Path(__file__).with_name("data") / "places.tsv.gz"
MAX_REGIONS = 3  # "Erie" (PA, NY) still tells a region together with a neighbour; "Franklin" does not
MIN_SHARE = 0.2  # of a name's ZIP codes, for a county to be one the name may mean (a town's one ZIP is not the city's)

_table: dict[str, tuple[str, ...]] | None = None
_lock = threading.Lock()


def region_name(county: str, state: str) -> str:
    """A county as a region term's text: "Allegheny County", "PA" -> "allegheny|PA"."""
    words = county.lower().replace(".", "").split()
    while words and words[-1] in ("county", "parish", "borough", "municipality", "city", "and", "census", "area"):
        words.pop()
    return f"{' '.join(words)}|{state.upper()}"


def key(name: str) -> str:
    """A place's name as salient.names() writes it: lower case, titles and civic nouns that open
    it and civic nouns that end it dropped ("Lawrence Park Township" -> "lawrence"); a lone word
    that is generic or a function word names nothing ("" then)."""
    words = [w for w in name.lower().replace(".", "").replace("'", "").split() if w]
    words = ["saint" if w == "st" and i == 0 else w for i, w in enumerate(words)]
    while words and words[-1] in CIVIC:
        words.pop()
    start = 0
    while start < len(words) and (words[start] in TITLES or words[start] in CIVIC):
        start += 1
    words = words[start:]
    if len(words) == 1 and (words[0] in GENERIC or words[0] in NOT_NAMES or len(words[0]) < 2):
        return ""
    return " ".join(words[:4])


def load(path: Path = TABLE) -> dict[str, tuple[str, ...]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = (line.rstrip("\n").split("\t") for line in fh if not line.startswith("#"))
        return {k: tuple(v.split(";")) for k, v in rows}


def table() -> dict[str, tuple[str, ...]]:
    """The shipped table, read once per process (an empty one when the file is missing)."""
    global _table
    with _lock:
        if _table is None:
            _table = load() if TABLE.exists() else {}
        return _table


def regions(names: dict[str, int]) -> set[str]:
    """The regions of the places among a tip's salient names (name -> kinds): a name as a whole,
    never a word of a longer one ("Northeast Extension" is no town called Extension, "Kennett
    Square" no Kennett, Missouri), unless the tip also names that word as a place of its own."""
    found = table()
    parts = {w for name in names if " " in name for w in name.split()}
    out: set[str] = set()
    for name, kind in names.items():
        if name not in parts or kind & WHERE:
            out.update(found.get(name, ()))
    return out
