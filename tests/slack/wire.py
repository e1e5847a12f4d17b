"""HTTP written byte by byte on a socket, for what a client library will not send: a
Content-Length with no body behind it, or a chunked body cut off wherever the test likes.

    status = exchange(server.events_url, {"Content-Length": str(10**8)})   # headers only
    status = exchange(url, {"Transfer-Encoding": "chunked"}, chunked(body))
"""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

CHUNK = 64 * 1024
# a wait for the answer, so a server that waits for a body the test never sends fails the test
# instead of hanging it; not a measure of speed
ANSWER_WAIT = 20.0


def exchange(url: str, headers: dict[str, str], body: bytes = b"", method: str = "POST") -> int:
    """Send one request as written and return the status of the answer."""
    parts = urlsplit(url)
    head = [f"{method} {parts.path} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close",
            *(f"{name}: {value}" for name, value in headers.items())]
    with socket.create_connection((parts.hostname, parts.port), timeout=ANSWER_WAIT) as connection:
        connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        status_line = connection.makefile("rb").readline()
    return int(status_line.split()[1])


def chunked(body: bytes, *, finished: bool = True) -> bytes:
    """`body` in the chunked transfer coding; without the last chunk unless `finished`."""
    pieces = [b"%x\r\n%s\r\n" % (len(body[i:i + CHUNK]), body[i:i + CHUNK]) for i in range(0, len(body), CHUNK)]
    return b"".join(pieces) + (b"0\r\n\r\n" if finished else b"")


def url_verification(size: int) -> bytes:
    """Slack's url_verification request, padded to exactly `size` bytes."""
    bare = json.dumps({"type": "url_verification", "challenge": "c4ll3ng3", "token": "t", "pad": ""}).encode()
    return bare[:-2] + b"x" * (size - len(bare)) + bare[-2:]
