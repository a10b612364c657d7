"""The story page and the actions on a whole story (thin views over inbox.board.stories)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for

from inbox.board import actions, audit, stories
from inbox.board.access import STATUS_LABELS, STATUSES
from inbox.board.params import parse_int
from inbox.board.queries import user_labels
from inbox.board.web import begin_write, client_ip, db, settings, user, vault, wants_json

bp = Blueprint("stories", __name__, url_prefix="/stories")


@bp.route("/<int:story_id>")
def show(story_id: int):
    """The story: its readers' tips the viewer may open, masked as on the board; opening it is audited."""
    session = db()
    users = user_labels(session)
    try:
        page = stories.story_page(session, user(), story_id, users, settings().board.secret_key, vault())
    except actions.ActionError as exc:
        abort(exc.code, description=str(exc))
    html = render_template("board/story.html", s=page, statuses=STATUSES, labels=STATUS_LABELS, users=users)
    begin_write()
    audit.record(session, user().id, "view", "story", story_id, ip=client_ip())
    session.commit()
    return html


def _versions(story_id: int) -> tuple[dict[int, int], bool]:
    # The story page sends every tip's version ("versions"); a board card sends its lead's
    # ("tip" and "version"), and the story's other tips are taken as they are now.
    if request.form.get("versions", "").strip():
        return stories.parse_versions(request.form["versions"]), False
    return {parse_int(request.form.get("tip"), "tip"): parse_int(request.form.get("version"), "version", lo=0)}, True


def _act(story_id: int, verb: str, arg: str, message: str):
    session = db()
    try:
        versions, rest_as_is = _versions(story_id)
        count = stories.act_on_story(session, user(), story_id, versions, verb, arg, client_ip(), rest_as_is)
        session.commit()
    except actions.ActionError as exc:
        session.rollback()
        abort(exc.code, description=str(exc))
    message = f"{message} ({count} tip{'s' if count != 1 else ''} of the story)."
    if wants_json():
        return jsonify(ok=True, message=message, story=story_id)
    flash(message)
    if request.form.get("next") == "board":
        query = request.form.get("query", "")
        return redirect(url_for("board.index") + ("?" + query if query else ""))
    return redirect(url_for("stories.show", story_id=story_id))


@bp.route("/<int:story_id>/status", methods=["POST"])
def status(story_id: int):
    """Move every tip of the story to another column."""
    new = request.form.get("status", "")
    return _act(story_id, "status", new, f"Moved the story to {STATUS_LABELS.get(new, new)}")


@bp.route("/<int:story_id>/assign", methods=["POST"])
def assign(story_id: int):
    """An editor gives the whole story to someone, or to nobody."""
    raw = request.form.get("assignee_id", "").strip()
    arg = "none" if raw in ("", "none") else str(parse_int(raw, "assignee_id"))
    return _act(story_id, "assign", arg, "Assigned the story")


@bp.route("/<int:story_id>/claim", methods=["POST"])
def claim(story_id: int):
    """A reporter takes the story's tips that nobody has yet."""
    return _act(story_id, "claim", "", "The story is yours")
