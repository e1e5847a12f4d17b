"""Faults a test switches on per method: a queued failure for the next calls, or a slow answer.

Names are Web API methods ("chat.postMessage"), plus "upload" for the raw file upload sink
and "hooks" for response_url posts.

    fake.fail_next("chat.postMessage")                           # 429, Retry-After: 0
    fake.fail_next("chat.postMessage", error="is_archived")      # 200 {"ok": false, ...}
    fake.fail_next("files.completeUploadExternal", status=500)   # 500, twice with times=2
    fake.slow("views.open", 3.5)                                 # answer after 3.5 s
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from sandbox.slack_params import ApiError

DEFAULT_ERRORS = {429: "ratelimited", 200: "fatal_error"}


@dataclass(frozen=True)
class Fault:
    status: int
    error: str
    retry_after: int | None

    def as_error(self) -> ApiError:
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}
        return ApiError(self.error, status=self.status, headers=headers)


class Faults:
    """Queued failures and delays, safe to change from the test thread while serving."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queued: dict[str, deque[Fault]] = {}
        self._delays: dict[str, float] = {}

    def fail_next(
        self,
        method: str,
        status: int | None = None,
        retry_after: int | None = 0,
        error: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls to `method` fail.

        Args:
            status: HTTP status. Defaults to 200 when `error` is given (Slack's usual
                `{"ok": false}` answer), else 429.
            retry_after: whole seconds for the Retry-After header of a 429 (0 keeps retries
                fast); ignored for other statuses.
            error: the error code; defaults to "ratelimited" for 429, "internal_error" for 5xx.
        """
        if status is None:
            status = 200 if error else 429
        if error is None:
            error = DEFAULT_ERRORS.get(status, "internal_error")
        fault = Fault(status, error, retry_after if status == 429 else None)
        with self._lock:
            self._queued.setdefault(method, deque()).extend([fault] * times)

    def slow(self, method: str, seconds: float) -> None:
        """Delay every answer of `method` by `seconds` (0 switches it off)."""
        with self._lock:
            if seconds > 0:
                self._delays[method] = seconds
            else:
                self._delays.pop(method, None)

    def take(self, method: str) -> Fault | None:
        with self._lock:
            queue = self._queued.get(method)
            return queue.popleft() if queue else None

    def delay(self, method: str) -> float:
        with self._lock:
            return self._delays.get(method, 0.0)

    def clear(self) -> None:
        with self._lock:
            self._queued.clear()
            self._delays.clear()
