"""The tip page and the actions on tips (thin views over inbox.board.actions)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for

from inbox.board import actions, audit, desk, suggestions
from inbox.board.access import STATUS_LABELS, STATUSES, Readers, may
from inbox.board.params import int_list, parse_int
from inbox.board.queries import user_labels
from inbox.board.attachments import image_links
from inbox.board.desk import topic_list
from inbox.board.tippage import tip_page
from inbox.board.web import begin_write, client_ip, db, raw_bytes, settings, user, vault, wants_json
from inbox.board.why import explain

bp = Blueprint("tips", __name__, url_prefix="/tips")


def _int(name: str, allow_none: bool = False) -> int | None:
    raw = request.form.get(name, "").strip()
    if allow_none and raw in ("", "none"):
        return None
    return parse_int(raw, name, lo=0)


def _render(tip_id: int, conflict: str | None = None, code: int = 200, errors: dict | None = None,
            typed: dict | None = None):
    """The tip page; errors (field -> message) show beside their fields, typed keeps what was sent."""
    session = db()
    origin = request.host_url.rstrip("/")  # scheme://host:port, for the iframe's image policy
    board = settings().board
    users = user_labels(session)
    page = tip_page(session, user(), tip_id, image_links(), origin, board.max_html_bytes, board.secret_key,
                    settings().retention.rules, vault(), users)
    return render_template("tips/tip.html", p=page, conflict=conflict, statuses=STATUSES, labels=STATUS_LABELS,
                           users=users, desk_topics=topic_list(session, settings()),
                           why=explain(page), errors=errors or {}, typed=typed or {}), code


def _act(tip_id: int, fn, *args, message: str, learns: bool = False, stories: bool = False, field: str = ""):
    session = db()
    try:
        extra = {"retrain_after": settings().sorting.retrain_after} if learns else {}
        if stories:  # an editor's word on two tips' story: recalibrated as this desk is configured
            extra["stories"] = settings().sorting.stories
        retrain_due = fn(session, user(), *args, ip=client_ip(), **extra)
        session.commit()
    except actions.Conflict as exc:
        session.rollback()
        if wants_json():
            abort(409, description=str(exc))
        return _render(tip_id, conflict=str(exc), code=409)
    except actions.ActionError as exc:
        session.rollback()
        if field and exc.code == 400:  # a form's own mistake: say so beside the field, keep what was typed
            return _field_error(tip_id, field, str(exc))
        abort(exc.code, description=str(exc))
    if learns and retrain_due:
        _start_retrain()
    _notify()
    if wants_json():  # the board's script: no page load, it refreshes what changed itself
        return jsonify(ok=True, message=message, tip=tip_id)
    flash(message)
    target = request.form.get("next", "")
    if target == "board":
        return redirect(url_for("board.index") + ("?" + request.form.get("query", "") if request.form.get("query") else ""))
    return redirect(url_for("tips.show", tip_id=tip_id))


def _notify() -> None:
    # The change raised notification events (committed with it): a job fans them out.
    from inbox import notify
    from inbox.board.web import jobs

    notify.kick(jobs())


def _field_error(tip_id: int, field: str, message: str):
    try:
        return _render(tip_id, code=400, errors={field: message}, typed=request.form.to_dict())
    except actions.ActionError as exc:
        abort(exc.code, description=str(exc))


def _start_retrain() -> None:
    # Editors' labels made a retrain due: the jobs consumer retrains, never the request (and
    # the worker picks the new model up on its next pass).
    from inbox.board.web import jobs

    jobs().enqueue("sort.retrain")


@bp.route("/<int:tip_id>")
def show(tip_id: int):
    """The tip page; opening it is audited, as the source's words are read."""
    session = db()
    try:
        result = _render(tip_id)
    except actions.ActionError as exc:
        abort(exc.code, description=str(exc))
    begin_write(first=audit.entry(user().id, "view", "tip", tip_id, ip=client_ip()))
    session.commit()
    return result


@bp.route("/<int:tip_id>/status", methods=["POST"])
def status(tip_id: int):
    """Move a tip to another column (version-checked)."""
    new = request.form.get("status", "")
    return _act(tip_id, actions.set_status, tip_id, _int("version"), new, message=f"Moved to {STATUS_LABELS.get(new, new)}.",
                learns=True)


@bp.route("/<int:tip_id>/spam", methods=["POST"])
def spam(tip_id: int):
    """Mark a tip spam: a verdict sorting learns from."""
    return _act(tip_id, actions.set_status, tip_id, _int("version"), "spam", message="Marked as spam.", learns=True)


@bp.route("/<int:tip_id>/assign", methods=["POST"])
def assign(tip_id: int):
    """An editor gives the tip to someone, or to nobody."""
    return _act(tip_id, actions.assign, tip_id, _int("version"), _int("assignee_id", allow_none=True), message="Assigned.")


@bp.route("/<int:tip_id>/claim", methods=["POST"])
def claim(tip_id: int):
    """A reporter takes an unassigned tip."""
    return _act(tip_id, actions.claim, tip_id, _int("version"), message="It is yours.")


@bp.route("/<int:tip_id>/topic", methods=["POST"])
def topic(tip_id: int):
    """Correct the topic: a label sorting learns from."""
    given = request.form.get("topic", "")
    topic = desk.canonical(db(), settings(), given)
    if topic is None:
        return _field_error(tip_id, "topic", "Pick a topic from the desk's list" + (
            f": “{given.strip()[:200]}” is not on it." if given.strip() else ".") + " An admin can add topics.")
    return _act(tip_id, actions.correct_topic, tip_id, _int("version"), topic, message="Topic corrected.", learns=True,
                field="topic")


@bp.route("/<int:tip_id>/notes", methods=["POST"])
def note(tip_id: int):
    """Add an internal note (searchable, never shown to the sender)."""
    return _act(tip_id, actions.add_note, tip_id, request.form.get("body", ""), message="Note added.", field="body")


@bp.route("/<int:tip_id>/reply", methods=["POST"])
def reply(tip_id: int):
    """Write to the tip's reader: stored, audited, then sent by the job queue (inbox/outgoing)."""
    from inbox.board import replies
    from inbox.board.web import jobs
    from inbox.outgoing import send_later

    raw_template = request.form.get("template_id", "").strip()
    template_id = parse_int(raw_template, "template_id", lo=1) if raw_template else None
    session = db()
    begin_write()
    try:
        row = replies.send_reply(session, user(), tip_id, settings(), body=request.form.get("body", ""),
                                 quoted=request.form.get("quoted", "") if request.form.get("quote") else "",
                                 template_id=template_id, ip=client_ip())
        session.commit()
    except actions.ActionError as exc:
        session.rollback()
        abort(exc.code, description=str(exc))
    row_id = row.id
    try:
        send_later(jobs(), row_id)
    except Exception:  # noqa: BLE001 - stored and queued in the database: the sweep sends it
        flash("Reply stored; it will be sent shortly.")
        return redirect(url_for("tips.show", tip_id=tip_id) + "#replies")
    flash("Reply queued.")
    return redirect(url_for("tips.show", tip_id=tip_id) + "#replies")


@bp.route("/<int:tip_id>/story-ran", methods=["POST"])
def story_ran(tip_id: int):
    """Link a published story to the tip's thread or story card; its readers may get a note."""
    from inbox.board.storyran import link_story
    from inbox.board.web import jobs
    from inbox.outgoing import send_later

    session = db()
    begin_write()
    try:
        _story, queued = link_story(session, user(), tip_id, settings(), url=request.form.get("url", ""),
                                    headline=request.form.get("headline", ""),
                                    scope="cluster" if request.form.get("scope") == "cluster" else "tip", ip=client_ip())
        session.commit()
    except actions.ActionError as exc:
        session.rollback()
        abort(exc.code, description=str(exc))
    for row_id in queued:
        try:
            send_later(jobs(), row_id)
        except Exception:  # noqa: BLE001 - queued in the database: the sweep sends it
            break
    flash(f"Story linked; {len(queued)} reader{'s' if len(queued) != 1 else ''} told." if queued else "Story linked.")
    return redirect(url_for("tips.show", tip_id=tip_id))


@bp.route("/<int:tip_id>/merge", methods=["POST"])
def merge(tip_id: int):
    """Fold this tip into another tip's thread (undone by split)."""
    into = request.form.get("into", "").strip().lstrip("#")
    if not (into.isascii() and into.isdigit()) or len(into) > 12:
        return _field_error(tip_id, "into", "Give the number of the tip to merge into, like 1234.")
    return _act(tip_id, actions.merge, tip_id, _int("version"), parse_int(into, "into"), message=f"Merged into #{into}.",
                stories=True, field="into")


@bp.route("/<int:tip_id>/split", methods=["POST"])
def split(tip_id: int):
    """Undo this tip's last merge."""
    return _act(tip_id, actions.split, tip_id, _int("version"), message="Split out again.", stories=True)


@bp.route("/<int:tip_id>/suggestions/<int:suggestion_id>/accept", methods=["POST"])
def accept_suggestion(tip_id: int, suggestion_id: int):
    """"Same story": join the two suggested tips in one cluster (editors)."""
    return _act(tip_id, suggestions.accept, tip_id, suggestion_id,
                message=f"Same story: suggestion #{suggestion_id} accepted, the tips share a cluster now.", stories=True)


@bp.route("/<int:tip_id>/suggestions/<int:suggestion_id>/dismiss", methods=["POST"])
def dismiss_suggestion(tip_id: int, suggestion_id: int):
    """"Different story": close the suggestion, leaving both tips where they are (editors)."""
    return _act(tip_id, suggestions.dismiss, tip_id, suggestion_id,
                message=f"Different stories: suggestion #{suggestion_id} dismissed.", stories=True)


@bp.route("/bulk", methods=["POST"])
def bulk():
    """One action on every selected card."""
    if not all(i.isdigit() for i in request.form.getlist("ids") + request.form.getlist("stories")):
        abort(400, description="The selection is not valid.")
    tip_ids, story_ids = int_list("ids"), int_list("stories")
    session = db()
    try:
        count = actions.bulk(session, user(), tip_ids, request.form.get("action", ""), ip=client_ip(),
                             story_ids=story_ids)
        session.commit()
    except actions.ActionError as exc:
        session.rollback()
        if exc.code != 400 or wants_json():
            abort(exc.code, description=str(exc))
        # Nothing selected, too many, no action: back to the same board view, the reason on top.
        flash(f"{exc} Nothing was changed.", "error")
        return redirect(_board_url(), code=303)
    _notify()
    if wants_json():
        return jsonify(ok=True, message=f"Done for {count} tips.")
    flash(f"Done for {count} tips.")
    return redirect(_board_url())


def _board_url() -> str:
    query = request.form.get("query", "")
    return url_for("board.index") + ("?" + query if query else "")


@bp.route("/<int:tip_id>/raw")
def export(tip_id: int):
    """The original message as an .eml download, for editors; audited."""
    session, me = db(), user()
    try:
        tip = actions.load_tip(session, me, tip_id)
    except actions.ActionError as exc:
        abort(exc.code, description=str(exc))
    if not may(me, "export", tip) or Readers(session, me, settings().board.secret_key).masked(tip.sender_address):
        abort(403, description="Only editors may export the original message.")
    data = raw_bytes(tip.raw.data, tip.raw.key_id)
    begin_write()
    audit.record(session, me.id, "export", "tip", tip_id, ip=client_ip())
    session.commit()
    return Response(data, mimetype="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="tip-{tip_id}.eml"',
        "Content-Security-Policy": "default-src 'none'; sandbox",
    })
