"""`inbox sort`: re-sort stored tips, explain a decision, retrain the models."""
from __future__ import annotations

import argparse
import json
import sys
import time

from sqlalchemy import func, select

from inbox.commands.data import open_sessions
from inbox.config import Settings
from inbox.models import Cluster, RawMessage, SortDecision, Tip, User
from inbox.sealing import open_in_place, open_raw

BATCH = 200


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Exactly one action per run: re-sort, explain or retrain."""
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--all", action="store_true", help="sort every stored tip again (after rules or models changed)")
    what.add_argument("--explain", type=int, metavar="TIP_ID", help="why a tip has its topic, spam score, flags and cluster")
    what.add_argument("--retrain", action="store_true", help="train new topic and spam models from editors' labels now")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Dispatch to one of the three actions."""
    sessions = open_sessions(settings)
    if args.explain is not None:
        return explain(sessions, args.explain)
    if args.retrain:
        return retrain(settings, sessions)
    return sort_all(settings, sessions, vault=_vault_for_sorting(settings, sessions))


def _vault_for_sorting(settings: Settings, sessions):
    """The desk key for re-sorting: every tip is read again, so encrypted ones need it. Without
    it, one line (exit 2) rather than a half-sorted desk whose sealed tips lost their stories."""
    from inbox.cli import UsageError
    from inbox.commands.keys import unlocked

    vault = unlocked(settings) if settings.encryption.private_key else None
    if vault is not None and vault.can_open:
        return vault
    with sessions() as session:
        sealed = session.scalar(select(func.count()).select_from(Tip).where(Tip.key_id.is_not(None))) or 0
        sealed += session.scalar(select(func.count()).select_from(RawMessage).where(RawMessage.key_id.is_not(None))) or 0
    if sealed:
        raise UsageError(f"{sealed} stored row(s) are encrypted: `inbox sort --all` needs the desk key "
                         "([encryption] private_key; see docs/encryption.md)")
    return None


def sort_all(settings: Settings, sessions, out=None, vault=None) -> int:
    """Re-sort every tip in batches (one transaction each), with a progress bar; stories are
    re-clustered from scratch in arrival order, editors' same/different-story decisions kept."""
    from inbox.sort import Sorter
    from inbox.sort.stories_store import reset_clusters

    out = out or sys.stderr

    from inbox.threads import rethread_stored

    with sessions() as session, session.begin():
        print(f"threaded {rethread_stored(session)} follow-ups stored before their original", file=out)
    with sessions() as session, session.begin():
        total = session.scalar(select(func.count()).select_from(Tip)) or 0
        sorter = Sorter.load(settings, session)
        reset_clusters(session)
    sorter.stories.reset()
    done, last_id, started = 0, 0, time.monotonic()
    while True:
        with sessions() as session, session.begin():
            rows = session.execute(
                select(Tip, RawMessage.data, RawMessage.key_id).join(RawMessage, RawMessage.id == Tip.raw_message_id)
                .where(Tip.id > last_id).order_by(Tip.id).limit(BATCH)
            ).all()
            for tip, raw, key in rows:
                open_in_place(vault, tip, html=True)  # loaded values only: never written back in the clear
                sorter.resort(session, tip, open_raw(vault, raw, key), recluster=True)
        if not rows:
            break
        last_id = rows[-1][0].id
        done += len(rows)
        _progress(out, done, total, started)
    print(file=out)
    print(f"sorted {done} tips in {time.monotonic() - started:.1f}s")
    return 0


def _progress(out, done: int, total: int, started: float) -> None:
    width = 30
    filled = width * done // max(total, 1)
    rate = done / max(time.monotonic() - started, 1e-9)
    out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} tips  {rate:,.0f}/s")
    out.flush()


def retrain(settings: Settings, sessions) -> int:
    """Train both models now, whatever the count of new corrections."""
    from inbox.sort import learn

    from inbox.commands.keys import unlocked

    vault = unlocked(settings) if settings.encryption.private_key else None
    for kind in learn.KINDS:
        row = learn.retrain(settings, sessions, kind, vault)
        if row is None:
            print(f"{kind}: not trained (needs editor labels of at least two kinds)")
        else:
            print(f"{kind}: version {row.version}, {row.samples} labels, {row.seconds:.2f}s, {row.filename}")
    return 0


def explain(sessions, tip_id: int) -> int:
    """Print the newest machine decision and every editor decision for one tip."""
    from inbox.cli import UsageError

    with sessions() as session:
        tip = session.get(Tip, tip_id)
        if tip is None:
            raise UsageError(f"no tip {tip_id}")
        rows = session.scalars(select(SortDecision).where(SortDecision.tip_id == tip_id).order_by(SortDecision.id)).all()
        users = {u.id: u.email for u in session.scalars(select(User).where(User.id.in_({r.user_id for r in rows})))}
        cluster = session.get(Cluster, tip.cluster_id) if tip.cluster_id else None
        print(f"tip {tip.id}: topic {tip.topic!r} ({tip.topic_source}, confidence {tip.topic_confidence or 0:.2f}); "
              f"spam {tip.is_spam} (score {tip.spam_score or 0:.2f}); sensitive [{tip.sensitive}]; urgent {tip.urgent}")
        if cluster:
            print(f"cluster {cluster.id}: {cluster.size} tips from {cluster.readers} readers, "
                  f"representative tip {cluster.representative_tip_id}")
        machine = [r for r in rows if r.kind == "sort"]
        if machine:
            _print_machine(machine[-1])
        else:
            print("never sorted by the machine")
        for r in rows:
            if r.source == "editor":
                who = users.get(r.user_id, f"user {r.user_id}")
                print(f"editor {who} set {r.kind} to {r.value!r} at {r.created_at:%Y-%m-%d %H:%M} UTC")
    return 0


def _print_machine(row: SortDecision) -> None:
    why = json.loads(row.explanation)
    topic = why.get("topic", {})
    print(f"sorted at {row.created_at:%Y-%m-%d %H:%M} UTC: {topic.get('why', '')}")
    for rule in topic.get("rules", []):
        hard = " HARD" if rule["hard"] else ""
        print(f"  rule  {rule['topic']:<28} {rule['kind']:<14} {rule['match']!r:<32} +{rule['weight']}{hard}")
    if topic.get("model"):
        model = topic["model"]
        print(f"  model v{model['version']}: " + ", ".join(f"{t} {p:.2f}" for t, p in model["top"]))
    if topic.get("blend"):
        print("  blend: " + ", ".join(f"{t} {p:.2f}" for t, p in topic["blend"]))
    spam = why.get("spam", {})
    parts = [f"score {spam.get('score', 0):.2f} (threshold {spam.get('threshold')})"]
    if spam.get("model") is not None:
        made = [f"shipped {spam['base_model']:.2f}"] if spam.get("base_model") is not None else []
        if spam.get("desk_model") is not None:
            made.append(f"desk's v{spam.get('model_version')} {spam['desk_model']:.2f}, share {spam.get('desk_share', 1.0):.2f}")
        parts.append(f"model {spam['model']:.2f}" + (f" ({'; '.join(made)})" if made else ""))
    parts += [f"rule {r['rule']} +{r['weight']}" for r in spam.get("rules", [])]
    if spam.get("server"):
        parts.append(f"server {spam['server']['header']}: {'spam' if spam['server']['spam'] else 'not spam'}")
    print("  spam: " + "; ".join(parts))
    sensitive = why.get("sensitive", {})
    print(f"  sensitive: {', '.join(sensitive.get('kinds', [])) or 'nothing found'}"
          + (f" (rules {', '.join(sensitive['rules'])})" if sensitive.get("rules") else ""))
    print(f"  urgent: {', '.join(why.get('urgent', {}).get('rules', [])) or 'no'}")
    nontip = why.get("not_tip", {})
    if nontip.get("kind"):
        where = "Not tips" if nontip.get("not_tip") else "stays a tip"
        print(f"  kind: {nontip['kind']} ({where}; {', '.join(nontip.get('rules', []))})")
    cluster = why.get("cluster", {})
    print(f"  cluster: {cluster.get('action', 'none')}"
          + (f" tip {cluster['tip_id']} at score {cluster['similarity']:.2f}" if cluster.get("tip_id") else "")
          + (f" ({cluster['shared_names']} shared names; {cluster['signal']})" if cluster.get("signal") else "")
          + (" (the same reader sent it before)" if cluster.get("same_reader") else ""))
    if cluster.get("evidence"):
        thresholds = cluster.get("thresholds", {})
        print("    evidence: " + ", ".join(f"{k} {v}" for k, v in cluster["evidence"].items())
              + f"; join >= {thresholds.get('join')}, suggest >= {thresholds.get('suggest')}"
              + f" (calibrated on {thresholds.get('calibrated_on', 0)} editors' decisions)")
