"""Login limits, counted in the database atomically, per account and per client address.

Each attempt first adds itself to both counters with one INSERT ... ON CONFLICT DO
UPDATE ... RETURNING, committed before the password is checked: thirty parallel
guesses get the counts 1 to 30 and only the first `limit` of them reach the (slow)
password check. A counter covers a fixed window of WINDOW from its first failure;
past the limit the login page says how long is left, and once the window is over the
next attempt starts a new one, so the right password works again. A login that
succeeds takes its own count back off both counters.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from inbox.models import LoginLimit, utcnow

WINDOW = timedelta(minutes=1)


def keys(secret_key: str, email: str, ip: str) -> tuple[str, str]:
    """The counters' keys for an account and an address, hashed with the board's secret
    (the table holds neither emails nor addresses)."""
    def key(kind: str, value: str) -> str:
        return hashlib.sha256(f"{secret_key}\0{kind}\0{value}".encode()).hexdigest()

    return key("account", email), key("ip", ip)


@dataclass(frozen=True)
class Count:
    """One counter after this attempt: its window's start and the failures in it (this one included)."""
    key: str
    window_start: datetime
    failures: int


def count_attempt(session: Session, key: str, now: datetime | None = None) -> Count:
    """Add one attempt to key's counter (starting a new window when the old one is over)
    and return it; one statement, so concurrent attempts each see a different count."""
    now = now or utcnow()
    table = LoginLimit.__table__
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)(table)
    expired = table.c.window_start <= now - WINDOW
    stmt = insert.values(key=key, window_start=now, failures=1).on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"failures": case((expired, 1), else_=table.c.failures + 1),
              "window_start": case((expired, now), else_=table.c.window_start)},
    ).returning(table.c.window_start, table.c.failures)
    window_start, failures = session.execute(stmt).one()
    return Count(key, window_start, failures)


def seconds_to_wait(counts: list[Count], limit: int, now: datetime | None = None) -> int:
    """0 when no counter is past the limit; else whole seconds until the last such window ends."""
    now = now or utcnow()
    over = [c.window_start + WINDOW - now for c in counts if c.failures > limit]
    return max((max(1, math.ceil(left.total_seconds())) for left in over), default=0)


def take_back(session: Session, counts: list[Count]) -> None:
    """A successful login is not a failure: remove its count (in the same window only)."""
    for c in counts:
        session.execute(update(LoginLimit).where(LoginLimit.key == c.key, LoginLimit.window_start == c.window_start,
                                                 LoginLimit.failures > 0)
                        .values(failures=LoginLimit.failures - 1).execution_options(synchronize_session=False))


def forget_old(session: Session, now: datetime | None = None) -> None:
    """Drop counters whose window ended long ago (a spray of made-up emails leaves one row each)."""
    now = now or utcnow()
    session.execute(delete(LoginLimit).where(LoginLimit.window_start < now - 10 * WINDOW))
