"""What the board's columns hold, kept for a moment per board state.

Counting each column (up to its cap of 1,000, a story counted once) is most of a board
page's SQL: 5 – 16 ms on 100,000 tips. Eight people with the board open ask that same
question every time anything changes, and the answer changes only when the board's state
does (live.board_state: the newest tip and the newest change). So the column totals and
the page's card ids are kept, per state and filters, for FRESH_SECONDS: any tip that
arrives and any change made on the board or through the API moves the state, and the next
page counts afresh. What changes the store without a tip event (`inbox sort --all`, a
retention run, a merge made from the command line) shows within FRESH_SECONDS.

The numbers an editor's story cards show are kept the same way (stories.story_stats: tips,
readers, first and last seen, urgency, the nearest deadline). A search is never kept: the
same words asked twice within a moment are rare on a real desk, and a cache that serves
only a benchmark's repeated words would flatter its figures.

Only ids, counts and those story numbers are kept, never a subject, a sender or a card:
what a viewer may see of each card is decided on every request (inbox.board.access.Readers).
A reporter's entries are their own (their beats and assignments are in the key); editors
share theirs.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict

FRESH_SECONDS = 3.0
MOST = 512  # entries per process: a filter's pages for a few hundred views


class Recent:
    """A small map of key -> value that forgets a value FRESH_SECONDS after it was made.

    When the state moves, every open board asks for the new totals within a second or so:
    the first request for a key makes the value and the others of this process wait for it,
    rather than each counting the same columns at once."""

    def __init__(self, fresh: float = FRESH_SECONDS, most: int = MOST, clock=time.monotonic):
        self.fresh, self.most, self.clock = fresh, most, clock
        self._values: OrderedDict = OrderedDict()
        self._making: dict = {}  # key -> Event set when its value is kept
        self._lock = threading.Lock()

    def get(self, key, make):
        """The value kept for key if it is fresh, else make()'s (kept for the next caller)."""
        while True:
            with self._lock:
                kept = self._values.get(key)
                if kept is not None and self.clock() - kept[0] < self.fresh:
                    return kept[1]
                making = self._making.get(key)
                if making is None:
                    making = self._making[key] = threading.Event()
                    break
            making.wait(10)  # another request is making it; then look again (it may have failed)
        made_at = self.clock()
        try:
            value = make()
            with self._lock:
                self._values[key] = (made_at, value)
                self._values.move_to_end(key)
                while len(self._values) > self.most:
                    self._values.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._making.pop(key, None)
            making.set()


def params_key(shape, params: dict) -> tuple:
    """The bound values a shape's statements use, as a key: an editor's own id is not among
    them (only a reporter's clauses name the viewer), so every editor shares an entry."""
    used = {k: v for k, v in params.items() if k not in ("me", "beats") or shape.reporter}
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in used.items()))
