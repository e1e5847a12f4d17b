"""What the Slack face keeps about the requests Slack delivered: the Events API event ids it has
already handled, so a delivery Slack retries does its work once whichever web process gets it.

It shares `reconcile.tables.Base` (which imports this module), like the scheduler's tables.
Migration 0007 creates it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from reconcile.tables import Base, UTCDateTime, now


class EventSeen(Base):
    """One Events API event id, claimed by the first delivery of that event to reach any process."""

    __tablename__ = "slack_events_seen"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # Slack's "Ev…", unique per app
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
