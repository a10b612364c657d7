"""Every job the queue runs, one row each: what it is called, the function that does it, and how
hard to try. Read top to bottom like the sorting tables; a new kind of job is a new row here.

A job's function is `fn(ctx: JobContext, **payload)`. Payloads carry ids, never content: the
queue's own storage (a SQLite file, or Redis) is not encrypted, so no address, subject or body
may enter it. The durable truth (a reply's state, a webhook delivery's attempts) lives in the
desk's database; a job only says "go and do row N", so running one twice must do no harm.
Functions are named by path and imported only when a job of theirs runs, so importing the
queue imports neither Flask nor the sort stage.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    name: str
    target: str  # "module:function"
    # Tries after the first; the wait doubles from backoff_seconds up to max_backoff_seconds
    # (with 20 % jitter, so jobs that failed together do not retry together).
    retries: int = 5
    backoff_seconds: float = 30.0
    max_backoff_seconds: float = 3600.0


@dataclass(frozen=True)
class Periodic:
    name: str
    target: str  # "module:function", called as fn(ctx)
    every_minutes: int = 1


JOBS: tuple[Job, ...] = (
    # Editors' labels made a retrain due (the board said so); retrains each due model.
    Job("sort.retrain", "inbox.sort.learn:retrain_job", retries=2, backoff_seconds=60.0),
    # The worker stored tips (their ids): raise tip.created for each, then fan out.
    Job("notify.new_tips", "inbox.notify.jobs:new_tips_job", retries=3),
    # The board committed changes that raised events: turn them into deliveries and queue those.
    Job("notify.fanout", "inbox.notify.jobs:fanout_job", retries=3),
    # One notification or webhook delivery; its retries and back-off are the row's own
    # (inbox/notify/deliver.py), so the queue does not retry it too.
    Job("notify.deliver", "inbox.notify.jobs:deliver_job", retries=0),
    # One try at one stored outgoing message (inbox/outgoing/send.py). It keeps its own tries,
    # back-off and "failed" on the row (visible on the tip), so huey retries nothing here.
    Job("mail.send", "inbox.outgoing.send:send_job", retries=0),
)

PERIODIC: tuple[Periodic, ...] = (
    # Notices the worker's lost jobs missed, raises digests, fans out, and re-queues deliveries
    # that are due (retries, and those whose job died with its process).
    Periodic("notify.sweep", "inbox.notify.jobs:sweep_job", every_minutes=1),
    # Outgoing mail a killed consumer left "sending" past its lease, or whose job was lost.
    Periodic("mail.sweep", "inbox.outgoing.send:sweep_job", every_minutes=1),
)
