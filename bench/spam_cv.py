"""Cross-validation of the shipped spam model's n-grams on its own training set (never on eval/).

    .venv/bin/python bench/spam_cv.py [--spamassassin ../shared/corpora/spamassassin] [--folds 5]

The texts, labels and weights scripts/train_default_spam.py trains on (half of SpamAssassin and
the project's corpus), in stratified folds (by label and source); for each feature set, the
share of each source's spam and ham whose model probability passes 0.5 and 0.8. The feature
sets: what ships (words, word pairs and character 4-grams, spam_base.untrained), words and
pairs alone, and scikit-learn's word 1-2-grams and char_wb 4-5-grams (TextModel.for_kind("spam"),
what the desk's own model reads and the base model read before it had to cost under 0.25 ms).
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox.sort import spam_base  # noqa: E402
from inbox.sort.model import TextModel  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
VARIANTS = (("shipped: words, pairs, char 4-grams", lambda: spam_base.untrained()),
            ("words and pairs alone", lambda: spam_base.untrained(parts=("words",))),
            ("scikit-learn's words + char_wb 4-5", lambda: TextModel.for_kind("spam")))


def _training_set(spamassassin: Path):
    spec = importlib.util.spec_from_file_location("train_default_spam", REPO / "scripts" / "train_default_spam.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    texts, labels, weights, _ = script.training_set(spamassassin, REPO / "tests" / "fixtures" / "spam_corpus")
    return np.array(texts, dtype=object), np.array(labels), np.array(weights)


def main() -> None:
    from sklearn.model_selection import StratifiedKFold

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spamassassin", type=Path, default=Path("../shared/corpora/spamassassin"))
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()
    texts, labels, weights = _training_set(args.spamassassin)
    project = weights > 1.0  # the project's messages are the ones weighed up
    strata = np.char.add(labels.astype(str), project.astype(str))
    print(f"{len(texts)} training texts ({int(project.sum())} the project's), {args.folds} folds")
    for name, make in VARIANTS:
        p = np.zeros(len(texts))
        for train, test in StratifiedKFold(args.folds, shuffle=True, random_state=0).split(texts, strata):
            model = make().fit(list(texts[train]), list(labels[train]), parallel=False, weights=list(weights[train]))
            p[test] = model.predict_proba(list(texts[test]))[:, model.labels.index("spam")]
        cells = []
        for source, mask in (("project", project), ("SpamAssassin", ~project)):
            spam, ham = mask & (labels == "spam"), mask & (labels == "ham")
            cells += [f"{source} > {t}: spam {np.mean(p[spam] > t):6.1%} ham {np.mean(p[ham] > t):5.1%}" for t in (0.5, 0.8)]
        print(f"{name:<38} " + " | ".join(cells))


if __name__ == "__main__":
    main()
