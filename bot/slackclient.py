"""The one place a Slack `WebClient` is made: our base URL, a timeout, and rate-limit retries.

Bolt copies base URL, timeout, proxy, headers and retry handlers into the client each listener
receives, so what is configured here covers every call the app makes.

Only HTTP 429 is retried, after the `Retry-After` Slack sends. A `chat.postMessage` retried after
a 5xx, a timeout or a dropped connection may already have been posted, and a summary posted
twice is worse than one that failed loudly; so slack_sdk's default connection-error retry is
left out on purpose.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry import RateLimitErrorRetryHandler

from bot.settings import Settings

TIMEOUT = 15  # seconds per Web API call
RATE_LIMIT_RETRIES = 4


def make_web_client(settings: Settings, token: str | None = None) -> WebClient:
    """A WebClient for `settings.slack_api_url`, optionally with a token."""
    base_url = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    return WebClient(
        token=token or None,
        base_url=base_url,
        timeout=TIMEOUT,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)],
    )
