"""The sandbox's HTTP servers: threaded, and quiet when a client hangs up.

A client that gives up (a connector's timeout, Ctrl-C on `billrec sync`, a test closing its
socket) resets the connection under a request being read or answered. That is the client's
choice, not the server's failure: nothing to report, so no traceback on the terminal serving
`billrec sandbox`. Anything else is still reported as socketserver does.
"""

from __future__ import annotations

import sys
from http.server import ThreadingHTTPServer


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # reset, broken pipe, aborted
            super().handle_error(request, client_address)  # type: ignore[arg-type]
