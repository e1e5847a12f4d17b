"""Keep secrets out of messages, logs and exceptions.

`redact("token abc123 expired", ["abc123"])` → `"token *** expired"`. Query strings are dropped
from URLs because vendors put keys there (`?apikey=…`), and the values of known credential
headers and JSON fields are masked even when we were not told the secret.

A vendor that echoes a secret rarely echoes it as we sent it, so each secret is masked in every
form it can come back in (`forms`): as it is, upper-, lower- and case-folded, URL-encoded,
JSON-escaped, and base64-encoded inside any longer text (an `Authorization: Basic` value of
`user:secret`, a `client_id:secret` pair), in the standard and the URL-safe alphabets.
Matching ignores case, so `ABC123` and `Abc123` go too.

Mask first, then cut: `excerpt(redact(text))`, never the other way round, or a secret
straddling the cut leaks its first characters.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
# Only strings this long are treated as secrets when masking by value: masking "1" or "a"
# would shred every message.
MIN_SECRET_LENGTH = 4
# The longest excerpt of a vendor's words an error quotes: enough for "Client authentication
# failed because the key was revoked", too short to paste records.
EXCERPT = 160

_CREDENTIAL_PATTERNS = (
    re.compile(r"(?i)(authorization\s*[:=]\s*)(basic|bearer)?\s*[^\s,;'\"]+"),
    re.compile(
        r"(?i)([\"']?(?:access_token|refresh_token|client_secret|password|api[_-]?key|"
        r"private[_-]?key|secret|token)[\"']?\s*[:=]\s*[\"']?)([^\s&,;'\"]+)"
    ),
    re.compile(r"(https?://[^\s?#]+)\?[^\s#'\"]*"),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Return `text` with every known secret (in each of its forms) and every credential-looking value masked."""
    pattern = _secrets_pattern(tuple(sorted({s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH})))
    if pattern is not None:
        text = pattern.sub(MASK, text)
    text = _CREDENTIAL_PATTERNS[0].sub(lambda m: m.group(1) + MASK, text)
    text = _CREDENTIAL_PATTERNS[1].sub(lambda m: m.group(1) + MASK, text)
    return _CREDENTIAL_PATTERNS[2].sub(lambda m: m.group(1), text)


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """`text` on one line, cut at a word to at most `limit` characters (with `…` when cut)."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2:] else cut) + "…"


def forms(secret: str) -> set[str]:
    """Every spelling of `secret` a vendor might echo back; base64 forms are the parts that any
    base64 text containing the secret must contain, whatever bytes come before it."""
    spelled = {secret, secret.upper(), secret.lower(), secret.casefold()}
    spelled |= {quote(s, safe="") for s in list(spelled)} | {quote_plus(s) for s in list(spelled)}
    spelled |= {json.dumps(s)[1:-1] for s in list(spelled)}
    raw = secret.encode()
    for offset in range(3):
        # base64 turns 3 bytes into 4 characters, so the secret's own characters depend on where
        # it starts modulo 3: pad it by 0–2 bytes, then keep only characters made of its bits alone.
        encoded = base64.b64encode(b"\0" * offset + raw).decode().rstrip("=")
        first = (offset * 8 + 5) // 6
        last = (offset + len(raw)) * 8 // 6
        core = encoded[first:last]
        if len(core) >= MIN_SECRET_LENGTH:
            spelled |= {core, core.replace("+", "-").replace("/", "_")}
    return {s for s in spelled if len(s) >= MIN_SECRET_LENGTH}


@functools.lru_cache(maxsize=256)
def _secrets_pattern(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    every = sorted({form for secret in secrets for form in forms(secret)}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, every)), re.IGNORECASE) if every else None


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
