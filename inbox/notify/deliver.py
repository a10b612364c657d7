"""Deliver one row: claim it, post it (or hand an email to outgoing mail), record the outcome.

The claim is an UPDATE that moves the row's next try into the future (a lease): a second job
or the sweep finds it not due and leaves it, and if this process dies mid-post the lease runs
out and the sweep sends it again (at least once; receivers dedupe on X-Inbox-Delivery). A
failure waits twice as long as the one before; a channel whose tries keep failing is paused,
with the reason the admin page shows, and its deliveries wait (held) until it is resumed.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import random
import time
import urllib.error
import urllib.request
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from inbox.config import NotifySettings, Settings
from inbox.db import take_write_lock, write_afresh
from inbox.models import NotifyChannel, NotifyDelivery, NotifyEvent, User, utcnow
from inbox.notify import payloads
from inbox.notify.address import checked, opener

log = logging.getLogger(__name__)
SUBSCRIPTION_ORDER = ("tip.urgent", "tip.assigned", "tip.created", "tip.updated", "story.changed")


class DeliveryFailed(Exception):
    """The endpoint refused or did not answer; the message is its status or the error's kind."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Inbox-Signature value: HMAC-SHA256 over "<timestamp>.<body>", keyed by the secret."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def backoff(cfg: NotifySettings, attempts: int) -> float:
    return min(cfg.backoff_seconds * 2 ** max(attempts - 1, 0), cfg.max_backoff_seconds) * random.uniform(0.8, 1.2)


def claim(session: Session, cfg: NotifySettings, delivery_id: int) -> NotifyDelivery | None:
    """Take the row if it is due; None when it is not (sent, held, or another job has it)."""
    now = utcnow()
    lease = now + timedelta(seconds=cfg.timeout_seconds * 3 + 60)
    taken = session.execute(
        update(NotifyDelivery).where(NotifyDelivery.id == delivery_id, NotifyDelivery.state == "queued",
                                     NotifyDelivery.next_attempt_at <= now)
        .values(next_attempt_at=lease, attempts=NotifyDelivery.attempts + 1).execution_options(synchronize_session=False))
    session.commit()
    return session.get(NotifyDelivery, delivery_id) if taken.rowcount == 1 else None


def deliver(session: Session, settings: Settings, delivery_id: int, queue=None) -> str:
    """Try one delivery; returns its state afterwards ("skipped" when it was not ours to try)."""
    cfg = settings.notify
    row = claim(session, cfg, delivery_id)
    if row is None:
        return "skipped"
    event = session.get(NotifyEvent, row.event_id)
    channel = session.get(NotifyChannel, row.channel_id) if row.channel_id is not None else None
    if channel is not None and (channel.paused_at is not None or not channel.active):
        write_afresh(session)
        row.state, row.attempts = "held", row.attempts - 1
        session.commit()
        return row.state
    try:
        if channel is not None:
            post(channel, _channel_body(session, settings, channel, event, row), cfg, row.id, event)
        else:
            _email(session, settings, row, event, queue)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row, then retried or given up
        return _failed(session, cfg, row, channel, exc, queue)
    write_afresh(session)  # the post took a while: the worker may have committed since this read began
    row.state, row.sent_at, row.last_error = "sent", utcnow(), ""
    if channel is not None:
        channel.consecutive_failures, channel.last_success_at = 0, utcnow()
    session.commit()
    log.info("notify: delivery %s sent (event %s, %s)", row.id, event.id, row.target)
    return row.state


def _subscription(channel: NotifyChannel, event: NotifyEvent, session: Session) -> str:
    from inbox.models import Tip
    from inbox.notify.fanout import channel_events

    tip = session.get(Tip, event.tip_id) if event.tip_id is not None else None
    names = channel_events(event, tip) & set(channel.event_list)
    return next((n for n in SUBSCRIPTION_ORDER if n in names), event.kind)


def _channel_body(session: Session, settings: Settings, channel: NotifyChannel, event: NotifyEvent,
                  row: NotifyDelivery) -> bytes:
    name = _subscription(channel, event, session)
    if channel.kind == "webhook":
        name = "tip.urgent" if name == "tip.urgent" else event.kind
    n = payloads.notice(session, settings, event, name, content=channel.include_content, viewer=None)
    if channel.kind == "slack":
        return payloads.body_bytes(payloads.slack(n))
    if channel.kind == "teams":
        return payloads.body_bytes(payloads.teams(n))
    return payloads.body_bytes(payloads.webhook(n, row.id, event.created_at.isoformat() + "Z"))


def post(channel: NotifyChannel, body: bytes, cfg: NotifySettings, delivery_id: int, event: NotifyEvent) -> None:
    """POST the JSON; a 2xx answer is success, anything else (a redirect too, never followed, and
    an address inside the network unless the desk allows it) a DeliveryFailed saying why."""
    refused, addresses = checked(channel.url, cfg.private_addresses, unresolved_ok=False)
    if refused:
        raise DeliveryFailed(f"not sent: {refused}"[:200])
    headers = {"Content-Type": "application/json", "User-Agent": "tip-inbox-notify"}
    if channel.kind == "webhook":
        stamp = str(int(time.time()))
        headers.update({"X-Inbox-Event": event.kind, "X-Inbox-Delivery": str(delivery_id), "X-Inbox-Timestamp": stamp,
                        "X-Inbox-Signature": sign(channel.secret, stamp, body)})
    request = urllib.request.Request(channel.url, data=body, headers=headers, method="POST")
    try:
        # an admin's http(s) URL, checked above: posted to the addresses the check found
        with opener(channel.url, addresses).open(request, timeout=cfg.timeout_seconds) as answer:
            answer.read(1024)
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"HTTP {exc.code} {exc.reason}"[:200]) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryFailed(f"no answer ({type(reason).__name__ if not isinstance(reason, str) else reason})"[:200]) from None


def _email(session: Session, settings: Settings, row: NotifyDelivery, event: NotifyEvent, queue) -> None:
    """Hand the email to outgoing mail (stored, then sent by its own job with its own retries)."""
    from inbox.outgoing import queue_message, send_later

    write_afresh(session)  # all of it is in the store: read and write as one writer
    who = session.get(User, row.user_id)
    if who is None or not who.active:
        raise DeliveryFailed("the user is gone or inactive")
    if event.kind == "digest":
        from inbox.notify.digest import digest_email

        subject, body = digest_email(session, settings, who)
    else:
        name = {"note.mention": "note.mention", "tip.created": "tip.urgent"}.get(event.kind, "tip.assigned")
        n = payloads.notice(session, settings, event, name, content=settings.notify.email_include_content, viewer=who)
        subject, body = payloads.email(n)
    message = queue_message(session, kind=f"notify.{event.kind}", to=who.email, subject=subject, body=body,
                            tip_id=event.tip_id, user_id=who.id)
    row.state, row.sent_at, row.last_error = "sent", utcnow(), ""
    session.commit()
    if queue is not None:
        send_later(queue, message.id)


def _failed(session: Session, cfg: NotifySettings, row: NotifyDelivery, channel: NotifyChannel | None,
            exc: Exception, queue) -> str:
    session.rollback()
    take_write_lock(session)
    row = session.get(NotifyDelivery, row.id)
    channel = session.get(NotifyChannel, channel.id) if channel is not None else None
    reason = str(exc) if isinstance(exc, DeliveryFailed) else type(exc).__name__
    row.last_error = reason
    wait = backoff(cfg, row.attempts)
    if row.attempts >= cfg.max_attempts:
        row.state = "failed"
    else:
        row.next_attempt_at = utcnow() + timedelta(seconds=wait)
    if channel is not None:
        channel.consecutive_failures += 1
        if channel.consecutive_failures >= cfg.pause_after_failures and channel.paused_at is None:
            channel.paused_at = utcnow()
            channel.paused_reason = f"{channel.consecutive_failures} tries in a row failed; the last: {reason}"
            session.execute(update(NotifyDelivery).where(NotifyDelivery.channel_id == channel.id,
                                                         NotifyDelivery.state == "queued")
                            .values(state="held").execution_options(synchronize_session=False))
            log.warning("notify: channel %s paused after %d failures", channel.id, channel.consecutive_failures)
    session.commit()
    session.refresh(row)
    log.warning("notify: delivery %s try %d failed (%s)", row.id, row.attempts, reason)
    if row.state == "queued" and queue is not None:
        try:
            queue.enqueue("notify.deliver", delay=wait, delivery_id=row.id)
        except Exception:  # noqa: BLE001 - the sweep sends it when it is due
            pass
    return row.state


def resume(session: Session, channel: NotifyChannel) -> list[int]:
    """Un-pause a channel: its held deliveries are due now. Returns their ids."""
    channel.paused_at, channel.paused_reason, channel.consecutive_failures = None, "", 0
    held = list(session.scalars(
        select(NotifyDelivery.id).where(NotifyDelivery.channel_id == channel.id, NotifyDelivery.state == "held")))
    session.execute(update(NotifyDelivery).where(NotifyDelivery.id.in_(held))
                    .values(state="queued", next_attempt_at=utcnow()).execution_options(synchronize_session=False))
    return held
