"""The triage board: create_app(settings) builds the Flask app; importing this has no side effects.

The board reads what the pipeline stored and never imports the mailbox code.
Each area is a blueprint declared at module level in its own module; the views are
thin and call plain functions (access, queries, actions) that tests call directly.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask, g
from sqlalchemy.orm import Session, sessionmaker

from inbox.config import ConfigError, Settings

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
STATIC = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings, sessions: sessionmaker[Session] | None = None, vault=None) -> Flask:
    """The board for these settings; sessions defaults to the configured database. vault: the desk
    key unlocked by the caller (`inbox board` asks for its passphrase), else unlocked here."""
    if not settings.board.secret_key:
        raise ConfigError("board.secret_key: required to sign session cookies (use \"env:INBOX_SECRET_KEY\")")
    if vault is None:
        from inbox.vault import VaultError, unlock

        try:
            vault = unlock(settings.encryption)
        except VaultError as exc:
            raise ConfigError(f"encryption: {exc}") from None
    if sessions is None:
        from inbox.db import make_engine, session_factory

        sessions = session_factory(make_engine(settings.database_url, echo=settings.database.echo))
    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder=str(STATIC), static_url_path="/static")
    app.config.update(
        SECRET_KEY=settings.board.secret_key,
        SESSION_COOKIE_NAME="inbox_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.board.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.board.session_minutes),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        TEMPLATES_AUTO_RELOAD=False,
    )
    from inbox.board.recent import Recent

    app.extensions["inbox"] = {"settings": settings, "sessions": sessions, "vault": vault, "recent": Recent()}
    from inbox.board.params import IdConverter
    from inbox.board.sessions import ServerSessions

    app.session_interface = ServerSessions()  # the cookie is a token; the database holds the session
    app.url_map.converters["int"] = IdConverter  # ids in URLs: ASCII digits, within the database's integer
    # Templates' indentation is for people; the board page repeats it for every card.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    from inbox.board.cardhtml import renderer

    app.jinja_env.globals["card_html"] = renderer(app.jinja_env)

    from inbox.board import (account, admin, api, attachments, auth, board, canned, desk, export, holds, live, metrics,
                             notify, readers, resets, security, storyviews, tips)
    from inbox.board.api import page as token_page

    metrics.install(app, sessions)  # first: its timer starts before every other hook and stops after them
    for module in (auth, security, board, tips, storyviews, live, readers, admin, desk, account, resets, canned, holds,
                   attachments, export, notify, metrics, api, token_page):
        app.register_blueprint(module.bp)

    @app.teardown_appcontext
    def _close_session(_exc):
        from inbox.board.web import release_write_lock

        db = g.pop("db", None)
        if db is not None:
            db.close()
        release_write_lock()

    return app
