"""Which Slack event deliveries were already taken, across every web process (the database decides).

Slack retries an event it thinks was not received with the same `event_id`; the first delivery
to claim an id here does its work, every later one finds the claim. Claims older than
`KEPT_FOR` are dropped as new ones are made: Slack's last retry comes about five minutes after
the event.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from reconcile.context import Context
from reconcile.delivery_tables import EventSeen

KEPT_FOR = timedelta(hours=1)
ID_LENGTH = 64  # the column's width; Slack's ids are a dozen characters


def first_delivery(context: Context, event_id: str) -> bool:
    """Claim `event_id`; False when a delivery of it was claimed already, here or elsewhere."""
    now = context.clock()
    try:
        with context.sessions.begin() as session:
            session.execute(delete(EventSeen).where(EventSeen.seen_at < now - KEPT_FOR))
            session.add(EventSeen(event_id=event_id[:ID_LENGTH], seen_at=now))
    except IntegrityError:
        return False
    return True
