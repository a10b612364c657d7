"""The two kinds of special field every settings dataclass may have (inbox/config.py and
inbox/config_outgoing.py): a secret that may be read from the environment, and a string with
a fixed set of values; inbox.config's loader reads their metadata."""
from __future__ import annotations

from dataclasses import field
from typing import Any


def secret(default: str = "") -> Any:
    """A string field that may say "env:NAME" to be read from the environment."""
    return field(default=default, metadata={"secret": True})


def one_of(default: str, *others: str) -> Any:
    """A string field with a fixed set of values, checked when the file loads (so every
    command refuses a typo, not only the one that uses the key). A value written
    "move:Folder" stands for "move:" followed by any non-empty name."""
    return field(default=default, metadata={"choices": (default, *others)})
