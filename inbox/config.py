"""config.toml -> frozen dataclasses, parsed once at the edge and passed down.

No other module reads the file or the environment: they receive a `Settings`.
Secrets may be written as ``"env:NAME"``; the value is then read from the
environment variable NAME when the file is loaded, and a missing variable is
a configuration error naming the key.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from dataclasses import dataclass
from pathlib import Path

from inbox.config_fields import one_of, secret
from inbox.config_outgoing import NotifySettings, RepliesSettings, SenderSettings, SmtpSettings  # noqa: F401  ([smtp], [replies], [notify])


class ConfigError(Exception):
    """A bad configuration: the message names the key and is shown as one line."""


@dataclass(frozen=True)
class DatabaseSettings:
    # SQLAlchemy URL. Default: embedded SQLite under data_dir.
    url: str = secret("")
    echo: bool = False


@dataclass(frozen=True)
class LimitsSettings:
    # A message over any limit is quarantined with the reason, never dropped.
    max_message_bytes: int = 50 * 1024 * 1024
    max_parts: int = 500
    max_depth: int = 20
    # How much HTML the clean stage reads (inbox/mail/caps.py): HTML past any of these is
    # read as plain text and shown with a note, so that no message stalls the pipeline.
    # Gmail clips a message's HTML at 102 kB; mail needs nowhere near these.
    html_max_bytes: int = 2_000_000
    html_max_tags: int = 30_000
    html_max_attributes: int = 100  # on one element
    html_max_references: int = 30_000  # "&amp;", "&#65;" and the like
    html_max_depth: int = 1_000  # nested block containers
    # A tip's text body is cut here, with a note (the raw message keeps every byte): sorting,
    # the search index and the tip page read the text, and 10 MB of it cost seconds in each.
    text_max_chars: int = 1_000_000


@dataclass(frozen=True)
class ImportSettings:
    # Worker processes parsing and cleaning in parallel (0 = one per core).
    processes: int = 0
    # Messages stored per database transaction.
    batch_size: int = 200
    # Seconds of CPU a pool process may spend on one message (parse, clean, sort's pure part);
    # a message over it is quarantined with "time budget" and the rest of its batch is stored.
    # A process that does not answer within twice the wall time of that is killed and replaced.
    time_budget_seconds: float = 10.0


@dataclass(frozen=True)
class MailboxSettings:
    name: str = ""
    address: str = ""
    host: str = "127.0.0.1"
    port: int = 993
    # "tls" (implicit TLS), "starttls", or "plain" (loopback hosts only).
    tls: str = one_of("tls", "starttls", "plain")
    ca_file: str = ""
    username: str = ""
    password: str = secret("")
    password_command: str = ""
    oauth2_token: str = secret("")
    oauth2_token_command: str = ""
    folders: tuple[str, ...] = ("INBOX",)
    # "none" (read-only), "flag-seen", or "move:Folder".
    after_store: str = one_of("none", "flag-seen", "move:Folder")
    # First sync bound: an ISO date ("2026-01-01") and/or a number of days.
    since: str = ""
    backfill_days: int = 0
    batch_count: int = 200
    batch_bytes: int = 25 * 1024 * 1024
    # Push with IDLE where the server offers it (re-issued every idle_seconds, at most
    # 10 minutes); otherwise, or with idle = false, poll every poll_seconds.
    idle: bool = True
    poll_seconds: int = 60
    idle_seconds: int = 540
    timeout_seconds: int = 60


@dataclass(frozen=True)
class WorkerSettings:
    # This worker's name in folder leases (default: the host name). Workers on
    # one host with one name take over at once from a dead process of theirs.
    name: str = ""
    # Seconds a folder lease lasts before another worker may take the folder over.
    lease_seconds: int = 45
    backoff_min_seconds: float = 1.0
    backoff_max_seconds: float = 300.0


@dataclass(frozen=True)
class BoardSettings:
    host: str = "127.0.0.1"
    port: int = 5000
    # Signs session cookies. Required outside the demo; use "env:INBOX_SECRET_KEY".
    secret_key: str = secret("")
    session_minutes: int = 480
    # A session also ends after this many minutes without a request.
    session_idle_minutes: int = 60
    # Links to a mail's inline (cid:) images work this long, and only with a live session.
    image_link_minutes: int = 10
    require_totp_for_admins: bool = False
    # Cookies only over HTTPS; turn off only for plain-HTTP localhost.
    secure_cookies: bool = True
    login_attempts_per_minute: int = 10
    # Health banner: a mailbox whose last successful sync is older than this is "late".
    stale_sync_minutes: int = 15
    # Cards per status column on one board page (seven columns of 12 fill a large screen;
    # bench/board.py measured p95 65 ms at 12 against 117 ms at 20, under 8 clients).
    cards_per_column: int = 12
    # How often an open board asks whether anything changed (a 304 when nothing did).
    poll_seconds: float = 1.5
    # waitress worker threads for `inbox serve`.
    threads: int = 8
    # waitress processes sharing the port (Python runs one thread at a time per process).
    processes: int = 1
    # The most sanitised HTML a tip page embeds; a bigger HTML part is left out, with a
    # note and the original as a download (8 clients on a 46 MB page took 2.1 GB).
    max_html_bytes: int = 2_000_000
    # /metrics answers loopback callers, and others that send "Authorization: Bearer <this>";
    # empty: loopback only. Use "env:INBOX_METRICS_TOKEN".
    metrics_token: str = secret("")
    # The board's address as people reach it ("https://tips.newsroom.example"): notifications
    # link to /tips/ID under it. Empty: they give the path alone.
    public_url: str = ""


@dataclass(frozen=True)
class RuleSettings:
    # "keyword" (one word, plurals too), "phrase" (words in this order),
    # "regex" (Python syntax, case-insensitive) or "sender_domain" (and its subdomains).
    kind: str = one_of("keyword", "phrase", "regex", "sender_domain")
    match: str = ""
    weight: float = 1.0
    # A hard rule decides the topic by itself, whatever the model says.
    hard: bool = False


@dataclass(frozen=True)
class TopicSettings:
    name: str = ""
    description: str = ""
    rules: tuple[RuleSettings, ...] = ()


@dataclass(frozen=True)
class StorySettings:
    # Tips are compared with the stories active this many days around their own date.
    window_days: float = 14.0
    # The score (0-1, the probability that a tip tells a story) to join its cluster, or to suggest it.
    join: float = 0.7
    suggest: float = 0.27
    # Editors' same/different-story decisions that make a recalibration of the thresholds due.
    recalibrate_after: int = 10


@dataclass(frozen=True)
class SortingSettings:
    # The desk's topics and their rules; empty: the built-in desk (inbox/sort/desk.toml).
    topics: tuple[TopicSettings, ...] = ()
    # Where a tip goes when nothing is confident enough.
    triage_topic: str = "Other / needs triage"
    min_confidence: float = 0.4
    # Rules' confidence is score / (score + runner-up's score + rule_prior): one keyword alone is a hint.
    rule_prior: float = 1.5
    # When rules and the model both speak: the rules' share of the blend.
    rule_share: float = 0.5
    # Editors' corrections (topics or spam verdicts) that make a retrain due.
    retrain_after: int = 20
    # No longer read (MinHash clusters gave way to `stories`); accepted so older files load.
    cluster_join: float = 0.55
    cluster_suggest: float = 0.35
    # Stories told by several readers (inbox.sort.stories_store).
    stories: StorySettings = StorySettings()
    # A spam score (0-1) at or above this sends the tip to the Spam column.
    spam_threshold: float = 0.8
    # Start spam scores from the model shipped in the package (inbox/sort/spam_base.py); false: the
    # rules and evidence alone until editors' labels train the desk's own model.
    base_spam_model: bool = True


@dataclass(frozen=True)
class RetentionRule:
    # Tips in this status whose arrival is older than `days` are purged (a tombstone stays).
    status: str = one_of("spam", "declined", "not_tip", "published", "new", "reviewing", "assigned", "pursuing")
    days: int = 30
    # Only tips seen in this mailbox (its [[mailbox]] name, or "import"); "": every mailbox.
    mailbox: str = ""

    @property
    def label(self) -> str:
        """How plans, tombstones and logs name the rule: "declined after 30 days [tips]"."""
        return f"{self.status} after {self.days} days" + (f" [{self.mailbox}]" if self.mailbox else "")


DEFAULT_RETENTION = (
    RetentionRule("spam", 7),
    RetentionRule("declined", 30),
    RetentionRule("not_tip", 14),
    RetentionRule("published", 365),
)


@dataclass(frozen=True)
class RetentionSettings:
    # The rules; a status no rule names (new, reviewing, assigned, pursuing by default) is kept for ever.
    rules: tuple[RetentionRule, ...] = DEFAULT_RETENTION
    # Tips purged per transaction: a killed run loses at most one batch's work, and a re-run finishes.
    batch_size: int = 200
    # After a run that purged anything: VACUUM (SQLite rewrites the file, so freed pages leave it;
    # PostgreSQL marks the dead rows' space reusable). Off: the bytes stay until the next VACUUM.
    vacuum: bool = True
    # The worker's housekeeping runs the rules this often.
    every_hours: float = 24.0


@dataclass(frozen=True)
class JobsSettings:
    # Where jobs wait: "sqlite" (a file under data_dir, no service: the embedded default) or
    # "redis" (several machines share one queue). "immediate" runs a job inside the call that
    # queued it (tests, one-off scripts).
    backend: str = one_of("sqlite", "redis", "immediate")
    # The SQLite file (default <data_dir>/jobs.sqlite).
    path: str = ""
    redis_url: str = secret("redis://127.0.0.1:6379/0")
    # Threads running jobs in each consumer.
    workers: int = 2
    # `inbox worker` also runs the jobs; false: run `inbox jobs run` yourself (elsewhere).
    in_worker: bool = True


@dataclass(frozen=True)
class EncryptionSettings:
    # The desk's public key ("desk1:..."; `inbox keys init` prints it). Set: the worker encrypts raw
    # mail, quarantined mail, sanitised HTML and protected readers' text to it (inbox/vault.py).
    # Empty: nothing is encrypted (as before).
    public_key: str = ""
    # Where the board finds the private key: "file:PATH" (a key file from `inbox keys init`, 0600),
    # or "env:NAME" (the key file's text in an environment variable). Only the board and
    # `inbox keys` / `inbox sort` need it; leave it out of the worker's config.
    private_key: str = secret("")
    # The key file's passphrase, if it has one: "env:NAME", or "prompt" to ask at start.
    passphrase: str = secret("")

    @property
    def enabled(self) -> bool:
        return bool(self.public_key)


@dataclass(frozen=True)
class Settings:
    # Where the embedded database, models and other state live.
    data_dir: str = "var"
    database: DatabaseSettings = DatabaseSettings()
    limits: LimitsSettings = LimitsSettings()
    imports: ImportSettings = ImportSettings()
    worker: WorkerSettings = WorkerSettings()
    board: BoardSettings = BoardSettings()
    sorting: SortingSettings = SortingSettings()
    retention: RetentionSettings = RetentionSettings()
    jobs: JobsSettings = JobsSettings()
    encryption: EncryptionSettings = EncryptionSettings()
    notify: NotifySettings = NotifySettings()
    smtp: SmtpSettings = SmtpSettings()
    replies: RepliesSettings = RepliesSettings()
    mailboxes: tuple[MailboxSettings, ...] = ()

    @property
    def database_url(self) -> str:
        if self.database.url:
            return self.database.url
        return f"sqlite:///{Path(self.data_dir).resolve() / 'inbox.db'}"


# The TOML table name for each Settings field whose name differs from it.
_TOML_NAMES = {"imports": "import", "mailboxes": "mailbox"}


def load(path: str | os.PathLike | None, environ: typing.Mapping[str, str] | None = None) -> Settings:
    """Read a config file (None or a missing default file: built-in defaults)."""
    environ = os.environ if environ is None else environ
    if path is None:
        return Settings()
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{p}: no such configuration file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    return from_dict(data, environ)


def from_dict(data: dict, environ: typing.Mapping[str, str] | None = None) -> Settings:
    """Build Settings from parsed TOML; raises ConfigError naming the bad key."""
    environ = os.environ if environ is None else environ
    settings = _build(Settings, data, "", environ)
    if settings.database.url:
        from inbox.db import UnsupportedURL, normalise_url

        try:
            url = normalise_url(settings.database.url)
        except UnsupportedURL as exc:
            raise ConfigError(f"database.url: {exc}") from None
        settings = dataclasses.replace(settings, database=dataclasses.replace(settings.database, url=url))
    return settings


def _check_choice(choices: tuple[str, ...], raw: str, name: str) -> None:
    for choice in choices:
        prefix, colon, _placeholder = choice.partition(":")
        if not colon and raw == choice:
            return
        if colon and raw.startswith(prefix + ":") and raw != prefix + ":":
            return
    raise ConfigError(f"{name}: expected one of {', '.join(choices)}, got {raw!r}")


def _build(cls: type, data: typing.Any, where: str, environ) -> typing.Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{where or 'config'}: expected a table")
    hints = typing.get_type_hints(cls)
    by_toml = {_TOML_NAMES.get(f.name, f.name): f for f in dataclasses.fields(cls)}
    values = {}
    for key, raw in data.items():
        f = by_toml.get(key)
        name = f"{where}.{key}" if where else key
        if f is None:
            raise ConfigError(f"{name}: unknown key")
        values[f.name] = _convert(hints[f.name], raw, name, environ, f.metadata.get("secret", False))
        if "choices" in f.metadata:
            _check_choice(f.metadata["choices"], values[f.name], name)
    return cls(**values)


def _convert(tp, raw, name: str, environ, is_secret: bool):
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        return _build(tp, raw, name, environ)
    if origin is tuple:
        (item_tp, _ellipsis) = typing.get_args(tp)
        if not isinstance(raw, list):
            raise ConfigError(f"{name}: expected a list")
        return tuple(_convert(item_tp, item, f"{name}[{i}]", environ, False) for i, item in enumerate(raw))
    if origin in (typing.Union, types.UnionType):
        raise ConfigError(f"{name}: unsupported type")  # not used by Settings
    if tp is bool:
        if not isinstance(raw, bool):
            raise ConfigError(f"{name}: expected true or false, got {type(raw).__name__}")
        return raw
    if tp is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ConfigError(f"{name}: expected a whole number, got {type(raw).__name__}")
        if raw < 0:
            raise ConfigError(f"{name}: must not be negative")
        return raw
    if tp is float:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise ConfigError(f"{name}: expected a number, got {type(raw).__name__}")
        return float(raw)
    if tp is str:
        if not isinstance(raw, str):
            raise ConfigError(f"{name}: expected a string, got {type(raw).__name__}")
        if is_secret and raw.startswith("env:"):
            var = raw[4:]
            if not environ.get(var):
                raise ConfigError(f"{name}: environment variable {var} is not set")
            return environ[var]
        return raw
    raise ConfigError(f"{name}: unsupported type {tp!r}")
