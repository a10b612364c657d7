"""What sorting decided and why: decisions with their explanations, editors'
corrections, trained model versions, duplicate clusters and their index.

A decision row is history: the machine writes one per sort ("sort"), an editor
one per correction ("topic" or "spam"); the newest editor row wins over any
machine row, and is what the learned models train on.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inbox.models.core import Base, Tip, utcnow

# The signal a "sort" decision's explanation names for a suggestion by shared salient keys
# (inbox.sort.duplicates writes it; the board reads it to label the suggestion).
KEYS_SIGNAL = "shared names and numbers"


class SortDecision(Base):
    """One decision about a tip, with the reasons as JSON (rule names and scores, never tip text)."""

    __tablename__ = "sort_decisions"
    __table_args__ = (Index("ix_sort_decisions_tip_kind", "tip_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"))
    # Declared so a flush writes the tip first even when only tip_id is set (ids handed out before insert).
    tip: Mapped[Tip] = relationship(foreign_keys=[tip_id])
    # "sort" (the machine's full verdict), "topic" or "spam" (an editor's label).
    kind: Mapped[str] = mapped_column(String(10))
    # The topic; for spam labels "spam" or "ham".
    value: Mapped[str] = mapped_column(String(200))
    # "rule", "rules", "model", "blend", "triage" or "editor".
    source: Mapped[str] = mapped_column(String(20))
    confidence: Mapped[float | None] = mapped_column(Float)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    explanation: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ModelVersion(Base):
    """A trained model file under data_dir/models/, with what it was trained on."""

    __tablename__ = "sort_models"
    __table_args__ = (Index("ix_sort_models_kind_version", "kind", "version", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "topics" | "spam"
    version: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200))
    # The file's own hash: a file that does not match is never unpickled.
    file_sha256: Mapped[str] = mapped_column(String(64))
    data_sha256: Mapped[str] = mapped_column(String(64))
    samples: Mapped[int] = mapped_column(Integer)
    labels: Mapped[str] = mapped_column(Text)  # JSON {label: count}
    # The newest editor decision it saw: later ones count towards the next retrain.
    last_decision_id: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    trained_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Cluster(Base):
    """Tips about one story from one or more readers; tips.cluster_id points here."""

    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    representative_tip_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id", ondelete="SET NULL"))
    # Declared so a flush writes the tip first even when only tip_id is set (ids handed out before insert).
    representative: Mapped[Tip | None] = relationship(foreign_keys=[representative_tip_id])
    size: Mapped[int] = mapped_column(Integer, default=1)  # tips in the cluster
    readers: Mapped[int] = mapped_column(Integer, default=1)  # distinct senders among them
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    # The board sorted by readers walks stories in this order (inbox.board.statements._by_readers).
    __table_args__ = (Index("ix_clusters_readers", readers.desc(), id),)


class TipSignature(Base):
    """What the story index keeps of a tip (inbox.sort.stories): its terms and meaning, reloaded by Sorter.load."""

    __tablename__ = "tip_signatures"
    # AUTOINCREMENT: ids never come back after a rollback, so "rows after id N" stays exact.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), unique=True)
    # Declared so a flush writes the tip first even when only tip_id is set (ids handed out before insert).
    tip: Mapped[Tip] = relationship(foreign_keys=[tip_id])
    # Before migration 0008: a MinHash signature (no longer written or read).
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # Before 0008: salient keys as 8-byte hashes (no longer written or read; the terms hold the names).
    keys: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # Content words and names as (4-byte hash, kinds, count) rows, never as text (stories.Features).
    terms: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # The meaning vector as 128 signed bytes; NULL: no known word piece.
    meaning: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # The tip's own date (sent, else received): the story window is counted in it.
    at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)


class ClusterSuggestion(Base):
    """A likely duplicate below the join threshold, for an editor to accept or dismiss."""

    __tablename__ = "cluster_suggestions"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    # Indexed: the tip page and the board's "maybe same story" badge look suggestions up from either side.
    other_tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    # Declared so a flush writes the tip first even when only tip_id is set (ids handed out before insert).
    tip: Mapped[Tip] = relationship(foreign_keys=[tip_id])
    other_tip: Mapped[Tip] = relationship(foreign_keys=[other_tip_id])
    similarity: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | accepted | dismissed
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class StoryDecision(Base):
    """An editor's word that two tips tell the same story or different ones: a constraint
    `inbox sort --all` keeps, and a point the story score is recalibrated on."""

    __tablename__ = "story_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    other_tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    same: Mapped[bool] = mapped_column(Boolean)
    # "accepted" / "dismissed" (a suggestion), "merge" / "split" (the board's thread actions).
    source: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The evidence the score saw for the pair then (numbers only, JSON), and its default logit.
    evidence: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class StoryCalibration(Base):
    """The story score's calibration fitted to editors' decisions; the newest row is used."""

    __tablename__ = "story_calibrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    # p = sigmoid(scale * z + shift) over the default logit z (inbox.sort.stories_score).
    scale: Mapped[float] = mapped_column(Float, default=1.0)
    shift: Mapped[float] = mapped_column(Float, default=0.0)
    decisions: Mapped[int] = mapped_column(Integer, default=0)
    last_decision_id: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
