"""A message that takes too long in the pool is quarantined ("time budget"), and the rest of
its batch is stored: one hostile mail never holds the desk's intake.

The caps of inbox/mail/caps.py keep real hostile mail far under the budget, so these tests
lift the caps (LimitsSettings with huge html_max_*) to let nh3 and html.parser be slow again.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

from sqlalchemy import func, select

from inbox.config import ImportSettings, LimitsSettings, Settings
from inbox.models import Quarantined, Tip
from inbox.pipeline import Pipeline, Source
from tests.mailfactory import make_mail

_spec = importlib.util.spec_from_file_location(
    "hostile_mail", Path(__file__).resolve().parents[2] / "bench" / "hostile_mail.py")
hostile_mail = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hostile_mail)

UNCAPPED = LimitsSettings(html_max_bytes=10**9, html_max_tags=10**9, html_max_attributes=10**9,
                          html_max_references=10**9, html_max_depth=10**9)


def settings(budget: float) -> Settings:
    return Settings(imports=ImportSettings(processes=2, batch_size=50, time_budget_seconds=budget), limits=UNCAPPED)


def ordinary(n: int) -> list[tuple[bytes, Source]]:
    return [(make_mail(subject=f"ordinary tip {i}", body=f"Tip number {i} about the council.\n"),
             Source("tips", "INBOX", 1, 100 + i)) for i in range(n)]


def stored_subjects(db) -> set[str]:
    with db() as s:
        return set(s.scalars(select(Tip.subject)))


def test_a_message_over_its_time_budget_is_quarantined_and_the_rest_stored(db):
    # 400,000 tags through html.parser: Python code, so the budget's timer stops it in the pool process.
    slow = (hostile_mail.many_elements(400_000), Source("tips", "INBOX", 1, 1))
    items = ordinary(12)
    items.insert(5, slow)
    with Pipeline(settings(budget=0.5), db, sorter=None) as pipeline:
        outcomes = list(pipeline.process_many(items))
    assert [o.status for o in outcomes].count("stored") == 12
    bad = outcomes[5]
    assert bad.status == "quarantined" and bad.error.startswith("time budget"), bad
    with db() as s:
        row = s.get(Quarantined, bad.quarantine_id)
        assert row.data == slow[0] and row.error.startswith("time budget")
    assert stored_subjects(db) == {f"ordinary tip {i}" for i in range(12)}


def test_a_pool_process_stuck_past_its_budget_is_replaced_and_the_batch_goes_on(db):
    # 400,000 attributes on one element: quadratic in nh3's Rust code (200,000 took 10 s on an idle
    # machine, so 400,000 are well past the chunk's 10 s deadline), where no timer reaches.
    stuck = (hostile_mail.attribute_bomb(400_000), Source("tips", "INBOX", 1, 1))
    items = ordinary(16)
    items.insert(3, stuck)
    with Pipeline(settings(budget=1.0), db, sorter=None) as pipeline:
        pipeline.pool.start()
        first_pool = pipeline.pool.get()
        outcomes = list(pipeline.process_many(items))
        assert pipeline.pool.get() is not first_pool  # the stuck one was killed and replaced
        after = list(pipeline.process_many(ordinary(20)[16:]))  # and the new pool works
    assert outcomes[3].status == "quarantined" and outcomes[3].error.startswith("time budget"), outcomes[3]
    assert [o.status for o in outcomes].count("stored") == 16
    assert [o.status for o in after] == ["stored"] * 4
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Quarantined)) == 1


def test_hostile_mail_under_the_caps_is_stored_not_quarantined(db):
    items = [(hostile_mail.attribute_bomb(100_000), Source("tips", "INBOX", 1, 1)),
             (hostile_mail.entities(150_000), Source("tips", "INBOX", 1, 2)),
             (hostile_mail.deep_nesting("div", 100_000), Source("tips", "INBOX", 1, 3))] + ordinary(8)
    capped = Settings(imports=ImportSettings(processes=2, batch_size=50))
    with Pipeline(capped, db, sorter=None) as pipeline:
        outcomes = list(pipeline.process_many(items))
    assert [o.status for o in outcomes] == ["stored"] * 11
    with db() as s:
        tips = [s.get(Tip, o.tip_id) for o in outcomes[:3]]
        notes = [(t.html_body, t.html_size) for t in tips]
    assert all(note.startswith('<p class="not-shown">') and size == len(note) for note, size in notes), notes
