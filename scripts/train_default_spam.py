"""Train the spam model that ships in the package (inbox/sort/data/spam-base.npz).

    .venv/bin/python scripts/train_default_spam.py [--spamassassin ../shared/corpora/spamassassin]
                                                    [--corpus tests/fixtures/spam_corpus] [--out PATH]

From one half of the public SpamAssassin corpus (easy-ham-1, easy-ham-2 as ham, spam-1 as
spam; the half inbox.sort.spam_base.in_training_half picks, so bench/spam.py measures on the
other) and the project's own corpus of today's spam and a newsroom's legitimate mail. Every
message goes through the real parse and clean stages and is read as the sort stage reads it;
e-mail addresses and phone numbers are left out as learn.py leaves them out of editors' labels.
The same inputs give the same file, byte for byte (the SVMs are fitted one after the other).
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox.config import LimitsSettings  # noqa: E402
from inbox.mail.clean import clean  # noqa: E402
from inbox.mail.parse import parse  # noqa: E402
from inbox.sort import spam_base  # noqa: E402
from inbox.sort.learn import without_identity  # noqa: E402
from inbox.sort.model import data_sha256  # noqa: E402
from inbox.sort.text import from_mail  # noqa: E402

SPAMASSASSIN_SETS = (("easy-ham-1", "ham"), ("easy-ham-2", "ham"), ("spam-1", "spam"))
REPO = Path(__file__).resolve().parents[1]
# The project's corpus: one file per label, messages separated by a line of this.
SEPARATOR = "%%%%"
# Each project message counts this many times a SpamAssassin one: a hundred messages of today's
# mail against two thousand of 2002's would otherwise barely move the weights.
PROJECT_WEIGHT = 3.0


def words(raw: bytes) -> str | None:
    """What the sort stage's models read of a message (subject and own words), or None if unreadable."""
    try:
        inp = from_mail(clean(parse(raw, LimitsSettings())))
    except Exception:  # noqa: BLE001 - the pipeline would quarantine it; nothing to learn
        return None
    return without_identity(inp.words, None)


def corpus_messages(folder: Path) -> list[tuple[str, bytes]]:
    """(label, raw message) of the project's corpus: spam.txt and ham.txt."""
    out = []
    for label in ("ham", "spam"):
        text = (folder / f"{label}.txt").read_text(encoding="utf-8")
        for chunk in text.split(f"\n{SEPARATOR}\n"):
            if chunk.strip():
                out.append((label, chunk.strip().encode("utf-8") + b"\n"))
    return out


def spamassassin_half(root: Path) -> list[tuple[str, bytes]]:
    """(label, raw message) of the SpamAssassin files in the training half, in name order."""
    out = []
    for folder, label in SPAMASSASSIN_SETS:
        for path in sorted((root / folder).iterdir()):
            if path.is_file() and spam_base.in_training_half(path.name):
                out.append((label, path.read_bytes()))
    return out


def training_set(spamassassin: Path | None, corpus: Path) -> tuple[list[str], list[str], list[float], dict]:
    """The texts, labels and weights the base model learns from, and what to say of them in the sidecar."""
    sa = spamassassin_half(spamassassin) if spamassassin else []
    own = corpus_messages(corpus)
    texts, labels, weights, counts = [], [], [], {}
    for source, rows, weight in (("spamassassin", sa, 1.0), ("project", own, PROJECT_WEIGHT)):
        for label, raw in rows:
            text = words(raw)
            if text is None:
                continue
            texts.append(text)
            labels.append(label)
            weights.append(weight)
            counts[f"{source}_{label}"] = counts.get(f"{source}_{label}", 0) + 1
    return texts, labels, weights, counts


def train(spamassassin: Path | None, corpus: Path, out: Path) -> dict:
    """Train and write the base model and its sidecar; returns the sidecar."""
    texts, labels, weights, counts = training_set(spamassassin, corpus)
    model = spam_base.untrained().fit(texts, labels, parallel=False, weights=weights)
    meta = {"trained_by": "scripts/train_default_spam.py", "samples": counts, "project_weight": PROJECT_WEIGHT,
            "data_sha256": data_sha256(texts, labels),
            "corpus_sha256": hashlib.sha256(b"".join((corpus / f"{k}.txt").read_bytes() for k in ("ham", "spam"))).hexdigest(),
            "spamassassin_half": "files whose sha256(name) starts with an even byte",
            "features": "words and word pairs (spam_base.word_hashes) and character 4-grams (spam_base.char_hashes), "
                        "hashed to buckets, sublinear TF-IDF per part, linear SVM",
            "hash_buckets": spam_base.HASH_BUCKETS, "max_chars": spam_base.MAX_CHARS}
    return spam_base.write(out, model, meta)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spamassassin", type=Path, default=Path("../shared/corpora/spamassassin"))
    ap.add_argument("--corpus", type=Path, default=REPO / "tests" / "fixtures" / "spam_corpus")
    ap.add_argument("--out", type=Path, default=spam_base.BASE_FILE)
    args = ap.parse_args()
    if not args.spamassassin.is_dir():
        sys.exit(f"{args.spamassassin}: not a folder (the SpamAssassin corpus: easy-ham-1, easy-ham-2, spam-1)")
    meta = train(args.spamassassin, args.corpus, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB): {meta['samples']}, sha256 {meta['file_sha256'][:16]}")


if __name__ == "__main__":
    main()
