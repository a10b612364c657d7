"""Is anything still executable after clean.py's sanitiser? And how fast are parse and clean?

    python bench/sanitise.py ../shared/corpora/xss/dompurify-payloads.json
    python bench/sanitise.py --corpus ../shared/corpora/spamassassin

The first form cleans every payload, re-parses the output the way a browser
would (html5lib) and counts what could still run or call home; the total must
be 0. The second parses and cleans every message under the folders on one
core and prints messages/s. Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from bs4 import BeautifulSoup

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox.config import LimitsSettings  # noqa: E402
from inbox.mail.clean import clean, sanitise  # noqa: E402
from inbox.mail.parse import LimitExceeded, parse  # noqa: E402

SHA = "0" * 64
FORBIDDEN_ELEMENTS = ("iframe", "object", "embed", "form", "base", "meta", "link", "style", "frame", "frameset")
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")


def executable_leftovers(html: str) -> Counter:
    """Count what a browser could still run (or fetch) in sanitised HTML, by kind."""
    found: Counter = Counter()
    soup = BeautifulSoup(html, "html5lib")
    for tag in soup.find_all(True):
        name = tag.name.lower()
        if name == "script":
            found["script element"] += 1
        elif name in ("svg", "math"):
            found["svg/math element"] += 1
        elif name in FORBIDDEN_ELEMENTS:
            found[f"{name} element"] += 1
        if name == "img" and tag.get("src") and not str(tag["src"]).startswith(f"/cid/{SHA}/"):
            found["remote image"] += 1
        for attr, value in tag.attrs.items():
            value = " ".join(value) if isinstance(value, list) else str(value)
            squashed = "".join(ch for ch in value if ch > " ").lower()
            if attr.lower().startswith("on"):
                found["on* attribute"] += 1
            if squashed.startswith(BAD_SCHEMES):
                found["javascript:/data:/vbscript: url"] += 1
            if attr.lower() == "style" and ("url(" in squashed or "expression" in squashed):
                found["style with url(/expression"] += 1
    return found


def payloads(path: Path) -> list[str]:
    return [item["payload"] for item in json.loads(path.read_text(encoding="utf-8"))]


def check_payloads(path: Path, rounds: int) -> int:
    docs = payloads(path)
    started = time.perf_counter()
    for _ in range(rounds):
        cleaned = [sanitise(doc, SHA) for doc in docs]
    elapsed = time.perf_counter() - started
    total: Counter = Counter()
    for doc in cleaned:
        total += executable_leftovers(doc)
    print(f"payloads: {len(docs)}")
    for kind in ("script element", "on* attribute", "javascript:/data:/vbscript: url", "svg/math element",
                 "style with url(/expression", "remote image", *(f"{e} element" for e in FORBIDDEN_ELEMENTS)):
        print(f"  {kind}: {total[kind]}")
    print(f"total executable leftovers: {sum(total.values())}")
    print(f"sanitise: {len(docs) * rounds / elapsed:,.0f} docs/s ({rounds} rounds)")
    return sum(total.values())


def measure_corpus(folders: list[Path]) -> None:
    files = [p for folder in folders for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix != ".json"]
    raws = [p.read_bytes() for p in files]
    limits = LimitsSettings()
    over = 0
    parse_time = clean_time = 0.0
    html_parts: list[str] = []
    for raw in raws:
        started = time.perf_counter()
        try:
            parsed = parse(raw, limits)
        except LimitExceeded:
            over += 1
            continue
        middle = time.perf_counter()
        clean(parsed)
        clean_time += time.perf_counter() - middle
        parse_time += middle - started
        html_parts += parsed.html_parts
    started = time.perf_counter()
    for part in html_parts:
        sanitise(part, SHA)
    elapsed = time.perf_counter() - started
    html_mb = sum(map(len, html_parts)) / 1e6
    print(f"sanitise real HTML: {len(html_parts)} parts ({html_mb:.1f} MB), "
          f"{len(html_parts) / elapsed:,.0f} docs/s, {html_mb / elapsed:.1f} MB/s")
    megabytes = sum(map(len, raws)) / 1e6
    total = parse_time + clean_time
    print(f"messages: {len(raws)} ({megabytes:.1f} MB), over a limit: {over}")
    print(f"parse: {len(raws) / parse_time:,.0f} msgs/s; clean: {len(raws) / clean_time:,.0f} msgs/s")
    print(f"parse+clean, one core: {len(raws) / total:,.0f} msgs/s, {megabytes / total:.1f} MB/s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("payloads", nargs="?", type=Path, help="dompurify-payloads.json")
    parser.add_argument("--corpus", nargs="+", type=Path, default=[], help="mail folders to parse and clean")
    parser.add_argument("--rounds", type=int, default=20, help="times to sanitise the payload set when timing")
    args = parser.parse_args()
    if not args.payloads and not args.corpus:
        parser.error("give a payload file and/or --corpus DIR...")
    leftovers = check_payloads(args.payloads, args.rounds) if args.payloads else 0
    if args.corpus:
        measure_corpus(args.corpus)
    return 1 if leftovers else 0


if __name__ == "__main__":
    sys.exit(main())
