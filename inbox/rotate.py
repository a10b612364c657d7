"""Re-sealing stored rows to the newest desk key, in batches that each commit (docs/encryption.md).

Every sealed row records the key it is sealed to (key_id), so a rotation killed halfway loses
at most the batch in flight, and running it again carries on with the rows still under an
older key. Rows stored in the clear before a key was configured are sealed on the way.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker, undefer

from inbox.models import Quarantined, RawMessage, Reader, Tip
from inbox.sealing import reseal_tip, seal_tip
from inbox.vault import Vault


@dataclass
class Counts:
    """Rows per table and key id (None: in the clear, with something to seal)."""

    by_table: dict[str, dict[str | None, int]]

    def pending(self, key: str) -> int:
        return sum(n for keys in self.by_table.values() for k, n in keys.items() if k != key)


def _protected():
    return select(Reader.address).where(Reader.protected.is_(True))


def _raw_todo(model, key: str):
    # A discarded quarantined message has no bytes left: nothing to seal.
    clear = model.key_id.is_(None) & (func.length(model.data) > 0)
    return or_(model.key_id != key, clear)


def _tip_clear():
    # In the clear with something to seal: HTML, or a protected reader's text.
    return Tip.key_id.is_(None) & (Tip.html_body.is_not(None) | Tip.sender_address.in_(_protected()))


def _tip_todo(key: str):
    return or_(Tip.key_id != key, _tip_clear())


def counts(session: Session) -> Counts:
    """How many rows are sealed to each key, and how many wait in the clear, per table."""
    out: dict[str, dict[str | None, int]] = {}
    for name, model in (("raw_messages", RawMessage), ("quarantine", Quarantined)):
        rows = session.execute(select(model.key_id, func.count()).where(
            model.key_id.is_not(None) | (func.length(model.data) > 0)).group_by(model.key_id))
        out[name] = {k: n for k, n in rows}
    rows = session.execute(select(Tip.key_id, func.count()).where(Tip.key_id.is_not(None) | _tip_clear())
                           .group_by(Tip.key_id))
    out["tips"] = {k: n for k, n in rows}
    return Counts(out)


def rotate(sessions: sessionmaker[Session], vault: Vault, batch_size: int = 200,
           progress: Callable[[int, int], None] | None = None) -> int:
    """Seal every row not yet sealed to vault's public key (its newest) to it; returns the rows done.
    progress(done, total) is called after each committed batch."""
    key = vault.key_id
    with sessions() as session:
        total = counts(session).pending(key)
    done = 0
    for model in (RawMessage, Quarantined):
        while True:
            with sessions() as session, session.begin():
                rows = session.execute(select(model.id, model.data, model.key_id).where(_raw_todo(model, key))
                                       .order_by(model.id).limit(batch_size)).all()
                if not rows:
                    break
                sealer = vault.sealer()
                for row_id, data, old in rows:
                    if not data:  # discarded or purged: no bytes left, nothing to seal
                        session.execute(update(model).where(model.id == row_id).values(key_id=None))
                        continue
                    plain = vault.open(data) if old is not None else bytes(data)
                    session.execute(update(model).where(model.id == row_id)
                                    .values(data=sealer.seal(plain), key_id=sealer.key_id))
            done += len(rows)
            if progress:
                progress(done, total)
    while True:
        with sessions() as session, session.begin():
            tips = session.scalars(select(Tip).where(_tip_todo(key)).order_by(Tip.id).limit(batch_size)
                                   .options(undefer(Tip.html_body), undefer(Tip.sealed_html), undefer(Tip.sealed_body))).all()
            if not tips:
                break
            protected = set(session.scalars(_protected().where(Reader.address.in_({t.sender_address for t in tips}))))
            sealer = vault.sealer()
            for tip in tips:
                if tip.key_id is not None:
                    reseal_tip(tip, vault, sealer)
                if tip.sealed_head is None and tip.sender_address in protected or tip.html_body is not None:
                    seal_tip(tip, sealer, tip.sealed_head is None and tip.sender_address in protected)
        done += len(tips)
        if progress:
            progress(done, total)
    return done
