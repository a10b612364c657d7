"""Every `inbox` sub-command, one row each: (name, help, add_arguments, run).

Each area keeps its commands in its own module here; this table only lists them.
"""
from __future__ import annotations

from inbox.commands import data

COMMANDS = [
    ("db", "create or migrate the database (db upgrade | db downgrade REV | db current)", data.add_db_arguments, data.run_db),
    ("import", "import .eml files, folders of them, Maildir and mbox", data.add_import_arguments, data.run_import),
    ("quarantine", "messages a stage could not handle: list | show ID | retry [ID] | discard ID", data.add_quarantine_arguments, data.run_quarantine),
]
