"""WSGI entry point for production servers: `gunicorn -w 4 "inbox.board.wsgi:app"`.

Reads the configuration named by INBOX_CONFIG (default ./config.toml) once, here at the
edge, as the command line does; importing inbox.board itself still has no side effects.
"""
from __future__ import annotations

import os

from inbox import config
from inbox.board import create_app

app = create_app(config.load(os.environ.get("INBOX_CONFIG", "config.toml")))
