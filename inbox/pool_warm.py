"""Imported by the pool's server after the stages (inbox.pool.PRELOAD): the files the sort stage
reads in every pool process (the shipped spam model, the meaning table, the gazetteer) are read
once there, and each process forked from the server starts with them, its pages shared, instead
of reading them again on its first message (0.2 s of CPU a process)."""
from __future__ import annotations

try:
    from inbox.sort import meaning, places, spam_base

    spam_base.shipped()
    spam_base._word_chars()
    places.table()
    meaning.table()
    meaning.embedder()
except Exception:  # noqa: BLE001 - a head start only: a process still reads whatever is missing on first use
    pass
