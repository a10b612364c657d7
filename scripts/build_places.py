"""Build inbox/sort/data/places.tsv.gz, the gazetteer the story index reads (inbox.sort.places).

    pip install zipcodes   # MIT; the U.S. Postal Service's ZIP code places, each with its county
    python scripts/build_places.py --common-words ../shared/corpora/spamassassin

Every U.S. postal place name (a ZIP code's city and its other acceptable names) and every
county name, keyed as inbox.sort.salient writes a place's name (inbox.sort.places.key), with
the counties it lies in ("allegheny|PA"). Where a name is found in several counties, only those
holding at least places.MIN_SHARE of its ZIP codes are kept (the city a reader means: Philadelphia,
PA, not Philadelphia, MS); a name still in more than places.MAX_REGIONS counties ("Springfield",
"Franklin") is left out: it tells no region. So is a one-word name that real mail writes in lower
case as a common word ("industry", "media", "reading": towns too, but a capital at a sentence's
start would make them places): --common-words counts the words of the mail under the folders given.
General knowledge of the country, not of any desk's mail.
"""
from __future__ import annotations

import argparse
import gzip
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox.sort import places  # noqa: E402


COMMON_LOWER = 5  # a word written in lower case this often in real mail is a word, not a place


def common_words(folders: list[str]) -> set[str]:
    """The words written in lower case at least COMMON_LOWER times in the files under the folders."""
    counts: Counter[str] = Counter()
    for folder in folders:
        for path in Path(folder).rglob("*"):
            if path.is_file():
                counts.update(re.findall(r"(?<![\w@.])[a-z][a-z'-]+", path.read_bytes().decode("latin-1")))
    return {w for w, n in counts.items() if n >= COMMON_LOWER}


def main() -> int:
    import zipcodes

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--common-words", nargs="*", default=[],
                    help="folders of real mail whose lower-case words are no places")
    args = ap.parse_args()
    words = common_words(args.common_words)

    zips: dict[str, Counter[str]] = defaultdict(Counter)  # name -> region -> ZIP codes of that name there
    counties: set[tuple[str, str]] = set()
    for row in zipcodes.list_all():
        county, state = (row.get("county") or "").strip(), (row.get("state") or "").strip()
        if not county or not state:
            continue
        region = places.region_name(county, state)
        for name in [row.get("city") or "", *(row.get("acceptable_cities") or [])]:
            key = places.key(name)
            if key:
                zips[key][region] += 1
        counties.add((places.key(county), region))
    for county_key, region in counties:  # a county counts as one place of its name, whatever its ZIP codes
        if county_key:
            zips[county_key][region] += 1
    kept = {}
    for name, counts in zips.items():
        total = sum(counts.values())
        # The places of this name big enough to be the one a reader means (Philadelphia, PA, not Philadelphia, MS)
        big = sorted(r for r, n in counts.items() if n >= places.MIN_SHARE * total)
        if 0 < len(big) <= places.MAX_REGIONS and name not in words:
            kept[name] = big
    lines = [f"{k}\t{';'.join(v)}" for k, v in sorted(kept.items())]
    text = ("# U.S. postal places and counties -> their counties "
            "(scripts/build_places.py; data: the zipcodes package, MIT)\n" + "\n".join(lines) + "\n")
    # mtime 0: the same bytes every build
    places.TABLE.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{len(kept)} names kept of {len(zips)} ({len(zips) - len(kept)} in more than "
          f"{places.MAX_REGIONS} counties or a common word) -> {places.TABLE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
