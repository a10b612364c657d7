"""Spam: precision, recall, the share of ham marked spam, messages/s.

    .venv/bin/python bench/spam.py --train DIR:LABEL... [--test DIR:LABEL...] [--folds 5]

LABEL is spam or ham; each DIR holds raw messages, one per file. Every message
goes through the real parse and clean stages, then the spam model is trained
on the training messages (as it would be on editors' verdicts) and each test
message is scored the way the sort stage scores it: model probability, content
rules and the server's X-Spam headers (inbox.sort.spam.score) against the
configured threshold. Without --test, stratified k-fold cross-validation.
Also prints the model alone at the same threshold, and the rules alone.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox.config import LimitsSettings, SortingSettings  # noqa: E402
from inbox.mail.clean import clean  # noqa: E402
from inbox.mail.parse import parse  # noqa: E402
from inbox.sort import spam  # noqa: E402
from inbox.sort.model import TextModel  # noqa: E402
from inbox.sort.text import SortInput, from_mail  # noqa: E402


def read(specs: list[str]) -> tuple[list[SortInput], np.ndarray, int]:
    """Every message of DIR:LABEL specs, as the sort stage sees it; and how many failed to parse."""
    inputs, labels, failed = [], [], 0
    limits = LimitsSettings()
    for spec in specs:
        folder, _, label = spec.rpartition(":")
        if label not in ("spam", "ham"):
            raise SystemExit(f"{spec}: the label must be spam or ham")
        for path in sorted(Path(folder).iterdir()):
            if not path.is_file():
                continue
            try:
                inputs.append(from_mail(clean(parse(path.read_bytes(), limits))))
            except Exception:  # noqa: BLE001 - the pipeline would quarantine it; not part of this measure
                failed += 1
                continue
            labels.append(label)
    return inputs, np.array(labels), failed


def judge(train: list[SortInput], train_y, test: list[SortInput], threshold: float):
    """(combined verdicts, model-only verdicts, rules-only verdicts, (wall, CPU) seconds scoring the test set)."""
    model = TextModel.for_kind("spam").fit([m.words for m in train], list(train_y))  # as train_and_save trains spam
    spam_col = model.labels.index("spam")
    started, cpu = time.perf_counter(), time.process_time()
    probs = model.predict_proba([m.words for m in test])[:, spam_col]
    combined = np.array([spam.score(m, float(p))[0] >= threshold for m, p in zip(test, probs)])
    seconds = np.array([time.perf_counter() - started, time.process_time() - cpu])
    rules_only = np.array([spam.score(m, None)[0] >= threshold for m in test])
    return combined, probs >= threshold, rules_only, seconds


def line(name: str, truth: np.ndarray, verdict: np.ndarray) -> None:
    """One result line: precision, recall and the costly number, ham marked spam."""
    is_spam = truth == "spam"
    tp = int(np.sum(verdict & is_spam))
    fp = int(np.sum(verdict & ~is_spam))
    precision = tp / max(tp + fp, 1)
    recall = tp / max(int(is_spam.sum()), 1)
    ham_marked = fp / max(int((~is_spam).sum()), 1)
    print(f"{name:<22} precision {precision:.4f}  recall (spam caught) {recall:.4f}  "
          f"ham marked spam {ham_marked:.4f} ({fp} of {int((~is_spam).sum())})")


def main() -> None:
    """Read, split, train, score, print."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", nargs="+", required=True, metavar="DIR:LABEL")
    ap.add_argument("--test", nargs="+", metavar="DIR:LABEL")
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()
    threshold = SortingSettings().spam_threshold
    started = time.perf_counter()
    x, y, failed = read(args.train)
    print(f"read {len(x)} messages ({int((y == 'spam').sum())} spam) in {time.perf_counter() - started:.1f}s"
          f" through parse + clean; {failed} failed to parse")
    results = {"sort stage": [], "model alone": [], "rules alone": []}
    truth, seconds, scored = [], np.zeros(2), 0
    if args.test:
        tx, ty, _ = read(args.test)
        splits = [(x, y, tx, ty)]
    else:
        xs = np.array(x, dtype=object)
        folds = StratifiedKFold(args.folds, shuffle=True, random_state=0).split(xs, y)
        splits = [(list(xs[a]), y[a], list(xs[b]), y[b]) for a, b in folds]
    for train, train_y, test, test_y in splits:
        combined, model_only, rules_only, s = judge(train, train_y, test, threshold)
        for name, verdict in zip(results, (combined, model_only, rules_only)):
            results[name].append(verdict)
        truth.append(test_y)
        seconds += s
        scored += len(test)
    print(f"threshold {threshold}; {'held-out test' if args.test else f'{args.folds}-fold cross-validation'}")
    all_truth = np.concatenate(truth)
    for name, verdicts in results.items():
        line(name, all_truth, np.concatenate(verdicts))
    print(f"messages/s     {scored / seconds[0]:,.0f} wall, {scored / seconds[1]:,.0f} per CPU second"
          "  (model + rules + headers, after parse/clean)")


if __name__ == "__main__":
    main()
