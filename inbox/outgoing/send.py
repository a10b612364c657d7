"""Sending one stored message over SMTP submission (smtplib), exactly once as far as SMTP allows.

A try:
1. claim: one UPDATE turns the row "sending" (attempts + 1, a lease from now) only if it is
   queued and due, or "sending" with its lease run out; a second job for the same row finds
   nothing to claim and returns. Committed before the first byte goes out.
2. connect, EHLO, STARTTLS, AUTH, MAIL FROM, RCPT TO.
3. data_at is committed, then DATA is sent.
4. on 250 the row is "sent" (with the server's answer) and committed at once.

A consumer killed (kill -9) in 1-2 leaves "sending" without data_at: the server never had the
message (an SMTP server drops a transaction whose DATA did not end), so the sweep puts it back
to queued and it goes again: nothing lost, nothing doubled. Killed in 3 before the final dot:
the same. The one window left is between the server's 250 and our commit of "sent" (one
round trip and a commit, milliseconds): the sweep cannot tell whether the server kept it, and
sends again rather than lose it, with the same Message-ID (mail clients show one message per
Message-ID). RFC 1047 describes the same window on the server's side; SMTP has no way to close it.

Temporary failures (4xx, a refused or dropped connection, a timeout) go back to queued with a
doubling wait; permanent ones (5xx) and the last try are "failed" with the server's answer.
Logs carry row ids and SMTP codes, never an address, subject or body.
"""
from __future__ import annotations

import logging
import random
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr, parseaddr

from sqlalchemy import and_, or_, select, update

from inbox.config import Settings, SmtpSettings
from inbox.db import take_write_lock
from inbox.models import Outgoing, utcnow
from inbox.outgoing import angle, new_message_id

log = logging.getLogger(__name__)


class Temporary(Exception):
    """Try again later."""


class Permanent(Exception):
    """The server said no for good (5xx), or the settings cannot work."""


def send_job(ctx, outgoing_id: int) -> None:
    """The job "mail.send": one try at one row."""
    send_one(ctx.settings, ctx.sessions, outgoing_id)


def sweep_job(ctx) -> None:
    """The periodic "mail.sweep": rows a dead consumer or a lost job left behind go again."""
    for row_id in sweep(ctx.settings, ctx.sessions):
        ctx.queue.enqueue("mail.send", outgoing_id=row_id)


def sweep(settings: Settings, sessions, grace_seconds: float = 60.0) -> list[int]:
    """Ids to send again: "sending" past its lease (set back to queued), and queued rows due for
    longer than grace_seconds (their job was lost: a crash before send_later, or a killed retry)."""
    now = utcnow()
    lease = timedelta(seconds=settings.smtp.lease_seconds)
    with sessions() as session:
        take_write_lock(session)  # it reads, then writes
        stuck = session.scalars(select(Outgoing).where(
            Outgoing.state == "sending", Outgoing.sending_at < now - lease)).all()
        for row in stuck:
            if row.data_at is not None:
                log.warning("outgoing %d: consumer died after DATA began; sending again (same Message-ID)", row.id)
            else:
                log.info("outgoing %d: consumer died before DATA; sending again", row.id)
            row.state, row.next_try_at = "queued", now
        session.commit()
        due = session.scalars(select(Outgoing.id).where(
            Outgoing.state == "queued",
            Outgoing.next_try_at < now - timedelta(seconds=grace_seconds)).order_by(Outgoing.id)).all()
        return sorted(set(due) | {row.id for row in stuck})


def send_one(settings: Settings, sessions, outgoing_id: int, now: datetime | None = None) -> str:
    """One try; returns the row's state after it ("sent", "queued", "failed", or "busy")."""
    smtp = settings.smtp
    now = now or utcnow()
    lease = timedelta(seconds=smtp.lease_seconds)
    with sessions() as session:
        claimed = session.execute(update(Outgoing).where(
            Outgoing.id == outgoing_id,
            or_(and_(Outgoing.state == "queued", Outgoing.next_try_at <= now + timedelta(seconds=1)),
                and_(Outgoing.state == "sending", Outgoing.sending_at < now - lease)),
        ).values(state="sending", sending_at=now, data_at=None, attempts=Outgoing.attempts + 1)
            .execution_options(synchronize_session=False)).rowcount
        if not claimed:
            session.rollback()
            return "busy"
        row = session.get(Outgoing, outgoing_id)
        if row.from_address is None:
            row.from_address = sender_address(settings, row.mailbox)
        if row.message_id is None:
            row.message_id = new_message_id(_domain(smtp.from_address or row.from_address))
        session.commit()
        message = build(row)
        envelope_from, to = parseaddr(row.from_address)[1], row.to_address
        attempts = row.attempts

    def mark_data() -> None:
        with sessions() as s:
            s.execute(update(Outgoing).where(Outgoing.id == outgoing_id).values(data_at=utcnow()))
            s.commit()

    try:
        answer = transmit(smtp, envelope_from, to, message, before_data=mark_data)
    except Temporary as exc:
        return _failed(settings, sessions, outgoing_id, str(exc), attempts, temporary=True)
    except Permanent as exc:
        return _failed(settings, sessions, outgoing_id, str(exc), attempts, temporary=False)
    with sessions() as session:
        session.execute(update(Outgoing).where(Outgoing.id == outgoing_id).values(
            state="sent", sent_at=utcnow(), answer=answer[:1000]))
        session.commit()
    log.info("outgoing %d sent (try %d)", outgoing_id, attempts)
    if smtp.append_sent:
        from inbox.outgoing.sentcopy import append_sent_copy

        append_sent_copy(settings, sessions, outgoing_id, message)
    return "sent"


def _failed(settings: Settings, sessions, outgoing_id: int, answer: str, attempts: int, temporary: bool) -> str:
    smtp = settings.smtp
    final = not temporary or attempts >= smtp.max_attempts
    with sessions() as session:
        take_write_lock(session)
        row = session.get(Outgoing, outgoing_id)
        if row is None:  # purged with its tip meanwhile
            return "failed"
        row.answer = answer[:1000]
        row.sending_at = None
        if final:
            row.state = "failed"
        else:
            wait = min(smtp.backoff_seconds * 2 ** (attempts - 1), smtp.max_backoff_seconds)
            wait *= random.uniform(0.8, 1.2)
            row.state, row.next_try_at = "queued", utcnow() + timedelta(seconds=wait)
        session.commit()
    code = answer.split(" ", 1)[0]
    if final:
        log.error("outgoing %d failed for good after %d tries (%s)", outgoing_id, attempts, code)
        return "failed"
    log.warning("outgoing %d try %d failed (%s); again in %.0fs", outgoing_id, attempts, code, wait)
    try:
        from inbox.jobs import shared

        shared(settings, sessions).enqueue("mail.send", delay=wait, outgoing_id=outgoing_id)
    except Exception:  # noqa: BLE001 - the sweep finds the queued row
        log.warning("outgoing %d: retry not queued; the sweep will", outgoing_id)
    return "queued"


def sender_address(settings: Settings, mailbox: str | None) -> str:
    """The From: a mailbox's [[smtp.senders]] address, else the desk's from_address."""
    for sender in settings.smtp.senders:
        if mailbox and sender.mailbox == mailbox and sender.address:
            return sender.address
    if not settings.smtp.from_address:
        raise Permanent("smtp.from_address is not set")
    return settings.smtp.from_address


def _domain(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "inbox.invalid"


def build(row: Outgoing) -> bytes:
    """The message as it goes out: plain text, UTF-8, the row's own Message-ID."""
    msg = EmailMessage(policy=SMTP_POLICY)
    name, addr = parseaddr(row.from_address or "")
    msg["From"] = formataddr((name, addr))
    msg["To"] = row.to_address
    msg["Subject"] = row.subject
    msg["Date"] = format_datetime((row.created_at or utcnow()).replace(tzinfo=None).astimezone())
    msg["Message-ID"] = angle(row.message_id)
    for header, value in (row.headers or {}).items():
        msg[header] = value
    msg.set_content(row.body, subtype="plain", charset="utf-8")
    return msg.as_bytes()


def transmit(smtp: SmtpSettings, envelope_from: str, to: str, message: bytes, before_data=lambda: None) -> str:
    """One SMTP transaction; the server's answer to the end of DATA ("250 2.0.0 Ok")."""
    if not smtp.host:
        raise Temporary("no smtp.host configured")
    if smtp.security == "plain" and smtp.username:
        from inbox.mail.imap import is_loopback

        if not is_loopback(smtp.host):
            raise Permanent("smtp.security = plain sends the password in the clear: loopback hosts only")
    context = ssl.create_default_context(cafile=smtp.ca_file or None)
    try:
        if smtp.security == "tls":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_seconds, context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)
    except (OSError, smtplib.SMTPException) as exc:
        raise Temporary(f"connect: {type(exc).__name__}") from None
    try:
        client.ehlo()
        if smtp.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if smtp.username:
            from inbox.mail.imap import read_secret

            client.login(smtp.username, read_secret(smtp.password, smtp.password_command, smtp.timeout_seconds))
        _check(client.mail(envelope_from))
        _check(client.rcpt(to))
        before_data()
        code, text = client.data(message)
        _check((code, text))
        return f"{code} {_text(text)}"
    except smtplib.SMTPResponseException as exc:
        raise _classify(exc.smtp_code, exc.smtp_error) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise Temporary(f"{type(exc).__name__}") from None
    finally:
        try:
            client.quit()
        except Exception:  # noqa: BLE001 - the connection may be gone already
            client.close()


def _text(raw) -> str:
    return (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)).replace("\n", " ")


def _check(reply) -> None:
    code, text = reply
    if not 200 <= code < 300:
        raise _classify(code, text)


def _classify(code: int, text) -> Exception:
    answer = f"{code} {_text(text)}"
    return Permanent(answer) if 500 <= code < 600 else Temporary(answer)
