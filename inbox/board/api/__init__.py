"""The JSON API under /api/v1: the board's tips, threads, notes and stories for the newsroom's
other tools, authenticated by personal access tokens, by the board's own rules.

web.py holds the blueprint and the bearer check; each resource has its module; openapi.py
is the document at /api/v1/openapi.json (tests/api keeps it true); page.py is the
browser's token page (/account/tokens) and tokens.py the functions behind it and `inbox token`.
"""
from __future__ import annotations

from inbox.board.api import docs, me, stories, tips, web  # noqa: F401  (each registers its routes)

bp = web.bp
