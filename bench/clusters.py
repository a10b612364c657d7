"""Duplicate clusters: recall of paraphrased duplicates, false clusters, tips/s.

    .venv/bin/python bench/clusters.py [--stories 5000] [--copies 3] [--seed 7] [--db URL]

Makes its own data: STORIES distinct tips written from topic vocabularies (so
many stories share a beat and its words), then for some of them 1..COPIES
rewrites as another reader would send them: a greeting, a sign-off with a
name, words dropped, sentences and words reordered, a few synonyms. Every tip
goes through the same path as in the worker (content words, MinHash, LSH
lookup, join above the join threshold); with --db, through Sorter.sort and
Sorter.remember on a real database (default: the in-memory index only).

Prints: recall (a rewrite joined its story's cluster), false clusters (joins
that put a tip with a different story, out of all joins), distinct stories
wrongly joined, suggestions, and tips/s. Tips MinHash finds nothing for go to
the second signal (shared names and numbers, inbox.sort.salient): its
suggestions, and the share of them that point at a different story.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox.config import SortingSettings  # noqa: E402
from inbox.sort import salient  # noqa: E402
from inbox.sort.clusters import LSHIndex, MinHasher, words  # noqa: E402

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


def run_memory(items, settings: SortingSettings):
    """The duplicate index alone (words, MinHash, LSH, join), as the sort stage uses it."""
    hasher, index, key_index = MinHasher(), LSHIndex(), salient.KeyIndex()
    cluster_of: dict[int, int] = {}
    decisions = []
    started = (time.perf_counter(), time.process_time())
    for key, (_, text) in enumerate(items):
        sig = hasher.signature(words(text))
        if sig is None:
            decisions.append(None)
            continue
        subject, _, body = text.partition("\n")
        keys = salient.keys(subject, body) or None
        best = index.nearest(sig, settings.cluster_suggest, limit=1)
        if best and best[0].similarity >= settings.cluster_join:
            cluster_of[key] = cluster_of.get(best[0].tip_id, best[0].tip_id)
            decisions.append(("join", best[0].tip_id))
        elif best:
            decisions.append(("suggest", best[0].tip_id))
        else:
            named = key_index.candidates(keys, limit=1)  # every bench tip has its own sender
            decisions.append(("keys", named[0][0]) if named else None)
        index.add(key, sig)
        key_index.add(key, keys)
    return decisions, (time.perf_counter() - started[0], time.process_time() - started[1])


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
                action = "keys" if cluster.get("signal") else cluster["action"]
                decisions.append({"joined": ("join", other), "suggested": ("suggest", other),
                                  "keys": ("keys", other)}.get(action))
    return decisions, (time.perf_counter() - started[0], time.process_time() - started[1])


def report(items, decisions, seconds) -> None:
    """Score the decisions against the generator's story numbers."""
    seen: set[int] = set()
    dups = joined_right = joins = wrong = distinct_wrong = suggests = by_keys = keys_wrong = keys_found = 0
    for key, ((story_no, _), decision) in enumerate(zip(items, decisions)):
        first = story_no not in seen
        seen.add(story_no)
        if decision and decision[0] == "suggest":
            suggests += 1
        if decision and decision[0] == "keys":
            by_keys += 1
            keys_wrong += items[decision[1]][0] != story_no
            keys_found += not first and items[decision[1]][0] == story_no
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
    print(f"by names and numbers      {by_keys}  (false suggestions {keys_wrong / max(by_keys, 1):.4f}: {keys_wrong}; "
          f"{keys_found} duplicates MinHash missed)")
    print(f"tips/s                    {len(items) / seconds[0]:,.0f} wall, {len(items) / seconds[1]:,.0f} per CPU second")


def main() -> None:
    """Generate, run, report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stories", type=int, default=5000)
    ap.add_argument("--copies", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--db", metavar="URL", help="run through Sorter on this (empty, migrated) database")
    args = ap.parse_args()
    settings = SortingSettings()
    items = dataset(args.stories, args.copies, args.seed)
    print(f"join >= {settings.cluster_join}, suggest >= {settings.cluster_suggest}")
    if args.db:
        decisions, seconds = run_db(items, args.db)
    else:
        decisions, seconds = run_memory(items, settings)
    report(items, decisions, seconds)


if __name__ == "__main__":
    main()
