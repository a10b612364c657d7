"""Story clusters: on the labelled desk set, on real mail, and on generated rewrites.

    .venv/bin/python bench/clusters.py --desk ../shared/eval/desk      # the bars
    .venv/bin/python bench/clusters.py --corpus ../shared/corpora/spamassassin/easy-ham-1
    .venv/bin/python bench/clusters.py [--stories 5000] [--copies 3] [--seed 7] [--db URL]

--desk imports the set through the real pipeline (parse, clean, sort, store) into a
fresh SQLite database with the default configuration, then scores the stored
clusters against labels.csv's `cluster` column (tips only: follow-ups are threaded,
not clustered): pairwise precision and recall of same-story pairs, B-cubed
precision, recall and F1, and the hard distractors joined to the story they imitate.
--corpus imports real mail the same way and counts what was joined (mail with no
stories in common: joins there are mostly false). Both print the clustering's CPU
per message: the pure part (terms and meaning, inbox.sort.stories.features) and the
story look-up and join (StoryDesk.remember), measured in-process.

The generated mode makes its own data: STORIES distinct tips written from topic
vocabularies (so many stories share a beat and its words), then for some of them
1..COPIES rewrites as another reader would send them: a greeting, a sign-off with
a name, words dropped, sentences and words reordered, a few synonyms. Every tip
goes through Sorter.sort_input and Sorter.remember on a database (--db, default a
fresh SQLite file).

Prints: recall (a rewrite joined its story's cluster), false clusters (joins
that put a tip with a different story, out of all joins), distinct stories
wrongly joined, suggestions, and tips/s.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox.config import ImportSettings, Settings  # noqa: E402

BEATS = {
    "roads": "bridge road crews pothole lane closure detour inspection signal repaving highway ramp contractor asphalt "
             "guardrail intersection sidewalk crosswalk streetlight tunnel overpass culvert paving cones barrier".split(),
    "schools": "school board teachers students principal classroom district budget buses lunch curriculum superintendent "
               "counselor tutoring enrollment recess library gym playground attendance grades testing portable".split(),
    "housing": "landlord tenants rent eviction building repairs mold heat notice lease inspector shelter boiler "
               "elevator leak roaches deposit superintendent apartment radiator code violation voucher".split(),
    "health": "clinic hospital patients nurses outbreak vaccine staff wait emergency ward records pharmacy ambulance "
              "infection beds doctors surgery insurance billing lab dialysis therapy discharge".split(),
    "police": "officers arrest patrol stop complaint camera chief sergeant precinct report detectives cruiser "
              "dispatch overtime evidence warrant holding cell taser footage lieutenant misconduct".split(),
    "environment": "river spill plant smell fish water permit runoff creek sewage dumping chemical smoke dust "
                   "landfill drums soil wetland algae odor pipe discharge well".split(),
    "elections": "polling ballots voters registration clerk machines lines signatures candidate petition canvass "
                 "precinct envelopes drop box audit recount mailers observers tabulator roll purge".split(),
    "labor": "workers union shifts layoffs wages overtime managers contract strike safety warehouse forklift "
             "injuries scheduling breaks paychecks supervisor heat ventilation grievance quota".split(),
}
PLACES = [f"{a}{b}" for a in ("Oak", "Elm", "Maple", "River", "Hill", "Lake", "Mill", "Cedar", "Pine", "Spring",
                               "Stone", "Brook", "Fair", "Green", "North", "South", "West", "East", "Bridge", "Glen")
          for b in ("ford", "wood", "dale", "field", "ton", "view", "port", "side", "burg", "haven")]
NAMES = ("Alvarez Baker Chen Duarte Ellis Fischer Garcia Haddad Ibarra Jensen Kowalski Lopez Mensah Nguyen Okafor "
         "Patel Quinn Rossi Santos Tanaka Umar Vasquez Walsh Xu Yilmaz Zimmer Adler Brennan Costa Dubois").split()
STREETS = ("Main", "Church", "Market", "Union", "Water", "Mill", "Park", "High", "Lincoln", "Washington", "Grant",
           "Jefferson", "Franklin", "Chestnut", "Walnut", "Spruce", "Locust", "Poplar", "Willow", "Birch")
ORGS = ("county", "city", "state", "district", "authority", "department", "agency", "office", "company", "board")
ROLES = ("works", "volunteers", "teaches", "drives", "cleans", "manages", "nurses", "guards")
VERBS = ("closed", "cut", "ignored", "delayed", "moved", "fired", "hid", "approved", "cancelled", "changed", "raised", "lost")
WHEN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "last week", "yesterday", "this month", "in March", "in June")
SYNONYMS = {"closed": "shut", "cut": "reduced", "ignored": "dismissed", "delayed": "postponed", "moved": "relocated",
            "fired": "dismissed", "hid": "concealed", "approved": "okayed", "cancelled": "scrapped", "workers": "employees",
            "students": "kids", "officers": "cops", "building": "complex", "clinic": "health center", "says": "told me",
            "residents": "neighbors", "complained": "griped", "records": "documents", "officials": "people"}
GREETINGS = ("Hi,", "Hello there,", "Dear editor,", "Good morning,", "Hey team,", "To whom it may concern,", "")
SIGNOFFS = ("Thanks,", "Best regards,", "Sincerely,", "Cheers,", "Thank you,", "Sent from my iPhone", "")
SENTENCES = (
    "The {org} in {place} {verb} the {w} {w} near {street} Street {when}.",
    "{name}, who {role} at the {place} {w}, says {num} {w} have been {verb} since {when2}.",
    "Residents of {street} Avenue have complained about the {w} and the {w} for {num} weeks.",
    "Records I obtained show the {w} cost ${num},000 and the {w} was never {verb}.",
    "A {w} {role} told me the {w} will be {verb} before the {w} meeting in {place2}.",
    "Please look into why {org} officials {verb} the {w} at {place} {w}.",
    "My neighbor {name} noticed the {w} on {street} Road was {verb} again {when}.",
    "Since {when2} nobody has fixed the {w}, and {num} families depend on the {w}.",
    "I called the {place} {org} {num} times about the {w} but they {verb} my {w} complaint.",
    "There is a {w} hearing {when} where the {w} plan for {place2} comes up.",
    "Photos from {when} show {w} piled behind the {w} on {street} Lane.",
    "The {w} contractor {name} got paid ${num},000 while the {w} stayed {verb}.",
)


def story(rng: random.Random, n: int) -> str:
    """One distinct tip: a beat's words plus its own places, people, streets, numbers and actions."""
    beat = rng.sample(BEATS[rng.choice(sorted(BEATS))], 14)
    place, place2 = rng.sample(PLACES, 2)
    words_left = iter(beat)

    def fill(template: str) -> str:
        out = template
        while "{w}" in out:
            out = out.replace("{w}", next(words_left), 1)
        return out.format(org=rng.choice(ORGS), place=place, place2=place2, verb=rng.choice(VERBS),
                          street=rng.choice(STREETS), when=rng.choice(WHEN), when2=rng.choice(WHEN),
                          name=rng.choice(NAMES), role=rng.choice(ROLES), num=rng.randint(3, 900))

    body = " ".join(fill(t) for t in rng.sample(SENTENCES, rng.randint(3, 5)))
    return f"{beat[0].title()} {beat[1]} in {place}, case {n}\n{body}"


def rewrite(rng: random.Random, text: str) -> str:
    """The same story as another reader tells it."""
    subject, body = text.split("\n", 1)
    sentences = [s.split() for s in body.split(". ") if s]
    rng.shuffle(sentences)
    out = []
    for sent in sentences:
        sent = [SYNONYMS.get(t, t) if rng.random() < 0.3 else t for t in sent if rng.random() > 0.15]
        if len(sent) > 4 and rng.random() < 0.5:  # reorder a clause
            cut = rng.randrange(2, len(sent) - 1)
            sent = sent[cut:] + sent[:cut]
        out.append(" ".join(sent))
    sign = rng.choice(SIGNOFFS)
    name = rng.choice(NAMES) if sign and not sign.startswith("Sent") else ""
    return f"{rng.choice(('Re: ', 'FW: ', '', 'Tip: '))}{subject}\n{rng.choice(GREETINGS)}\n{'. '.join(out)}\n{sign} {name}"


def dataset(stories: int, copies: int, seed: int) -> list[tuple[int, str]]:
    """(story number, text) for every tip, originals and rewrites shuffled in arrival order."""
    rng = random.Random(seed)
    items = []
    for n in range(stories):
        text = story(rng, n)
        items.append((n, text))
        if rng.random() < 0.4:
            items.extend((n, rewrite(rng, text)) for _ in range(rng.randint(1, copies)))
    head, tail = items[: stories // 10], items[stories // 10:]
    rng.shuffle(tail)  # most rewrites arrive later than their story, some first
    return head + tail


def run_db(items, url: str):
    """Each tip as a row, through Sorter.sort_input and Sorter.remember, 200 per transaction."""
    import hashlib

    from inbox.config import Settings
    from inbox.db import make_engine, session_factory
    from inbox.models import Base, RawMessage, Tip
    from inbox.sort import Sorter
    from inbox.sort.text import SortInput

    engine = make_engine(url)
    Base.metadata.create_all(engine)
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        raw = RawMessage(sha256=hashlib.sha256(url.encode()).hexdigest(), size=0, data=b"")
        session.add(raw)
    with sessions() as session:
        sorter = Sorter.load(Settings(), session)
    tip_of: dict[int, int] = {}
    decisions = []
    started = (time.perf_counter(), time.process_time())
    for start in range(0, len(items), 200):
        with sessions() as session, session.begin():
            for key in range(start, min(start + 200, len(items))):
                subject, _, body = items[key][1].partition("\n")
                sender = f"reader{key}@example.org"
                sorting = sorter.sort_input(session, SortInput(subject, body, body, sender, None))
                tip = Tip(fingerprint=f"bench-{key}", raw_message_id=raw.id, subject=subject, text_body=body,
                          new_text_end=len(body), sender_address=sender)
                session.add(tip)
                session.flush()
                sorter.remember(session, tip, sorting)
                tip_of[tip.id] = key
                cluster = sorting.explanation["cluster"]
                other = tip_of.get(cluster.get("tip_id"))
                decisions.append({"joined": ("join", other), "suggested": ("suggest", other)}.get(cluster["action"]))
    return decisions, (time.perf_counter() - started[0], time.process_time() - started[1])


def report(items, decisions, seconds) -> None:
    """Score the decisions against the generator's story numbers."""
    seen: set[int] = set()
    dups = joined_right = joins = wrong = distinct_wrong = suggests = 0
    for key, ((story_no, _), decision) in enumerate(zip(items, decisions)):
        first = story_no not in seen
        seen.add(story_no)
        if decision and decision[0] == "suggest":
            suggests += 1
        is_join = bool(decision) and decision[0] == "join"
        right = is_join and items[decision[1]][0] == story_no
        if not first:
            dups += 1
            joined_right += right
        if is_join:
            joins += 1
            wrong += not right
            distinct_wrong += first
    print(f"tips {len(items)}  distinct stories {len(seen)}  duplicates {dups}")
    print(f"recall of duplicates      {joined_right / max(dups, 1):.4f}")
    print(f"false clusters (of joins) {wrong / max(joins, 1):.4f}  ({wrong} of {joins})")
    print(f"distinct stories joined   {distinct_wrong / len(seen):.4f}")
    print(f"suggestions               {suggests}")
    print(f"tips/s                    {len(items) / seconds[0]:,.0f} wall, {len(items) / seconds[1]:,.0f} per CPU second")


def import_through_pipeline(paths: list[str], url: str | None = None):
    """Every message under paths through the real pipeline (one process, so the clustering's
    CPU is measured here) into a fresh SQLite database; returns (sessions, cost)."""
    import tempfile

    from inbox import migrate
    from inbox.db import make_engine, session_factory
    from inbox.mail import files
    from inbox.pipeline import Pipeline
    from inbox.sort import stories
    from inbox.sort.stories_store import StoryDesk

    settings = Settings(data_dir=tempfile.mkdtemp(prefix="bench-clusters-"), imports=ImportSettings(processes=1))
    migrate.upgrade(settings.database_url, "head")
    sessions = session_factory(make_engine(settings.database_url))
    cost = {"features": 0.0, "remember": 0.0, "messages": 0}
    real_features, real_remember = stories.features, StoryDesk.remember

    def timed_features(*a, **k):
        started = time.process_time()
        try:
            return real_features(*a, **k)
        finally:
            cost["features"] += time.process_time() - started

    def timed_remember(self, *a, **k):
        started = time.process_time()
        try:
            return real_remember(self, *a, **k)
        finally:
            cost["remember"] += time.process_time() - started

    stories.features, StoryDesk.remember = timed_features, timed_remember
    try:
        with Pipeline(settings, sessions, processes=1) as pipeline:
            for _ in pipeline.process_many(files.read_planned(files.plan(paths))):
                cost["messages"] += 1
    finally:
        stories.features, StoryDesk.remember = real_features, real_remember
    return sessions, cost


def print_cost(cost: dict) -> None:
    n = max(cost["messages"], 1)
    print(f"clustering CPU per message: terms and meaning {1000 * cost['features'] / n:.3f} ms (pool), "
          f"story look-up and join {1000 * cost['remember'] / n:.3f} ms (storing process), {n} messages")


def desk(path: str) -> None:
    """The desk set's bars: pairwise P/R, B-cubed P/R/F1, distractors joined."""
    import csv
    import itertools

    from sqlalchemy import select

    from inbox.models import Sighting, Tip

    sessions, cost = import_through_pipeline([path])
    labels = {r["file"]: r for r in csv.DictReader(open(Path(path) / "labels.csv", encoding="utf-8"))}
    with sessions() as session:
        found = {Path(folder).name: (cluster or -tip) for folder, tip, cluster in session.execute(
            select(Sighting.folder, Tip.id, Tip.cluster_id).join(Tip, Tip.id == Sighting.tip_id))}
    tips = sorted(f for f, r in labels.items() if r["kind"] == "tip" and f in found)
    gold = {f: labels[f]["cluster"] or f"alone-{f}" for f in tips}
    pairs = list(itertools.combinations(tips, 2))
    same = sum(gold[a] == gold[b] for a, b in pairs)
    joined = sum(found[a] == found[b] for a, b in pairs)
    right = sum(gold[a] == gold[b] and found[a] == found[b] for a, b in pairs)
    b_p = b_r = 0.0
    for f in tips:
        mine = {g for g in tips if found[g] == found[f]}
        truth = {g for g in tips if gold[g] == gold[f]}
        b_p += len(mine & truth) / len(mine)
        b_r += len(mine & truth) / len(truth)
    b_p, b_r = b_p / len(tips), b_r / len(tips)
    distractors = [(f, labels[f]["notes"].split("distractor for ", 1)[1].split(":")[0])
                   for f in tips if "distractor for " in labels[f]["notes"]]
    fooled = sum(any(found[g] == found[f] for g in tips if gold[g] == story) for f, story in distractors)
    print(f"desk: {len(tips)} tips, {same} same-story pairs, {len({gold[f] for f in tips})} stories")
    print(f"same-story pairs   precision {right / max(joined, 1):.3f}  recall {right / max(same, 1):.3f}  "
          f"({right} of {same} joined; {joined} pairs joined)")
    print(f"B-cubed            precision {b_p:.3f}  recall {b_r:.3f}  F1 {2 * b_p * b_r / (b_p + b_r):.3f}")
    print(f"distractors joined {fooled} of {len(distractors)} ({fooled / max(len(distractors), 1):.1%})")
    print_cost(cost)


def corpus(paths: list[str]) -> None:
    """Real mail: what got joined, in clusters of what size, and the suggestions made."""
    from collections import Counter

    from sqlalchemy import func, select

    from inbox.models import ClusterSuggestion, Tip

    sessions, cost = import_through_pipeline(paths)
    with sessions() as session:
        tips = session.scalar(select(func.count()).select_from(Tip))
        sizes = Counter(n for (n,) in session.execute(
            select(func.count()).select_from(Tip).where(Tip.cluster_id.is_not(None)).group_by(Tip.cluster_id)))
        suggestions = session.scalar(select(func.count()).select_from(ClusterSuggestion))
    in_clusters = sum(n * c for n, c in sizes.items())
    print(f"corpus: {tips} tips; {sum(sizes.values())} clusters holding {in_clusters} tips "
          f"({in_clusters / max(tips, 1):.1%}); sizes {dict(sorted(sizes.items()))}; {suggestions} suggestions")
    print_cost(cost)


def main() -> None:
    """The desk set, a corpus, or generated rewrites."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--desk", metavar="DIR", help="the labelled desk set (../shared/eval/desk)")
    ap.add_argument("--corpus", metavar="DIR", nargs="+", help="real mail to count false joins on")
    ap.add_argument("--stories", type=int, default=5000)
    ap.add_argument("--copies", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--db", metavar="URL", help="generated mode: this (empty) database; default a fresh SQLite file")
    args = ap.parse_args()
    stories = Settings().sorting.stories
    print(f"window {stories.window_days} days, join >= {stories.join}, suggest >= {stories.suggest}")
    if args.desk:
        return desk(args.desk)
    if args.corpus:
        return corpus(args.corpus)
    items = dataset(args.stories, args.copies, args.seed)
    import tempfile

    url = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='bench-clusters-')}/bench.db"
    decisions, seconds = run_db(items, url)
    report(items, decisions, seconds)


if __name__ == "__main__":
    main()
