"""Every `inbox` sub-command, one row each: (name, help, add_arguments, run).

Each area keeps its commands in its own module here; this table only lists them.
"""
from __future__ import annotations

from inbox.commands import board
from inbox.commands import data
from inbox.commands import demo
from inbox.commands import export
from inbox.commands import jobs
from inbox.commands import keys
from inbox.commands import retention
from inbox.commands import sort
from inbox.commands import token
from inbox.commands import worker

COMMANDS = [
    ("db", "create or migrate the database (db upgrade | db downgrade REV | db current)", data.add_db_arguments, data.run_db),
    ("import", "import .eml files, folders of them, Maildir and mbox", data.add_import_arguments, data.run_import),
    ("quarantine", "messages a stage could not handle: list | show ID | retry [ID] | discard ID", data.add_quarantine_arguments, data.run_quarantine),
    ("sort", "topics, spam, flags and clusters: sort --all | sort --explain TIP_ID | sort --retrain", sort.add_arguments, sort.run),
    ("worker", "sync the configured mailboxes until stopped (IDLE or polling); --once for one pass", worker.add_worker_arguments, worker.run_worker),
    ("status", "each mailbox's health: last sync, last error, failures in a row, messages waiting", worker.add_status_arguments, worker.run_status),
    ("demo", "the whole trip on this machine: demo accounts, the bundled demo mailbox, the board on :5000", demo.add_arguments, demo.run),
    ("jobs", "the job queue (replies, notifications, webhooks, retrains): jobs run | jobs status", jobs.add_arguments, jobs.run),
    ("serve", "serve the triage board with waitress (prints its URL)", board.add_serve_arguments, board.run_serve),
    ("export", "a board view or search as CSV on stdout: export [--status S] [--topic T] [--query Q] [--as EMAIL]", export.add_arguments, export.run),
    ("retention", "purge tips by the retention rules: retention plan | retention run", retention.add_retention_arguments, retention.run_retention),
    ("hold", "legal holds: hold add --tip ID|--cluster ID|--reader EMAIL --reason R | hold list | hold lift ID", retention.add_hold_arguments, retention.run_hold),
    ("forget", "delete every tip of one sender: forget EMAIL (counts) | forget EMAIL --yes", retention.add_forget_arguments, retention.run_forget),
    ("backup", "a consistent snapshot of the SQLite database: backup PATH (PostgreSQL: prints the pg_dump command)", retention.add_backup_arguments, retention.run_backup),
    ("keys", "the desk key that encrypts mail at rest: keys init [--passphrase] | keys status | keys rotate | keys export-public", keys.add_arguments, keys.run),
    ("token", "API tokens: token create EMAIL --scope read|write [--expires-days N] | token list [EMAIL] | token revoke ID", token.add_arguments, token.run),
    ("user", "board accounts: user add EMAIL --role editor | user list | user password EMAIL | user totp EMAIL", board.add_user_arguments, board.run_user),
]
