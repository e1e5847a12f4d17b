"""Events API retries do their work once, whichever web process each delivery reaches.

Slack retries an event it thinks was not received (no 2xx within 3 seconds, say while a worker
was busy) up to three times, with the same `event_id` and an `X-Slack-Retry-Num` header. The
first delivery of an event id to reach any process claims it in the database
(`reconcile.deliveries`); a delivery of an id already claimed is answered 200 with
`X-Slack-No-Retry: 1` and goes no further.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltResponse

from reconcile import deliveries
from reconcile.bootstrap import Services

Middleware = Callable[..., BoltResponse | None]


def once(services: Services) -> Middleware:
    """The Bolt middleware that lets each event id through once (`reconcile.deliveries` keeps the claims)."""

    def each_event_once(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if isinstance(event_id, str) and event_id and not deliveries.first_delivery(services.context, event_id):
            return BoltResponse(status=200, body="", headers={"X-Slack-No-Retry": "1"})
        next()
        return None

    return each_event_once
