"""The desk's list of topics, as the board offers it: the configured topics (or the
built-in desk), plus those an admin added in the browser, minus those retired.

Correcting a topic and choosing a reporter's beats pick from this list, so a typo can
never become a new topic in everyone's filter; the server refuses a name not on it.
Admins add and retire topics on /admin/topics, and each change is audited.
"""
from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inbox.board import audit
from inbox.board.auth import require
from inbox.board.web import client_ip, db, settings, user
from inbox.config import Settings
from inbox.models import DeskTopic, Tip, utcnow

bp = Blueprint("desk", __name__, url_prefix="/admin/topics")
MAX_NAME = 200
# A topic's name is words, digits, spaces and a little punctuation ("Courts & lawsuits");
# never a comma, which separates a reporter's beats.
NAME = re.compile(r"^[\w][\w &'./()+-]*$")


class TopicError(ValueError):
    """A name the desk's list refuses, with the reason to show beside the field."""


def configured(config: Settings) -> tuple[str, ...]:
    """The configuration's topic names, or the built-in desk's."""
    from inbox.sort.topics import default_topics

    return tuple(t.name for t in config.sorting.topics or default_topics())


def topic_list(session: Session, config: Settings) -> list[str]:
    """The names a person may choose today, configured ones first, in their order."""
    rows = session.scalars(select(DeskTopic).order_by(DeskTopic.name)).all()
    retired = {r.name for r in rows if r.retired_at is not None}
    names = [n for n in configured(config) if n not in retired]
    names += [r.name for r in rows if r.added and r.retired_at is None and r.name not in names]
    return names


def canonical(session: Session, config: Settings, given: str) -> str | None:
    """The listed topic this name means (any case, spaces trimmed), or None."""
    wanted = " ".join(given.split()).casefold()
    return next((n for n in topic_list(session, config) if n.casefold() == wanted), None)


def add_topic(session: Session, config: Settings, name: str, by: int) -> str:
    """Put a new name on the list (or bring a retired one back); returns the name as stored."""
    name = " ".join(name.split())
    if not name:
        raise TopicError("Give the new topic a name.")
    if len(name) > MAX_NAME or not NAME.match(name):
        raise TopicError("A topic's name is letters, digits, spaces and & ' . / ( ) + - (no commas), "
                         f"at most {MAX_NAME} characters.")
    if canonical(session, config, name) is not None:
        raise TopicError(f"“{canonical(session, config, name)}” is on the list already.")
    row = session.scalar(select(DeskTopic).where(func.lower(DeskTopic.name) == name.lower()))
    if row is not None:  # retired before: bring it back under its old spelling
        row.retired_at = None
        name = row.name
    else:
        session.add(DeskTopic(name=name, added=True, created_by=by))
    session.flush()
    return name


def retire_topic(session: Session, config: Settings, name: str) -> str:
    """Take a name off the list: tips keep it, nobody can choose it again until it is added back."""
    found = canonical(session, config, name)
    if found is None:
        raise TopicError("That topic is not on the list.")
    row = session.scalar(select(DeskTopic).where(DeskTopic.name == found))
    if row is None:
        row = DeskTopic(name=found, added=False)
        session.add(row)
    row.retired_at = utcnow()
    session.flush()
    return found


def in_use(session: Session) -> dict[str, int]:
    """topic -> how many tips carry it (for the admin page)."""
    return dict(session.execute(select(Tip.topic, func.count()).where(Tip.topic.is_not(None)).group_by(Tip.topic)).all())


def parse_beats(session: Session, config: Settings, chosen: list[str]) -> tuple[str, str | None]:
    """Beats from the user form (the topics picked; a hand-made request may send names
    separated by commas): the names as the desk spells them, and an error or None.

    Names match as on the command line (`inbox user add --beats`): any case, the start of
    a name or one of its words, and a typo is refused with the nearest name."""
    from inbox.cli import UsageError
    from inbox.commands.board import match_beats

    given = ",".join(c for c in chosen if c.strip())
    try:
        return match_beats(given, tuple(topic_list(session, config))), None
    except UsageError as exc:
        message = str(exc)
        return "", message[0].upper() + message[1:] + ("" if message.endswith(("?", ".")) else ".")


@bp.before_request
@require("admin")
def _admins_only():
    return None


def _page(error: str | None = None, typed: str = "", code: int = 200):
    session = db()
    retired = session.scalars(select(DeskTopic).where(DeskTopic.retired_at.is_not(None)).order_by(DeskTopic.name)).all()
    return render_template("admin/topics.html", topics=topic_list(session, settings()), retired=retired,
                           configured=set(configured(settings())), counts=in_use(session), error=error,
                           typed=typed), code


@bp.route("")
def topics():
    """The desk's list: every topic, how many tips carry it; add or retire one."""
    return _page()


@bp.route("", methods=["POST"])
def add():
    """Add a topic to the list (audited)."""
    typed = request.form.get("name", "")
    session = db()
    try:
        name = add_topic(session, settings(), typed, user().id)
    except TopicError as exc:
        session.rollback()
        return _page(str(exc), typed, 400)
    audit.record(session, user().id, "topic_add", "topic", None, name, client_ip())
    session.commit()
    flash(f"“{name}” is on the desk's list.")
    return redirect(url_for("desk.topics"))


@bp.route("/retire", methods=["POST"])
def retire():
    """Retire a topic (audited): tips keep it, it is no longer offered."""
    session = db()
    try:
        name = retire_topic(session, settings(), request.form.get("name", ""))
    except TopicError as exc:
        session.rollback()
        return _page(str(exc), code=400)
    audit.record(session, user().id, "topic_retire", "topic", None, name, client_ip())
    session.commit()
    flash(f"“{name}” is retired: tips keep it, nobody can pick it until it is added again.")
    return redirect(url_for("desk.topics"))
