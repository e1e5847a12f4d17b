"""A tiny in-process notice board: services announce changes, the scheduler listens.

    services.events.subscribe("integration.connected", scheduler.add_sync_job)
    services.events.emit("integration.connected", tenant_id="local", integration_id=3)

Listeners run after the change has committed; one failing listener is logged and does not
undo the change or stop the others.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Listener = Callable[..., None]


class Events:
    def __init__(self) -> None:
        self._listeners: dict[str, list[Listener]] = defaultdict(list)

    def subscribe(self, name: str, listener: Listener) -> None:
        self._listeners[name].append(listener)

    def emit(self, name: str, **payload: Any) -> None:
        for listener in self._listeners.get(name, ()):
            try:
                listener(**payload)
            except Exception:
                log.exception("listener for %s failed", name)
