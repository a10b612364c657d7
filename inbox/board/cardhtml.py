"""A card's HTML, rendered once for what it shows.

Seventy to a hundred cards make a board page, and rendering them through the card macro
was about a third of the page's time (7 ms on 100,000 tips). A card's HTML follows from
its fields alone (the Card dataclass: what this viewer may see of the tip, already masked,
its age as text, whether the viewer has opened it, what they may do) and from two flags,
the list or column form and whether the viewer is an editor. So each process keeps the
HTML of the cards it rendered last, keyed by exactly those: a card whose tip changed, or
that another viewer sees otherwise, has another key and is rendered afresh.
"""
from __future__ import annotations

from dataclasses import fields
from functools import lru_cache
from operator import attrgetter

from markupsafe import Markup

from inbox.board.queries import Card

FIELDS = attrgetter(*(f.name for f in fields(Card)))
MOST = 4096  # cards kept per process (about 1.5 kB each)


def renderer(env):
    """card_html for one app's templates (create_app registers it as a template global)."""

    @lru_cache(maxsize=MOST)
    def render(values: tuple, row: bool, editor: bool) -> Markup:
        return Markup(env.get_template("board/_card.html").module.card(Card(*values), row, editor))

    def card_html(c: Card, row: bool = False, editor: bool = False) -> Markup:
        return render(FIELDS(c), row, editor)

    return card_html

