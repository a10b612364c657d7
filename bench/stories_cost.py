"""What the story index costs a tip, in-process and without a database (CPU, best of three).

    .venv/bin/python bench/stories_cost.py ../shared/eval/desk ../shared/corpora/spamassassin/easy-ham-1

For every .eml (or maildir file) given: parse and clean it as the pipeline does, then time
* features: the pure part (own words, content words and their stems, names, meaning);
* stems: the stemming alone (each content word through inbox.sort.stories.stem);
* event days: the days a tip names for its event (inbox.sort.stories_days.of), alone and after the urgency
  rules (as the sorter runs them: the time phrases are found once a message, deadlines.found_in);
* look-up: candidates, evidence and the join decision for each tip in arrival order,
  with and without the second look at lone tips after a join (StoryIndex.lone_tips);
* common meaning: of the look-up, learning the desk's common meaning (stories_meaning.CommonMeaning:
  every tip observed, the common directions computed as the desk grows).
Prints milliseconds of CPU per tip. Nothing is stored and nothing is learned.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox.config import Settings, StorySettings  # noqa: E402
from inbox.mail import files  # noqa: E402
from inbox.pipeline import Prepared, prepare  # noqa: E402
from inbox.sort import clusters, salient, stories, stories_days, stories_score, urgency  # noqa: E402
from inbox.sort.stories_meaning import CommonMeaning  # noqa: E402
from inbox.sort.stories_index import StoryIndex  # noqa: E402
from inbox.sort.text import from_mail  # noqa: E402


def inputs(folders: list[str]) -> list:
    settings = Settings()
    out = []
    for raw, _source in files.read_all(folders):
        prepared = prepare(raw, settings.limits)
        if isinstance(prepared, Prepared):
            out.append(from_mail(prepared.mail))
    return sorted(out, key=lambda i: (i.sent_at is None, i.sent_at or 0))


def best_of(fn, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def replay(items: list, pull: bool) -> None:
    join = StorySettings().join
    index = StoryIndex(StorySettings().window_days)
    for n, (inp, found) in enumerate(items, 1):
        at = inp.sent_at
        index.observe(n, found)
        vector = index.vector(found)
        candidates = index.candidates(found, at)
        best = None
        for story in candidates:
            z = stories_score.logit(index.evidence(found, vector, story, at))
            if best is None or z > best[0]:
                best = (z, story)
        joined = best is not None and stories_score.sigmoid(best[0]) >= join
        story = index.add(n, found, at, inp.sender, key=best[1].key if joined else None, vector=vector)
        if pull and joined:
            for tip, other, when, sender, evidence in index.lone_tips(story, candidates):
                if stories_score.sigmoid(stories_score.logit(evidence)) >= join:
                    index.add(tip, other, when, sender, key=story.key)


def _learn(items: list) -> None:
    common = CommonMeaning()
    for _inp, found in items:
        common.observe(found.meaning)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="+")
    args = ap.parse_args()
    mail = inputs(args.folders)
    if not mail:
        print("no mail in " + ", ".join(args.folders), file=sys.stderr)
        return 2
    stories.features("warm up", "the meaning table loads once")
    items = []
    days = {id(inp): stories_days.of(inp) for inp in mail}
    feature_time = best_of(lambda: items.__setitem__(slice(None), [
        (inp, f) for inp in mail
        if (f := stories.features(inp.subject, inp.own_words, days=days[id(inp)])) is not None]))
    words = [clusters.counts(salient.own_text(inp.subject, inp.own_words)) for inp, _ in items]
    stem_time = best_of(lambda: [stories.stem(w) for c in words for w in c])
    def afresh():  # the time phrases are found once a message (deadlines.found_in): forget them
        for inp, _ in items:
            inp.__dict__.pop("_time_phrases", None)

    days_time = best_of(lambda: (afresh(), [stories_days.of(inp) for inp, _ in items]))
    after_urgency = best_of(lambda: (afresh(), [(urgency.urgency_of(inp), stories_days.of(inp)) for inp, _ in items])) \
        - best_of(lambda: (afresh(), [urgency.urgency_of(inp) for inp, _ in items]))
    plain = best_of(lambda: replay(items, pull=False))
    pulled = best_of(lambda: replay(items, pull=True))
    common = best_of(lambda: _learn(items))
    n = len(items)
    print(f"{len(mail)} messages, {n} with enough words to compare")
    print(f"features (pure part)        {1000 * feature_time / n:.3f} ms CPU a tip, of which stemming "
          f"{1000 * stem_time / n:.3f} ms")
    print(f"event days                  {1000 * days_time / n:.3f} ms CPU a tip alone, "
          f"{1000 * after_urgency / n:.3f} ms after the urgency rules' date phrases")
    print(f"look-up and join            {1000 * plain / n:.3f} ms CPU a tip")
    print(f"  with a second look        {1000 * pulled / n:.3f} ms CPU a tip "
          f"(+{1000 * (pulled - plain) / n:.3f} ms)")
    print(f"  of which common meaning   {1000 * common / n:.3f} ms CPU a tip "
          "(learning it; comparing is one dot product)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
