"""Spam and not-tips: legitimate mail marked spam, spam caught, and where each non-tip lands.

    .venv/bin/python bench/spam.py [--corpora ../shared/corpora/spamassassin] [--nontips ../shared/eval/replies/nontips]

Every message goes through the real parse and clean stages and the sort stage's
pure part (Sorter.analyse: topic, spam score, flags, not-tips), and lands where
Sorting.apply would put a new tip: New, Not tips or Spam. Three configurations:

- default: what ships: the base spam model in the package (inbox/sort/spam_base.py,
  trained by scripts/train_default_spam.py on one half of the SpamAssassin sets and the
  project's own corpus), the rules and the evidence. Its SpamAssassin figures are measured
  on the other half only (spam_base.in_training_half says which half it trained on);
- rules and evidence alone (sorting.base_spam_model = false), on every SpamAssassin file;
- SpamAssassin only: a model trained the same way on the same half of SpamAssassin
  without the project's corpus, measured on the same other half (what the project's corpus adds).

Also readers' own mail (--readers: the desk's tips and the replies set by default),
which should all land in New. Prints, per set: legitimate mail marked spam, spam caught, and (non-tips, by kind)
how many land in New / Not tips / Spam; then the CPU each message costs the spam
score (with the base model, and without) and the not-tip rules.
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dataclasses import replace  # noqa: E402

from inbox.config import LimitsSettings, Settings  # noqa: E402
from inbox.mail.clean import clean  # noqa: E402
from inbox.mail.parse import parse  # noqa: E402
from inbox.models import ModelVersion, Tip  # noqa: E402
from inbox.sort import Sorter, nontips, spam, spam_base  # noqa: E402
from inbox.sort.model import TextModel  # noqa: E402
from inbox.sort.text import SortInput, from_mail  # noqa: E402

SETS = (("easy-ham-1", "ham"), ("easy-ham-2", "ham"), ("spam-1", "spam"))


def read_dir(folder: Path) -> list[tuple[str, SortInput]]:
    """(file name, what sorting reads) for every message of a folder; unreadable ones skipped."""
    limits, out = LimitsSettings(), []
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix not in (".csv", ".md", ".json"):
            try:
                out.append((path.name, from_mail(clean(parse(path.read_bytes(), limits)))))
            except Exception:  # noqa: BLE001 - the pipeline would quarantine it; not part of this measure
                continue
    return out


def landing(sorter: Sorter, inp: SortInput) -> str:
    """Where a new tip of this message lands on the board."""
    tip = Tip(status="new")
    sorter.analyse(inp).apply(tip)
    return tip.status


def report(name: str, truth: list[str], lands: list[str]) -> None:
    """One line: legitimate mail marked spam, spam caught, and the landing counts."""
    t, land = np.array(truth), np.array(lands)
    ham, sp = t == "ham", t == "spam"
    marked = int(np.sum((land == "spam") & ham))
    caught = int(np.sum((land == "spam") & sp))
    where = Counter(lands)
    parts = [f"{name:<24} n={len(t):>5}"]
    if ham.any():
        parts.append(f"legitimate marked spam {marked / ham.sum():6.2%} ({marked}/{int(ham.sum())})")
    if sp.any():
        parts.append(f"spam caught {caught / sp.sum():6.2%} ({caught}/{int(sp.sum())})")
    parts.append(f"New {where['new']}, Not tips {where['not_tip']}, Spam {where['spam']}")
    print("  ".join(parts))


def run(title: str, sorter: Sorter, sa: list[tuple[str, str, SortInput]], kinds: list[tuple[str, SortInput]],
        readers: list[tuple[str, list[SortInput]]] = ()) -> None:
    """Print one configuration's figures (each message analysed once)."""
    print(f"\n== {title}")
    for name, inputs in readers:
        report(f"readers: {name}", ["ham"] * len(inputs), [landing(sorter, inp) for inp in inputs])
    sa_lands = [landing(sorter, inp) for _, _, inp in sa]
    for folder, _ in SETS:
        rows = [(lab, land) for (f, lab, _), land in zip(sa, sa_lands) if f == folder]
        if rows:
            report(folder, [lab for lab, _ in rows], [land for _, land in rows])
    report("spamassassin, all", [lab for _, lab, _ in sa], sa_lands)
    nt_lands = [landing(sorter, inp) for _, inp in kinds]
    by_kind: dict[str, list[str]] = {}
    for (kind, _), land in zip(kinds, nt_lands):
        by_kind.setdefault(kind, []).append(land)
    for kind, lands in sorted(by_kind.items()):
        report(f"nontips: {kind}", ["spam" if kind == "spam" else "ham"] * len(lands), lands)
    report("nontips, all", ["spam" if k == "spam" else "ham" for k, _ in kinds], nt_lands)


def _with_base(inp: SortInput):
    return spam.score(inp, spam_base.model_probability(spam_base.shipped(), None, None, inp.words)[0])


def cpu_per_message(inputs: list[SortInput]) -> None:
    """CPU of the spam score (with the base model, and rules + evidence alone), of the base model
    by itself, and of the not-tip rules."""
    scorer = spam_base.shipped()  # read once, as a sorter does, before the clock starts
    # Twice with the model: the first pass also pays for whatever warms up (regex, numpy), the second is
    # a worker's steady state. The model keeps no per-word cache, so the two should agree.
    for name, fn in (("spam score (base model + rules)", _with_base), ("  the same, second pass", _with_base),
                     ("spam score (rules + evidence)", lambda i: spam.score(i, None)),
                     ("base model alone", lambda i: scorer.scores(i.words)),
                     ("not-tip rules", nontips.classify)):
        started = time.process_time()
        for inp in inputs:
            fn(inp)
        print(f"CPU {name:<32} {1000 * (time.process_time() - started) / max(len(inputs), 1):.3f} ms/message"
              f" over {len(inputs)} messages")
    print(f"base model held in memory: {scorer.held_bytes() / 1e6:.1f} MB (look-up tables and weights; no word cache)")


def main() -> None:
    """Read, score in both configurations, print."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", type=Path, default=Path("../shared/corpora/spamassassin"))
    ap.add_argument("--nontips", type=Path, default=Path("../shared/eval/replies/nontips"))
    ap.add_argument("--readers", type=Path, nargs="*", default=[Path("../shared/eval/desk"), Path("../shared/eval/replies/replies")],
                    help="folders of readers' own mail (tips, replies): every one should land in New")
    args = ap.parse_args()
    started = time.perf_counter()
    read = [(folder, label, name, inp) for folder, label in SETS if (args.corpora / folder).is_dir()
            for name, inp in read_dir(args.corpora / folder)]
    sa = [(folder, label, inp) for folder, label, _, inp in read]
    sa_names = [name for _, _, name, _ in read]
    kinds: list[tuple[str, SortInput]] = []
    if (args.nontips / "labels.csv").is_file():
        label_of = {r["file"]: r["kind"] for r in csv.DictReader(open(args.nontips / "labels.csv", encoding="utf-8"))}
        kinds = [(label_of[name], inp) for name, inp in read_dir(args.nontips) if name in label_of]
    readers = [(folder.name, [inp for _, inp in read_dir(folder)]) for folder in args.readers if folder.is_dir()]
    print(f"read {len(sa)} SpamAssassin, {len(kinds)} non-tip and {sum(len(r) for _, r in readers)} readers' "
          f"messages in {time.perf_counter() - started:.1f}s")
    settings = Settings()
    print(f"threshold {settings.sorting.spam_threshold}")
    unseen = [row for row, name in zip(sa, sa_names) if not spam_base.in_training_half(name)]
    run(f"default configuration (what ships: the base spam model; SpamAssassin measured only on the {len(unseen)} "
        f"of {len(sa)} files it was NOT trained on)", Sorter(settings), unseen, kinds, readers)
    rules_only = replace(settings, sorting=replace(settings.sorting, base_spam_model=False))
    run("rules and evidence alone (base_spam_model = false; every SpamAssassin file)", Sorter(rules_only), sa, kinds, readers)

    train = [row for row, name in zip(sa, sa_names) if spam_base.in_training_half(name)]
    model = TextModel.for_kind("spam").fit([inp.words for _, _, inp in train], [lab for _, lab, _ in train])
    trained = Sorter(rules_only)
    trained.models["spam"] = (model, ModelVersion(id=0, kind="spam", version=0, filename="", file_sha256=""))
    run(f"SpamAssassin alone (a model on the same {len(train)} SpamAssassin files, no project corpus; "
        f"measured on the other {len(unseen)})", trained, unseen, kinds, readers)
    print()
    cpu_per_message([inp for _, _, inp in sa] + [inp for _, inp in kinds])


if __name__ == "__main__":
    main()
