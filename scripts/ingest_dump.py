"""Dump what an ingest stored, sorted and without the clock, to compare two runs' verdicts.

    python scripts/ingest_dump.py /tmp/bench-ingest-XXXX/inbox.db > old.txt
    python scripts/ingest_dump.py /tmp/bench-ingest-YYYY/inbox.db > new.txt
    diff old.txt new.txt && echo same

Every row of the tables an ingest writes (tips with their topic, spam score, sensitive
kinds, urgency, deadline, thread and story; the sort decisions with their explanations;
clusters, suggestions, signatures, attachments, sightings, raw messages, readers,
quarantine), ordered by key. Columns that hold the time of the run (received, created,
seen at) are left out, long values are shown by their SHA-256, and so are the explanation's
own timestamps. bench/ingest.py leaves its database in /tmp/bench-ingest-*/.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import sys

TABLES = ["tips", "sort_decisions", "clusters", "cluster_suggestions", "tip_signatures", "story_decisions",
          "attachments", "sightings", "raw_messages", "readers", "quarantine", "tips_fts", "tip_events"]
CLOCK = {"received_at", "created_at", "seen_at", "updated_at", "changed_at", "at", "last_failed_at",
         "first_failed_at", "resolved_at", "pseudonym_seed", "uidvalidity"}
LONG = 120


def shown(value):
    if isinstance(value, (bytes, str)) and len(value) > LONG:
        data = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
        return f"sha256:{hashlib.sha256(data).hexdigest()[:16]}/{len(value)}"
    return repr(value)


def explanation(text: str) -> str:
    """The decision's explanation with keys sorted (its own times, if any, dropped)."""
    data = json.loads(text)

    def scrub(x):
        if isinstance(x, dict):
            return {k: scrub(v) for k, v in sorted(x.items()) if k not in CLOCK}
        if isinstance(x, list):
            return [scrub(v) for v in x]
        return x
    return json.dumps(scrub(data), sort_keys=True)


def main(path: str) -> int:
    db = sqlite3.connect(path)
    for table in TABLES:
        try:
            columns = [row[1] for row in db.execute(f'PRAGMA table_info("{table}")')]
        except sqlite3.Error:
            continue
        if not columns:
            continue
        keep = [c for c in columns if c not in CLOCK]
        order = "id" if "id" in columns else "rowid"
        print(f"== {table} ({', '.join(keep)})")
        quoted = ", ".join(f'"{c}"' for c in keep)
        for row in db.execute(f'SELECT {quoted} FROM "{table}" ORDER BY {order}'):
            values = []
            for column, value in zip(keep, row):
                if column == "explanation" and value:
                    value = explanation(value)
                    values.append(f"{column}={hashlib.sha256(value.encode()).hexdigest()[:16]}:{value[:0]}")
                    continue
                values.append(f"{column}={shown(value)}")
            print(" | ".join(values))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
