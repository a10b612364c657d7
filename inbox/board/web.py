"""What every view needs: the settings, a database session per request, the user, the client's IP."""
from __future__ import annotations

from flask import current_app, g, request
from sqlalchemy.orm import Session

from inbox.config import Settings
from inbox.models import User


def settings() -> Settings:
    """The Settings the app was built with (never re-read from a file)."""
    return current_app.extensions["inbox"]["settings"]


def db() -> Session:
    """This request's session; closed when the request ends."""
    if "db" not in g:
        g.db = current_app.extensions["inbox"]["sessions"]()
    return g.db


def dialect() -> str:
    """"sqlite" or "postgresql": search speaks each one's full-text dialect."""
    return db().get_bind().dialect.name


def user() -> User:
    """The logged-in user (the login check ran before any view that calls this)."""
    return g.user


def client_ip() -> str:
    """The peer address; behind a proxy, configure the proxy to set it (see README)."""
    return (request.remote_addr or "")[:64]
