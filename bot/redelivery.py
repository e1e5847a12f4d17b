"""Events API retries do their work once, whichever web process each delivery reaches.

Slack retries an event it thinks was not received (no 2xx within 3 seconds, say while a worker
was busy) up to three times, with the same `event_id` and an `X-Slack-Retry-Num` header. The
first delivery of an event id to reach any process claims it in the database (the primary key
decides between processes); a delivery of an id already claimed is answered 200 with
`X-Slack-No-Retry: 1` and goes no further. Claims older than `KEPT_FOR` are dropped as new ones
are made: Slack's last retry comes about five minutes after the event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt import BoltResponse
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from reconcile.bootstrap import Services
from reconcile.delivery_tables import EventSeen

KEPT_FOR = timedelta(hours=1)
ID_LENGTH = 64  # the column's width; Slack's ids are a dozen characters
Middleware = Callable[..., BoltResponse | None]


def first_delivery(services: Services, event_id: str) -> bool:
    """Claim `event_id`; False when a delivery of it was claimed already, here or elsewhere."""
    now = services.context.clock()
    try:
        with services.context.sessions.begin() as session:
            session.execute(delete(EventSeen).where(EventSeen.seen_at < now - KEPT_FOR))
            session.add(EventSeen(event_id=event_id, seen_at=now))
    except IntegrityError:
        return False
    return True


def once(services: Services) -> Middleware:
    """The Bolt middleware that lets each event id through once."""

    def each_event_once(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if isinstance(event_id, str) and event_id and not first_delivery(services, event_id[:ID_LENGTH]):
            return BoltResponse(status=200, body="", headers={"X-Slack-No-Retry": "1"})
        next()
        return None

    return each_event_once
