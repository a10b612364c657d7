"""/metrics: the desk's health in the Prometheus text format (prometheus_client).

The desk's figures are read from the database at scrape time, by a custom collector that
runs a few aggregate queries: every board process answers the same numbers, so several
worker processes need no multiprocess directory. HTTP latency is a histogram per route
(the URL rule, never the raw path with its ids), method and status, kept by the process
that served the requests (with several board processes, each scrape sees one of them).

No label carries an address, a subject or a body: mailboxes are labelled by their name in
the configuration and folders by the desk's own folder names.

Who may scrape: a caller on a loopback address, or one that sends
"Authorization: Bearer <board.metrics_token>". Everyone else gets the board's 404.
"""
from __future__ import annotations

import hmac
import ipaddress
import logging
import time
from datetime import datetime, timezone

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import case, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from inbox.board.web import settings
from inbox.models import FolderState, Mailbox, NotifyChannel, NotifyDelivery, Quarantined, Sighting, Tip, utcnow

log = logging.getLogger(__name__)
bp = Blueprint("metrics", __name__)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _seconds(moment: datetime) -> float:
    """A stored (naive UTC) time as Unix seconds."""
    return moment.replace(tzinfo=timezone.utc).timestamp()


class DeskCollector:
    """The desk's figures, read from the database each time Prometheus scrapes."""

    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

    def collect(self):
        up = GaugeMetricFamily("inbox_database_up", "Whether the board could read the desk's figures from the database")
        try:
            with self.sessions() as session:
                families = list(self._families(session))
        except SQLAlchemyError as exc:
            log.error("metrics: the database did not answer (%s)", type(exc).__name__)
            families = []
        up.add_metric([], 1 if families else 0)
        return [up, *families, *self._queue()]

    def _queue(self):
        """The job queue's depth (its own storage, not the database): what waits to run now, and
        what is scheduled for later (retries, delays)."""
        depth = GaugeMetricFamily("inbox_jobs_waiting", "Jobs in the queue: pending (to run now) and scheduled "
                                  "(retries and delayed jobs)", labels=["state"])
        up = GaugeMetricFamily("inbox_jobs_queue_up", "Whether the board could read the job queue's depth")
        try:
            from inbox.board.web import jobs

            counts = jobs().depth()
        except Exception as exc:  # noqa: BLE001 - a queue that does not answer is a figure, not a 500
            log.error("metrics: the job queue did not answer (%s)", type(exc).__name__)
            up.add_metric([], 0)
            return [up]
        for state, count in counts.items():
            depth.add_metric([state], count)
        up.add_metric([], 1)
        return [up, depth]

    def _families(self, session: Session):
        ingested = CounterMetricFamily("inbox_tips_ingested", "Tips stored from each mailbox (a tip seen in "
                                       "two mailboxes counts in both)", labels=["mailbox"])
        for name, count in session.execute(
                select(Mailbox.name, func.count(func.distinct(Sighting.tip_id)))
                .outerjoin(Sighting, Sighting.mailbox_id == Mailbox.id).group_by(Mailbox.name)):
            ingested.add_metric([name], count)
        yield ingested

        by_status = GaugeMetricFamily("inbox_tips", "Tips (follow-ups included) by status", labels=["status"])
        for status, count in session.execute(select(Tip.status, func.count()).group_by(Tip.status)):
            by_status.add_metric([status], count)
        yield by_status

        quarantined = GaugeMetricFamily("inbox_quarantined", "Messages waiting in quarantine (not yet retried "
                                        "successfully or discarded)")
        quarantined.add_metric([], session.scalar(select(func.count()).select_from(Quarantined)
                                                  .where(Quarantined.resolved_at.is_(None))) or 0)
        yield quarantined

        now = utcnow()
        last_sync = GaugeMetricFamily("inbox_folder_last_sync_timestamp_seconds", "When each folder was last synced",
                                      labels=["mailbox", "folder"])
        lag = GaugeMetricFamily("inbox_folder_sync_lag_seconds", "Seconds since each folder was last synced",
                                labels=["mailbox", "folder"])
        for name, folder, synced in session.execute(
                select(Mailbox.name, FolderState.folder, FolderState.last_sync_at)
                .join(Mailbox, Mailbox.id == FolderState.mailbox_id).where(FolderState.last_sync_at.is_not(None))):
            last_sync.add_metric([name, folder], _seconds(synced))
            lag.add_metric([name, folder], max((now - synced).total_seconds(), 0.0))
        yield last_sync
        yield lag

        success = GaugeMetricFamily("inbox_mailbox_last_success_timestamp_seconds",
                                    "When each mailbox last synced without an error", labels=["mailbox"])
        failures = GaugeMetricFamily("inbox_mailbox_consecutive_failures", "Failed syncs in a row, per mailbox",
                                     labels=["mailbox"])
        waiting = GaugeMetricFamily("inbox_mailbox_messages_waiting", "Messages the worker has yet to fetch, per mailbox",
                                    labels=["mailbox"])
        for name, last, failed, pending in session.execute(
                select(Mailbox.name, Mailbox.last_success_at, Mailbox.consecutive_failures, Mailbox.messages_waiting)):
            if last is not None:
                success.add_metric([name], _seconds(last))
            failures.add_metric([name], failed or 0)
            waiting.add_metric([name], pending or 0)
        yield from (success, failures, waiting)
        yield from _notify_families(session)


def _notify_families(session: Session):
    """Notifications and webhooks, by kind (slack, teams, webhook, email): deliveries by state,
    failed tries, and paused channels. Kinds only: no label names a URL, address or tip."""
    kind = case((NotifyDelivery.user_id.is_not(None), "email"), else_=NotifyChannel.kind)
    by_state = GaugeMetricFamily("inbox_notify_deliveries", "Notification and webhook deliveries by kind and state "
                                 "(queued, sent, failed for good, held by a paused channel)", labels=["kind", "state"])
    failed = CounterMetricFamily("inbox_notify_delivery_failures", "Failed delivery tries, by kind",
                                 labels=["kind"])
    rows = session.execute(select(kind, NotifyDelivery.state, func.count(), func.sum(NotifyDelivery.attempts))
                           .outerjoin(NotifyChannel, NotifyChannel.id == NotifyDelivery.channel_id)
                           .group_by(kind, NotifyDelivery.state)).all()
    tries: dict[str, int] = {}
    for name, state, count, attempts in rows:
        by_state.add_metric([name or "channel", state], count)
        # every try of an unsent delivery failed (the one in flight aside); a sent one's last try worked
        wasted = int(attempts or 0) - (count if state == "sent" else 0)
        tries[name or "channel"] = tries.get(name or "channel", 0) + max(wasted, 0)
    for name, count in tries.items():
        failed.add_metric([name], count)
    paused = GaugeMetricFamily("inbox_notify_channels_paused", "Channels and webhooks paused after failing, by kind",
                               labels=["kind"])
    for name, count in session.execute(select(NotifyChannel.kind, func.count())
                                       .where(NotifyChannel.paused_at.is_not(None)).group_by(NotifyChannel.kind)):
        paused.add_metric([name], count)
    yield from (by_state, failed, paused)


def install(app: Flask, sessions: sessionmaker[Session]) -> None:
    """Give the app its registry (the desk's collector and the latency histogram) and the
    hooks that time every request. Called before the blueprints register theirs, so the
    timing starts first and ends last."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DeskCollector(sessions))
    latency = Histogram("inbox_http_request_duration_seconds", "Board requests by route (URL rule), method and "
                        "status: time until the response was ready (a streamed export's rows come later)",
                        ["route", "method", "status"], registry=registry)
    app.extensions["inbox"]["metrics"] = registry

    @app.before_request
    def _start_timer():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        started = g.pop("metrics_started", None)
        if started is not None:
            route = request.url_rule.rule if request.url_rule is not None else "(no route)"
            method = request.method if request.method in METHODS else "other"
            latency.labels(route, method, str(response.status_code)).observe(time.perf_counter() - started)
        return response


def may_scrape(remote_addr: str | None, authorization: str, token: str) -> bool:
    """A loopback caller, or one with the metrics token (compared in constant time)."""
    if token and authorization.startswith("Bearer ") and hmac.compare_digest(
            authorization[len("Bearer "):].strip().encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


@bp.route("/metrics")
def metrics():
    """The Prometheus text exposition, for loopback or the metrics token; 404 for everyone else."""
    if not may_scrape(request.remote_addr, request.headers.get("Authorization", ""), settings().board.metrics_token):
        abort(404)
    return Response(generate_latest(current_app.extensions["inbox"]["metrics"]), content_type=CONTENT_TYPE_LATEST)
