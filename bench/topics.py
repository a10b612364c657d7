"""Topic model: accuracy, macro-F1, tips/s classified, training seconds.

    .venv/bin/python bench/topics.py --train CSV [--test CSV] [--folds 5]

CSV columns: text,topic. Without --test, k-fold cross-validation (stratified,
shuffled with a fixed seed). The model is the one the sorter trains from
editors' corrections (inbox.sort.model.TextModel); rules are not used, since
the eval labels are not the desk's topics. Also times a retrain on 5,000
labels (resampled from the training file when it is smaller).
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox.sort import meaning  # noqa: E402
from inbox.sort.model import TextModel  # noqa: E402


def read(path: str) -> tuple[list[str], np.ndarray]:
    """The text,topic rows of a CSV, skipping empty ones."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["text"].strip() and r["topic"].strip()]
    return [r["text"] for r in rows], np.array([r["topic"] for r in rows])


def evaluate(train_x, train_y, test_x, test_y) -> tuple[np.ndarray, float, tuple[float, float]]:
    """Predictions for the test texts, training seconds, classifying (wall, CPU) seconds."""
    started = time.perf_counter()
    model = TextModel.for_kind("topics").fit(train_x, list(train_y))
    trained = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    probs = model.predict_proba(test_x)
    classified = (time.perf_counter() - started, time.process_time() - cpu)
    return np.array(model.labels)[probs.argmax(axis=1)], trained, classified


def main() -> None:
    """Cross-validate (or train/test), then time a retrain on 5,000 labels."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", required=True)
    ap.add_argument("--test")
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()
    x, y = read(args.train)
    truth, predicted, train_s, classify_s, classified = [], [], [], np.zeros(2), 0
    if args.test:
        tx, ty = read(args.test)
        p, t, c = evaluate(x, y, tx, ty)
        truth, predicted, train_s, classify_s, classified = [ty], [p], [t], np.array(c), len(tx)
        print(f"{Path(args.train).name} -> {Path(args.test).name}: {len(x)} train, {len(tx)} test, {len(set(y))} labels")
    else:
        # Labels with fewer examples than folds cannot be stratified: they stay in training only.
        labels, counts = np.unique(y, return_counts=True)
        rare = set(labels[counts < args.folds])
        keep = np.array([label not in rare for label in y])
        xs = np.array(x, dtype=object)
        folds = StratifiedKFold(args.folds, shuffle=True, random_state=0)
        kept = np.flatnonzero(keep)
        for train_i, test_i in folds.split(xs[kept], y[kept]):
            train_idx = np.concatenate([kept[train_i], np.flatnonzero(~keep)])
            test_idx = kept[test_i]
            p, t, c = evaluate(list(xs[train_idx]), y[train_idx], list(xs[test_idx]), y[test_idx])
            truth.append(y[test_idx])
            predicted.append(p)
            train_s.append(t)
            classify_s += np.array(c)
            classified += len(test_idx)
        print(f"{Path(args.train).name}: {len(x)} rows, {len(labels)} labels, {args.folds}-fold cross-validation"
              + (f" ({len(rare)} labels with < {args.folds} rows only ever trained on)" if rare else ""))
    truth_all, predicted_all = np.concatenate(truth), np.concatenate(predicted)
    print(f"accuracy       {accuracy_score(truth_all, predicted_all):.3f}")
    print(f"macro-F1       {f1_score(truth_all, predicted_all, average='macro'):.3f}")
    print(f"tips/s         {classified / classify_s[0]:,.0f} wall, {classified / classify_s[1]:,.0f} per CPU second"
          "  (classified in batches, 1 process)")
    print(f"training s     {np.mean(train_s):.2f} per model on {len(x) - len(x) // args.folds if not args.test else len(x)} labels")
    rng = np.random.default_rng(0)
    pick = rng.choice(len(x), size=5000, replace=len(x) < 5000)
    big_x, big_y = [x[i] for i in pick], y[pick]
    meaning.embedder().clear()  # cut every word into pieces again, as a fresh process would
    started, cpu = time.perf_counter(), time.process_time()
    TextModel.for_kind("topics").fit(big_x, list(big_y))
    # CPU seconds too: on a shared machine the wall clock also counts other processes' turns.
    print(f"retrain 5,000  {time.perf_counter() - started:.2f} s wall, {time.process_time() - cpu:.2f} s CPU")


if __name__ == "__main__":
    main()
