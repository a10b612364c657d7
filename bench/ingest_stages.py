"""Where one pool process's time goes, stage by stage, on a corpus (no database, one process).

    python bench/ingest_stages.py ../shared/corpora/spamassassin [--rounds 3] [--count N]

Runs what a pool process runs for every message (inbox.pipeline.prepare), each stage timed
apart: parse, clean, the attachment facts and fingerprint, the sort input, and analyse()'s
parts (topic rules, spam model and rules, sensitive kinds, urgency and dates, not-tips,
story features), then pickling the result back (and unpickling, the storing side's cost).
Prints the best round's milliseconds per message (CPU time of this process), and the total.
"""
from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox import config as config_mod  # noqa: E402
from inbox import pipeline  # noqa: E402
from inbox.mail.clean import clean  # noqa: E402
from inbox.mail.parse import parse  # noqa: E402
from inbox.sort import Sorter, flags, nontips, spam, spam_base, stories, stories_days, urgency  # noqa: E402
from inbox.sort.text import from_mail  # noqa: E402
from inbox.sort.topics import decide  # noqa: E402


def messages(corpus: Path, count: int) -> list[bytes]:
    files = sorted(p for p in corpus.rglob("*") if p.is_file())
    return [p.read_bytes() for p in files[:count or None]]


def one_round(raws: list[bytes], settings, sorter: Sorter) -> dict[str, float]:
    spent: dict[str, float] = defaultdict(float)
    clock = time.process_time
    cfg = settings.sorting
    for raw in raws:
        t = clock()
        parsed = parse(raw, settings.limits)
        t, spent["parse"] = clock(), spent["parse"] + clock() - t
        mail = clean(parsed, settings.limits)
        t, spent["clean"] = clock(), spent["clean"] + clock() - t
        inp = from_mail(mail)
        _ = inp.words, inp.everything
        t, spent["sort input"] = clock(), spent["sort input"] + clock() - t
        fired = sorter.rules.fired(inp)
        decide(fired, None, cfg, None)
        t, spent["topic rules"] = clock(), spent["topic rules"] + clock() - t
        base = spam_base.shipped() if cfg.base_spam_model else None
        spam_p, _parts = spam_base.model_probability(base, None, None, inp.words)
        t, spent["spam model"] = clock(), spent["spam model"] + clock() - t
        spam.score(inp, spam_p)
        t, spent["spam rules"] = clock(), spent["spam rules"] + clock() - t
        flags.sensitive_kinds(inp)
        t, spent["sensitive kinds"] = clock(), spent["sensitive kinds"] + clock() - t
        urgency.urgency_of(inp)
        t, spent["urgency, dates"] = clock(), spent["urgency, dates"] + clock() - t
        nontip = nontips.classify(inp)
        t, spent["not-tips"] = clock(), spent["not-tips"] + clock() - t
        if not (inp.automatic or inp.listed or nontip.not_tip):
            stories.features(inp.subject, inp.own_words, days=stories_days.of(inp))
        t, spent["story features"] = clock(), spent["story features"] + clock() - t
        result = pipeline.prepare(raw, settings.limits, sorter, 0)  # the whole, as the pool runs it
        t, spent["= prepare(), whole"] = clock(), spent["= prepare(), whole"] + clock() - t
        data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        t, spent["pickle"] = clock(), spent["pickle"] + clock() - t
        pickle.loads(data)
        t, spent["unpickle (storing side)"] = clock(), spent["unpickle (storing side)"] + clock() - t
        spent["bytes"] += len(data)
    return spent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--json", type=Path, help="also write the best figures here")
    args = ap.parse_args()
    raws = messages(args.corpus, args.count)
    settings = config_mod.from_dict({})
    sorter = Sorter.analyser(settings, ())
    one_round(raws[:50], settings, sorter)  # warm: compiled rules, the shipped model, the gazetteer
    best: dict[str, float] = {}
    for _ in range(args.rounds):
        spent = one_round(raws, settings, sorter)
        for k, v in spent.items():
            best[k] = min(best.get(k, v), v)
    n = len(raws)
    parts = sum(v for k, v in best.items() if k not in ("bytes",) and not k.startswith("=") and "pickle" not in k)
    print(f"{n} messages, best of {args.rounds} rounds, CPU ms per message:")
    for k, v in best.items():
        if k == "bytes":
            print(f"  {'result sent back':26s} {v / n / 1024:7.1f} KB a message (pickled)")
        else:
            print(f"  {k:26s} {v / n * 1000:7.3f}")
    print(f"  {'sum of the parts':26s} {parts / n * 1000:7.3f}")
    if args.json:
        args.json.write_text(json.dumps({k: v / n * 1000 for k, v in best.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
