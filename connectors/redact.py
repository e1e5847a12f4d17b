"""Keep secrets out of messages, logs and exceptions.

`redact("token abc123 expired", ["abc123"])` → `"token *** expired"`. Query strings are dropped
from URLs because vendors put keys there (`?apikey=…`), and the values of known credential
headers and JSON fields are masked even when we were not told the secret.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

MASK = "***"
# Only strings this long are treated as secrets when masking by value: masking "1" or "a"
# would shred every message.
MIN_SECRET_LENGTH = 4

_CREDENTIAL_PATTERNS = (
    re.compile(r"(?i)(authorization\s*[:=]\s*)(basic|bearer)?\s*[^\s,;'\"]+"),
    re.compile(
        r"(?i)([\"']?(?:access_token|refresh_token|client_secret|password|api[_-]?key|"
        r"private[_-]?key|secret|token)[\"']?\s*[:=]\s*[\"']?)([^\s&,;'\"]+)"
    ),
    re.compile(r"(https?://[^\s?#]+)\?[^\s#'\"]*"),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Return `text` with every known secret and every credential-looking value masked."""
    for secret in sorted({s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _CREDENTIAL_PATTERNS[0].sub(lambda m: m.group(1) + MASK, text)
    text = _CREDENTIAL_PATTERNS[1].sub(lambda m: m.group(1) + MASK, text)
    return _CREDENTIAL_PATTERNS[2].sub(lambda m: m.group(1), text)


class RedactingFilter(logging.Filter):
    """A logging filter that masks the given secrets in every record it passes."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = tuple(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
