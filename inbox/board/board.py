"""The board: a column per status, filters, search, pagination and saved views."""
from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from inbox.board.access import STATUS_LABELS, STATUSES, is_editor, may
from inbox.board.desk import topic_list
from inbox.board.live import board_state
from inbox.board.queries import FLAGS, Filters, board_page, topics, user_labels
from inbox.board.web import db, dialect, recent, settings, user, vault
from inbox.models import Mailbox, SavedView

bp = Blueprint("board", __name__)


def _filters(args) -> Filters:
    try:
        return Filters.from_args(args, settings().board.cards_per_column)
    except ValueError as exc:
        abort(400, description=f"Bad filter: {exc}.")


def lenient_filters(args, default_per: int) -> tuple[Filters, dict[str, str]]:
    """The filters without the bad values, and field -> what is wrong with it: the board is
    shown with the message beside the field, not a bare 400 (a hand-edited date, say)."""
    args, errors = MultiDict(args), {}
    for _ in range(len(args) + 1):
        try:
            return Filters.from_args(args, default_per), errors
        except ValueError as exc:
            message = str(exc).rstrip(".")
            name = message.split(" ", 1)[0]
            if name not in args or name in errors:
                break
            errors[name] = message[0].upper() + message[1:] + "."
            args.poplist(name)
    return Filters(per=default_per, default_per=default_per), errors


@bp.route("/")
def index():
    """The board: a column per status under the filters in the query string."""
    session, me = db(), user()
    filters, errors = lenient_filters(request.args, settings().board.cards_per_column)
    users, state = user_labels(session), board_state(session)  # the state first: the page is as new as it says
    page = board_page(session, me, filters, dialect(), users, settings().board.secret_key, vault(), recent(), state)
    return render_template(
        "board/board.html", page=page, filters=filters, encrypted=vault() is not None, statuses=STATUSES, labels=STATUS_LABELS, flags=FLAGS,
        topics=topics(session), desk_topics=topic_list(session, settings()), users=users, editor=is_editor(me),
        may_export=may(me, "export", None),
        state=state, poll_seconds=settings().board.poll_seconds,
        mailboxes=session.execute(select(Mailbox.id, Mailbox.name).order_by(Mailbox.name)).all(),
        views=session.scalars(select(SavedView).where(SavedView.user_id == me.id).order_by(SavedView.name)).all(),
        filter_errors=errors, typed=request.args,
    ), 400 if errors else 200


@bp.route("/views", methods=["POST"])
def save_view():
    """Save the current filters under a name, for this user only."""
    name = request.form.get("name", "").strip()[:200]
    query = request.form.get("query", "")[:2000]
    if not name:
        abort(400, description="Give the view a name.")
    saved = _filters(MultiDict(parse_qsl(query))).query_string(page=1)
    session = db()
    session.add(SavedView(user_id=user().id, name=name, query=saved))
    session.commit()
    flash(f"Saved the view “{name}”.")
    return redirect(url_for("board.index") + (f"?{saved}" if saved else ""))


@bp.route("/views/<int:view_id>/delete", methods=["POST"])
def delete_view(view_id: int):
    """Delete one of the user's own saved views."""
    session = db()
    view = session.get(SavedView, view_id)
    if view is None or view.user_id != user().id:
        abort(404, description="There is no such saved view.")
    session.delete(view)
    session.commit()
    return redirect(url_for("board.index"))


@bp.route("/help")
def help_page():
    """The keyboard shortcuts, for readers without the script."""
    return render_template("board/help.html", editor=is_editor(user()))
