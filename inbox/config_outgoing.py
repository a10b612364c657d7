"""The [smtp], [replies] and [notify] tables of config.toml (outgoing mail: inbox/outgoing, inbox/notify), kept apart
from inbox/config.py for its size; inbox.config re-exports them and loads them like the rest.
Every key is explained in config.example.toml."""
from __future__ import annotations

from dataclasses import dataclass

from inbox.config_fields import one_of, secret


@dataclass(frozen=True)
class SenderSettings:
    mailbox: str = ""  # replies to this [[mailbox]]'s readers go From address
    address: str = ""


@dataclass(frozen=True)
class SmtpSettings:
    # Outgoing mail (inbox/outgoing; every key is explained in config.example.toml). No host: mail waits.
    host: str = ""
    port: int = 587
    security: str = one_of("starttls", "tls", "plain")  # plain: loopback hosts only
    ca_file: str = ""
    username: str = ""
    password: str = secret("")
    password_command: str = ""
    from_address: str = ""  # the desk's: automatic mail, replies to protected readers, Message-IDs
    senders: tuple[SenderSettings, ...] = ()
    timeout_seconds: int = 30
    max_attempts: int = 8
    backoff_seconds: float = 30.0
    max_backoff_seconds: float = 3600.0
    lease_seconds: int = 300  # a row left "sending" this long goes to the sweep
    append_sent: bool = False
    sent_folder: str = "Sent"


@dataclass(frozen=True)
class RepliesSettings:
    # The acknowledgement (inbox/outgoing/ack.py, off by default) and "the story ran" notes.
    acknowledge: bool = False
    acknowledge_days: int = 30  # at most one of each kind per sender in this many days
    acknowledge_subject: str = "We received your message"
    acknowledge_text: str = ("Thank you for writing to the newsroom. Your message reached the desk.\n"
                             "This is an automatic reply; there is no need to answer it.\n")
    story_ran_notes: bool = False
    story_ran_subject: str = "The story you wrote to us about ran"
    story_ran_text: str = ("Thank you for writing to the newsroom. A story you told us about has run:\n\n"
                           "{headline}\n{url}\n")


@dataclass(frozen=True)
class NotifySettings:
    # A delivery (one event to one channel or user) is tried this often in all, the wait doubling
    # from backoff_seconds up to max_backoff_seconds between tries.
    max_attempts: int = 8
    backoff_seconds: float = 30.0
    max_backoff_seconds: float = 3600.0
    # A channel or webhook whose tries failed this many times in a row is paused (the admin page
    # says why; resuming it sends what waited).
    pause_after_failures: int = 5
    timeout_seconds: float = 10.0
    # The daily digest goes out at the first sweep after this hour (UTC).
    digest_hour: int = 7
    # Emails name the tip's sender and subject only when this is on (off: tip id, topic,
    # urgency and the link); a protected reader stays masked for a user who may not see them.
    email_include_content: bool = False
    # Channels may post to this machine, a private network or a link-local address (endpoints on
    # the newsroom's own network). Off: such a URL is refused when saved and before each post.
    private_addresses: bool = False
