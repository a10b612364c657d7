"""Notification pages: the admins' channels and webhooks (/admin/notify), and each user's own
choice of emails (/account/notifications). Every change to a channel is audited; a channel's
URL and secret are shown to admins only, and never logged."""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from inbox.board import audit
from inbox.board.auth import require
from inbox.board.web import begin_write, client_ip, db, settings, user
from inbox.models import CHANNEL_EVENTS, CHANNEL_KINDS, NotifyChannel, NotifyDelivery, NotifyPref
from inbox.notify.address import refusal
from inbox.notify.deliver import resume
from inbox.notify.fanout import prefs_of

bp = Blueprint("notify", __name__)
PREF_FIELDS = {"assigned": "A tip is assigned to me", "mentioned": "Someone @mentions me in a note",
               "urgent_on_beats": "An urgent tip arrives on my beats", "digest": "A daily digest of the day's tips I can open"}


def _channel(channel_id: int) -> NotifyChannel:
    found = db().get(NotifyChannel, channel_id)
    if found is None:
        abort(404, description="There is no such channel.")
    return found


def _events() -> str:
    chosen = [e for e in request.form.getlist("events") if e in CHANNEL_EVENTS]
    if not chosen:
        abort(400, description="Pick at least one event for the channel.")
    return ",".join(chosen)


@bp.route("/admin/notify")
@require("admin")
def channels():
    """Every channel and webhook with its state (paused, and why), and the latest failures."""
    session = db()
    rows = session.scalars(select(NotifyChannel).order_by(NotifyChannel.id)).all()
    failures = session.scalars(select(NotifyDelivery).where(NotifyDelivery.channel_id.is_not(None),
                                                            NotifyDelivery.last_error != "")
                               .order_by(NotifyDelivery.id.desc()).limit(50)).all()
    return render_template("notify/channels.html", channels=rows, failures=failures, kinds=CHANNEL_KINDS,
                           events=CHANNEL_EVENTS)


@bp.route("/admin/notify", methods=["POST"])
@require("admin")
def add_channel():
    kind, url = request.form.get("kind", ""), request.form.get("url", "").strip()
    if kind not in CHANNEL_KINDS:
        abort(400, description="Kind must be slack, teams or webhook.")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc or len(url) > 2000:
        abort(400, description="Give the channel's http(s) URL.")
    refused = refusal(url, settings().notify.private_addresses, unresolved_ok=True)
    if refused:
        abort(400, description=f"That URL cannot be a channel: {refused}.")
    secret = request.form.get("secret", "").strip()[:200] or (secrets.token_urlsafe(32) if kind == "webhook" else "")
    begin_write()
    session = db()
    row = NotifyChannel(kind=kind, name=request.form.get("name", "").strip()[:200], url=url, secret=secret,
                        events=_events(), include_content=request.form.get("include_content") == "1",
                        created_by=user().id)
    session.add(row)
    session.flush()
    audit.record(session, user().id, "channel_add", "channel", row.id,
                 f"{kind}: {row.events}; content {'on' if row.include_content else 'off'}", client_ip())
    session.commit()
    flash(f"Channel #{row.id} added." + (" Its signing secret is shown in the list." if kind == "webhook" else ""))
    return redirect(url_for("notify.channels"))


@bp.route("/admin/notify/<int:channel_id>", methods=["POST"])
@require("admin")
def update_channel(channel_id: int):
    begin_write()
    row = _channel(channel_id)
    row.events = _events()
    row.include_content = request.form.get("include_content") == "1"
    row.active = request.form.get("active") == "1"
    audit.record(db(), user().id, "channel_update", "channel", row.id,
                 f"{row.events}; content {'on' if row.include_content else 'off'}; {'active' if row.active else 'off'}",
                 client_ip())
    db().commit()
    flash(f"Channel #{row.id} saved.")
    return redirect(url_for("notify.channels"))


@bp.route("/admin/notify/<int:channel_id>/resume", methods=["POST"])
@require("admin")
def resume_channel(channel_id: int):
    begin_write()
    row = _channel(channel_id)
    held = resume(db(), row)
    audit.record(db(), user().id, "channel_update", "channel", row.id, f"resumed; {len(held)} waiting sent again",
                 client_ip())
    db().commit()
    from inbox.board.web import jobs

    for delivery_id in held:
        try:
            jobs().enqueue("notify.deliver", delivery_id=delivery_id)
        except Exception:  # noqa: BLE001 - the minute's sweep sends what is due
            break
    flash(f"Channel #{row.id} resumed; {len(held)} waiting deliveries go out now.")
    return redirect(url_for("notify.channels"))


@bp.route("/admin/notify/<int:channel_id>/delete", methods=["POST"])
@require("admin")
def delete_channel(channel_id: int):
    begin_write()
    row = _channel(channel_id)
    audit.record(db(), user().id, "channel_delete", "channel", row.id, row.kind, client_ip())
    db().delete(row)
    db().commit()
    flash(f"Channel #{channel_id} removed.")
    return redirect(url_for("notify.channels"))


@bp.route("/account/notifications")
def preferences():
    """Which emails this user gets (content-free: tip id, topic, urgency and a link)."""
    return render_template("notify/preferences.html", prefs=prefs_of(db(), user().id), fields=PREF_FIELDS)


@bp.route("/account/notifications", methods=["POST"])
def save_preferences():
    begin_write()
    session = db()
    row = session.get(NotifyPref, user().id)
    if row is None:
        row = NotifyPref(user_id=user().id, last_digest_on="")
        session.add(row)
    for name in PREF_FIELDS:
        setattr(row, name, request.form.get(name) == "1")
    session.commit()
    flash("Your notification choices are saved.")
    return redirect(url_for("notify.preferences"))
