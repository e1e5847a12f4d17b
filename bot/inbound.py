"""What reaches Bolt from Slack's Request URL: a bounded body, verified on its raw bytes, then parsed.

    raw = inbound.read_body(environ)                        # 413 over MAX_BODY_BYTES, unread
    inbound.verify(raw, headers, signing_secret)            # 401 unless Slack signed it, lately
    body = inbound.parse(raw, headers.get("content-type"))  # 400 unless it is a Slack body

Each step raises `Refused` with the HTTP status and a reason in words. The order is the point:
nothing is parsed, and nothing can act on the request (a `response_url`, a user and channel),
before the signature over the exact bytes received has been checked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from bot import envelope

# Slack's payloads are a few kilobytes (a modal's state, a page of blocks in a message); 1 MiB
# is far above any of them and small enough that no request can make a worker hold much.
MAX_BODY_BYTES = 1024 * 1024
SIGNATURE_WINDOW_SECONDS = 5 * 60  # Slack's documented replay window for X-Slack-Request-Timestamp
TIMESTAMP = re.compile(r"[0-9]{1,12}")  # seconds since the epoch, as Slack writes them
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")  # "v0=" + hex HMAC-SHA256
LENGTH = re.compile(r"[0-9]{1,19}")
VERIFIED = "signature_verified"  # the context key of a request this module let through
JSON_TYPE, FORM_TYPE = "application/json", "application/x-www-form-urlencoded"


class Refused(Exception):
    """A request answered with `status` before Bolt sees it; `reason` is safe to log and to show."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def read_body(environ: Mapping[str, Any]) -> bytes:
    """The body, read only if it is within `MAX_BODY_BYTES`.

    A Content-Length over the limit is refused before one byte is read. Without one, a server
    that ends the input itself (gunicorn de-chunks and sets `wsgi.input_terminated`) is read up
    to one byte past the limit; on any other server (wsgiref) a chunked body cannot be read
    safely at all and is refused as "length required".
    """
    stream = environ.get("wsgi.input")
    declared = str(environ.get("CONTENT_LENGTH") or "").strip()
    if declared:
        if not LENGTH.fullmatch(declared):
            raise Refused(400, "the Content-Length is not a number")
        length = int(declared)
        if length > MAX_BODY_BYTES:
            raise Refused(413, f"the body is over the {MAX_BODY_BYTES}-byte limit")
        return stream.read(length) if stream is not None and length else b""
    if stream is not None and environ.get("wsgi.input_terminated"):
        raw = stream.read(MAX_BODY_BYTES + 1)
        if len(raw) > MAX_BODY_BYTES:
            raise Refused(413, f"the body is over the {MAX_BODY_BYTES}-byte limit")
        return raw
    if "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower():
        raise Refused(411, "a chunked body needs a Content-Length on this server")
    return b""


def verify(raw: bytes, headers: Mapping[str, str], signing_secret: str, *,
           now: Callable[[], float] = time.time) -> None:
    """Refuse (401) unless `raw` carries Slack's signature and a timestamp inside the window.

    `headers` has lower-case names. The HMAC is taken over the bytes as received: slack_sdk's
    `SignatureVerifier` decodes the body first (raising on invalid UTF-8) and calls `int()` on
    the timestamp (raising on `x` or `1e9`), so it is only ever reached after this check.
    """
    timestamp, signature = headers.get("x-slack-request-timestamp", ""), headers.get("x-slack-signature", "")
    if not timestamp or not signature:
        raise Refused(401, "the request is not signed")
    if not TIMESTAMP.fullmatch(timestamp) or not SIGNATURE.fullmatch(signature):
        raise Refused(401, "the request's signature headers are malformed")
    if abs(now() - int(timestamp)) > SIGNATURE_WINDOW_SECONDS:
        raise Refused(401, "the request's timestamp is outside Slack's 5-minute window")
    base = b"v0:" + timestamp.encode() + b":" + raw
    expected = "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise Refused(401, "the request's signature does not match")


def parse(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """The body as Slack sends it: a JSON object (events), or a form (commands), or a form whose
    `payload` field is a JSON object (interactions). Anything else is refused with 400 (415 for
    a content type Slack never sends)."""
    media = (content_type or FORM_TYPE).split(";")[0].strip().lower()
    if media not in (JSON_TYPE, FORM_TYPE):
        raise Refused(415, "the body is neither JSON nor a form")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "the body is not UTF-8") from None
    if media == JSON_TYPE:
        body = _json_object(text, "the JSON body")
    elif not text:
        body = {}
    elif text.lstrip().startswith("{"):  # Bolt would read it as JSON; Slack sends no such form
        raise Refused(400, "a JSON body was sent as a form")
    else:
        try:
            fields = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict"))
        except (ValueError, UnicodeDecodeError):
            raise Refused(400, "the body is not a form") from None
        body = _json_object(fields["payload"], "the payload field") if "payload" in fields else fields
    wrong = envelope.problem(body)
    if wrong is not None:
        raise Refused(400, f"the body is not shaped like a Slack request ({wrong})")
    return body


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser's stack
        raise Refused(400, f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise Refused(400, f"{what} is not a JSON object")
    return value
