"""The store: idempotent, threads only same-sender follow-ups, one tip per message (SQLite + PostgreSQL)."""
from __future__ import annotations

from sqlalchemy import func, select

from inbox.config import ImportSettings, Settings
from inbox.models import Sighting, Tip
from inbox.pipeline import Pipeline, Source
from tests.mailfactory import make_mail, redeliver

SETTINGS = Settings(imports=ImportSettings(processes=1, batch_size=50))


def run(db, *items, sorter=None):
    with Pipeline(SETTINGS, db, sorter=sorter, processes=1) as p:
        return list(p.process_many(items))


def count(db, model) -> int:
    with db() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_same_message_imported_twice_is_one_tip(db):
    raw = make_mail()
    first = run(db, (raw, Source("import", "/tips/a.eml")))
    second = run(db, (raw, Source("import", "/tips/a.eml")))
    assert [o.status for o in first] == ["stored"]
    assert [o.status for o in second] == ["duplicate"]
    assert second[0].tip_id == first[0].tip_id
    assert count(db, Tip) == 1 and count(db, Sighting) == 1


def test_message_delivered_to_two_mailboxes_is_one_tip_seen_in_both(db):
    raw = make_mail(message_id="<leak-1@example.org>")
    a = redeliver(raw, "yourreporter-box")
    b = redeliver(raw, "tips-box")
    assert a != b
    out = run(db, (a, Source("yourreporter", "INBOX", 7, 1)), (b, Source("tips", "INBOX", 3, 1)))
    assert [o.status for o in out] == ["stored", "duplicate"]
    with db() as s:
        tip = s.scalars(select(Tip)).one()
        assert sorted(x.mailbox.name for x in tip.sightings) == ["tips", "yourreporter"]


def test_forged_message_id_from_another_sender_is_a_separate_tip(db):
    original = make_mail(message_id="<leak-1@example.org>")
    forged = make_mail(message_id="<leak-1@example.org>", sender="Mallory <m@example.net>", body="Ignore the last one.\n")
    out = run(db, (original, Source("tips", "INBOX", 1, 1)), (forged, Source("tips", "INBOX", 1, 2)))
    assert [o.status for o in out] == ["stored", "stored"]


def test_message_without_message_id_is_identified_by_its_bytes(db):
    raw = make_mail(message_id=None)
    out = run(db, (raw, Source("tips", "INBOX", 1, 1)), (raw, Source("tips", "INBOX", 1, 2)),
              (make_mail(message_id=None, body="Another tip.\n"), Source("tips", "INBOX", 1, 3)))
    assert [o.status for o in out] == ["stored", "duplicate", "stored"]
    assert count(db, Tip) == 2


def test_follow_up_from_the_same_sender_joins_the_thread(db):
    first = make_mail(message_id="<tip-1@example.org>")
    second = make_mail(message_id="<tip-2@example.org>", in_reply_to="<tip-1@example.org>",
                       references="<tip-1@example.org>", subject="Re: contract", body="I found the invoice too.\n")
    third = make_mail(message_id="<tip-3@example.org>", in_reply_to="<tip-2@example.org>",
                      references="<tip-1@example.org> <tip-2@example.org>", body="And the minutes.\n")
    out = run(db, *[(raw, Source("tips", "INBOX", 1, n)) for n, raw in enumerate((first, second, third), 1)])
    assert [o.status for o in out] == ["stored", "threaded", "threaded"]
    with db() as s:
        roots = {t.id: t.thread_root_id for t in s.scalars(select(Tip))}
    assert roots == {out[0].tip_id: None, out[1].tip_id: out[0].tip_id, out[2].tip_id: out[0].tip_id}


def test_reply_from_other_sender_is_not_threaded(db):
    tip = make_mail(message_id="<tip-1@example.org>", body="My neighbour was detained on Tuesday.\n")
    stranger = make_mail(
        sender="Someone Else <else@example.net>",
        message_id="<x-1@example.net>",
        in_reply_to="<tip-1@example.org>",
        references="<tip-1@example.org>",
        subject="Re: detained",
        body="Me too.\n\n> My neighbour was detained on Tuesday.\n",
    )
    out = run(db, (tip, Source("tips", "INBOX", 1, 1)), (stranger, Source("tips", "INBOX", 1, 2)))
    assert [o.status for o in out] == ["stored", "stored"]
    with db() as s:
        assert s.get(Tip, out[1].tip_id).thread_root_id is None


def test_sender_address_case_does_not_break_threading(db):
    first = make_mail(sender="Rosa <Rosa@Example.org>", message_id="<c-1@example.org>")
    second = make_mail(sender="rosa@example.org", message_id="<c-2@example.org>", in_reply_to="<c-1@example.org>")
    out = run(db, (first, Source("tips", "INBOX", 1, 1)), (second, Source("tips", "INBOX", 1, 2)))
    assert [o.status for o in out] == ["stored", "threaded"]


def test_stored_tip_keeps_raw_bytes_and_cleaned_fields(db):
    raw = make_mail(subject="Bus route 12 cut", body="Hi,\n\nRoute 12 is being cut next month.\n\n-- \nJo\n")
    (out,) = run(db, (raw, Source("tips", "INBOX", 1, 1)))
    with db() as s:
        tip = s.get(Tip, out.tip_id)
        assert tip.raw.data == raw
        assert tip.subject == "Bus route 12 cut"
        assert tip.sender_address == "rosa@example.org"
        assert "Route 12 is being cut" in tip.text_body
        assert "Route 12" in tip.preview
        assert tip.signature_start is not None and tip.text_body[tip.signature_start:].lstrip().startswith("--")


def test_stored_bytes_fetched_again_elsewhere_are_a_sighting_with_no_parse(db, monkeypatch):
    """The same mail in a second folder (Gmail shows it in every label), or fetched again after
    a UIDVALIDITY change: found by its hash, one more sighting of its tip; not parsed again."""
    import inbox.pipeline as pipeline_mod
    from inbox.models import RawMessage

    raw = make_mail(message_id="<label-1@example.org>")
    first = run(db, (raw, Source("tips", "INBOX", 7, 1)))
    parsed = []
    real_parse = pipeline_mod.parse
    monkeypatch.setattr(pipeline_mod, "parse", lambda raw, limits: parsed.append(raw) or real_parse(raw, limits))
    new = make_mail(message_id="<new-1@example.org>", body="A different story.\n")
    again = run(db, (raw, Source("tips", "[Gmail]/All Mail", 3, 9)), (raw, Source("tips", "INBOX", 8, 1)),
                (new, Source("tips", "INBOX", 8, 2)), (raw, Source("tips", "INBOX", 7, 1)))
    assert [o.status for o in again] == ["duplicate", "duplicate", "stored", "duplicate"]
    assert {o.tip_id for o in again if o.status == "duplicate"} == {first[0].tip_id}
    assert parsed == [new]
    with db() as s:
        assert s.scalar(select(func.count()).select_from(RawMessage)) == 2
        places = s.execute(select(Sighting.folder, Sighting.uidvalidity, Sighting.raw_message_id)
                           .where(Sighting.tip_id == first[0].tip_id).order_by(Sighting.id)).all()
    assert [(f, v) for f, v, _ in places] == [("INBOX", 7), ("[Gmail]/All Mail", 3), ("INBOX", 8)]
    assert len({r for _, _, r in places}) == 1


def test_auto_reply_and_newsletter_are_stored_in_not_tips_and_a_press_release_in_new(db):
    from pathlib import Path

    from inbox.sort import Sorter

    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
    release = make_mail(sender="Press Office <press@county.example>", subject="Audit released",
                        body="FOR IMMEDIATE RELEASE\n\nThe controller today announced the audit.\n\nMedia contact: Pat Lee\n",
                        extra_headers={"Precedence": "bulk"})
    newsletter = make_mail(sender="Roundup <news@roundup.example>", subject="This week",
                           body="Five stories.\n\nUnsubscribe\n", extra_headers={"Precedence": "bulk"})
    with db() as s:
        sorter = Sorter.load(SETTINGS, s)
    out = run(db, ((fixtures / "auto_reply.eml").read_bytes(), Source("tips", "INBOX", 1, 1)),
              (newsletter, Source("tips", "INBOX", 1, 2)), (release, Source("tips", "INBOX", 1, 3)),
              (make_mail(), Source("tips", "INBOX", 1, 4)), sorter=sorter)
    with db() as s:
        got = [(s.get(Tip, o.tip_id).status, s.get(Tip, o.tip_id).mail_kind) for o in out]
    assert got == [("not_tip", "auto_reply"), ("not_tip", "newsletter"), ("new", "press_release"), ("new", "")]


def test_resort_takes_a_tip_out_of_not_tips_when_sorting_no_longer_says_so_but_not_one_a_person_put_there(db):
    from inbox.sort import Sorter

    out = run(db, (make_mail(message_id="<r-1@example.org>"), Source("tips", "INBOX", 1, 1)),
              (make_mail(message_id="<r-2@example.org>", body="Another tip.\n"), Source("tips", "INBOX", 1, 2)))
    with db() as s, s.begin():
        sorter = Sorter.load(SETTINGS, s)
        machine, person = s.get(Tip, out[0].tip_id), s.get(Tip, out[1].tip_id)
        machine.status, machine.mail_kind = "not_tip", "newsletter"  # sorted so by older rules
        person.status = "not_tip"  # moved there on the board
        sorter.resort(s, machine, machine.raw.data)
        sorter.resort(s, person, person.raw.data)
    with db() as s:
        assert s.get(Tip, out[0].tip_id).status == "new"
        assert s.get(Tip, out[1].tip_id).status == "not_tip"


def test_resort_leaves_in_new_a_not_tip_a_person_moved_out_of_not_tips(db):
    from pathlib import Path

    from inbox.models import TipEvent
    from inbox.sort import Sorter

    raw = (Path(__file__).resolve().parents[1] / "fixtures" / "mail" / "list_mail.eml").read_bytes()
    with db() as s:
        sorter = Sorter.load(SETTINGS, s)
    (out,) = run(db, (raw, Source("tips", "INBOX", 1, 1)), sorter=sorter)
    with db() as s, s.begin():
        tip = s.get(Tip, out.tip_id)
        assert tip.status == "not_tip"
        tip.status = "new"  # as the board's set_status records it
        s.add(TipEvent(tip_id=tip.id, kind="status", detail="not_tip → new"))
    with db() as s, s.begin():
        tip = s.get(Tip, out.tip_id)
        sorting = Sorter.load(SETTINGS, s).resort(s, tip, tip.raw.data)
        assert sorting.explanation["not_tip"]["editor"]
    with db() as s:
        assert s.get(Tip, out.tip_id).status == "new"


def test_explain_says_what_kind_of_not_tip_it_is_and_why(db, capsys):
    from pathlib import Path

    from inbox.commands import sort as sort_command
    from inbox.sort import Sorter

    raw = (Path(__file__).resolve().parents[1] / "fixtures" / "mail" / "auto_reply.eml").read_bytes()
    with db() as s:
        sorter = Sorter.load(SETTINGS, s)
    (out,) = run(db, (raw, Source("tips", "INBOX", 1, 1)), sorter=sorter)
    assert sort_command.explain(db, out.tip_id) == 0
    assert "kind: auto_reply (Not tips; header " in capsys.readouterr().out
