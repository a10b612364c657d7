"""How well are the reader's own words and signature found in replies? Ours against mail-parser-reply.

    python bench/replies.py ../shared/eval/replies
    python bench/replies.py ../shared/eval/replies --spamassassin ../shared/corpora/spamassassin

Each reply is parsed and cleaned as the worker does; inbox.mail.quotes and
mail-parser-reply (all its languages) then read the same text. A result is
exactly right when it equals the label after the whitespace both sides may
differ in: clean.normalise, each line stripped (mail-parser-reply strips them,
format=flowed keeps trailing spaces), runs of blank lines as one (pieces are
joined by a blank line). Figures: new text right overall, per language and per
client, signature right, and messages/s of the quote step alone (CPU time, so a
busy machine does not inflate it).
--spamassassin prints the share of ordinary mail whose new text became empty
or shrank under 20 % of the body: real text cut by mistake shows there.
Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox.config import LimitsSettings  # noqa: E402
from inbox.mail.clean import clean, normalise  # noqa: E402
from inbox.mail.parse import LimitExceeded, parse  # noqa: E402
from inbox.mail.quotes import split_reply  # noqa: E402

try:
    from mailparser_reply import EmailReplyParser
    from mailparser_reply.constants import MAIL_LANGUAGES
except ImportError:  # the comparison is optional; ours is always measured
    EmailReplyParser = None


def comparable(text: str) -> str:
    lines = [line.strip() for line in normalise(text).split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n")


def ours(text: str, subject: str, sender: str) -> tuple[str, str]:
    reply = split_reply(text, subject, sender)
    signature = text[reply.signature[0] : reply.signature[1]] if reply.signature else ""
    return reply.new_text(text), signature


def library(text: str, subject: str, sender: str) -> tuple[str, str]:
    first = EmailReplyParser(languages=list(MAIL_LANGUAGES)).read(text).replies[0]
    return first.body, first.signatures


def load(root: Path) -> list[dict]:
    folder = root / "replies" if (root / "replies" / "expected.json").is_file() else root
    expected = json.loads((folder / "expected.json").read_text())
    cases = []
    for name, label in sorted(expected.items()):
        parsed = parse((folder / name).read_bytes(), LimitsSettings())
        mail = clean(parsed)
        cases.append({"name": name, "text": mail.text, "subject": parsed.subject, "sender": parsed.from_name, **label})
    return cases


def score(cases: list[dict], reader) -> dict:
    right = {"new": 0, "signature": 0, "both": 0}
    by: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    wrong = []
    for case in cases:
        new, signature = reader(case["text"], case["subject"], case["sender"])
        new_ok = comparable(new) == comparable(case["new_text"])
        sig_ok = comparable(signature) == comparable(case["signature"])
        right["new"] += new_ok
        right["signature"] += sig_ok
        right["both"] += new_ok and sig_ok
        for key in (f"lang {case['lang']}", f"client {case['client']}"):
            by[key][0] += new_ok
            by[key][1] += 1
        if not (new_ok and sig_ok):
            wrong.append(case["name"] + ("" if new_ok else " new") + ("" if sig_ok else " sig"))
    return {"right": right, "by": by, "wrong": wrong}


def speed(cases: list[dict], reader, rounds: int) -> float:
    start = time.process_time()
    for _ in range(rounds):
        for case in cases:
            reader(case["text"], case["subject"], case["sender"])
    return rounds * len(cases) / (time.process_time() - start)


def shrinkage(folders: list[Path]) -> None:
    """Share of ordinary mail whose new text is empty or under 20 % of the body, and the cost per message."""
    total = empty = shrunk = 0
    spent = 0.0
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            try:
                parsed = parse(path.read_bytes(), LimitsSettings())
            except LimitExceeded:
                continue
            text = clean(parsed).text
            if not text.strip():
                continue
            start = time.process_time()
            reply = split_reply(text, parsed.subject, parsed.from_name)
            spent += time.process_time() - start
            kept = sum(len(comparable(text[a:b])) for a, b in reply.spans)
            total += 1
            empty += kept == 0
            shrunk += 0 < kept < 0.2 * len(comparable(text))
        print(f"  {folder}: {total} messages so far")
    print(f"spamassassin: {total} messages; new text empty {empty / total:.1%}, under 20 % of the body "
          f"{shrunk / total:.1%}; quotes {spent / total * 1000:.3f} ms/message")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("replies", type=Path, help="../shared/eval/replies (or its replies/ folder)")
    parser.add_argument("--rounds", type=int, default=20, help="timing rounds over the set")
    parser.add_argument("--spamassassin", type=Path, help="also check ordinary mail is not cut (a corpus folder)")
    parser.add_argument("--wrong", action="store_true", help="list the files each reader gets wrong")
    args = parser.parse_args()
    cases = load(args.replies)
    readers = {"ours": ours}
    if EmailReplyParser is not None:
        readers["mail-parser-reply"] = library
    else:
        print("mail-parser-reply is not installed (pip install mail-parser-reply): only ours is measured")
    results = {name: score(cases, reader) for name, reader in readers.items()}
    n = len(cases)
    print(f"{n} replies from {args.replies}")
    print(f"{'':28}" + "".join(f"{name:>20}" for name in readers))
    for key, label in (("new", "new text exactly right"), ("signature", "signature right"), ("both", "both right")):
        print(f"{label:28}" + "".join(f"{r['right'][key] / n:>14.3f} ({r['right'][key]:>3})" for r in results.values()))
    keys = sorted(results["ours"]["by"], key=lambda k: (not k.startswith("lang"), -results["ours"]["by"][k][1], k))
    for key in keys:
        cells = "".join(f"{r['by'][key][0] / r['by'][key][1]:>14.2f} {r['by'][key][0]:>2}/{r['by'][key][1]:<2}"
                        for r in results.values())
        print(f"  new text, {key:17.17}" + cells)
    for name, reader in readers.items():
        rate = speed(cases, reader, args.rounds)
        print(f"speed {name}: {rate:,.0f} messages/s, {1000 / rate:.3f} ms/message (quote step alone)")
    if args.wrong:
        for name, result in results.items():
            print(f"wrong, {name}: {' '.join(result['wrong'])}")
    if args.spamassassin:
        shrinkage(sorted(p for p in args.spamassassin.iterdir() if p.is_dir()) or [args.spamassassin])


if __name__ == "__main__":
    main()
