"""The HTTP face of the fake Slack: parse a request, apply faults, route it, record it.

    POST /api/<method>       Web API (JSON, form or multipart body; GET with a query also works)
    POST /upload/v1/<id>     raw file bytes from files.getUploadURLExternal's upload_url
    POST /hooks/<id>         response_url posts

Web API answers are always JSON, HTTP 200 unless a fault or the rate limit says otherwise,
and an unknown method answers `{"ok": false, "error": "unknown_method"}` like Slack does.
Every authenticated answer carries `x-oauth-scopes` (Bolt reads it from auth.test).
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

from sandbox import slack_chat as chat
from sandbox import slack_directory as directory
from sandbox import slack_files as files
from sandbox import slack_history as history
from sandbox import slack_hooks as hooks
from sandbox import slack_oauth as oauth
from sandbox import slack_views as views
from sandbox.quiet_server import QuietServer
from sandbox.slack_access import CallContext, authenticate
from sandbox.slack_faults import Faults
from sandbox.slack_params import JSON, ApiError
from sandbox.slack_state import Call, HookCall, Workspace

Handler = Callable[[CallContext, JSON], JSON]

METHODS: dict[str, Handler] = {
    "auth.test": directory.auth_test,
    "chat.postMessage": chat.post_message,
    "chat.postEphemeral": chat.post_ephemeral,
    "chat.update": chat.update,
    "conversations.history": history.history,
    "conversations.info": directory.conversations_info,
    "conversations.list": directory.conversations_list,
    "conversations.members": directory.conversations_members,
    "conversations.replies": history.replies,
    "files.getUploadURLExternal": files.get_upload_url,
    "files.completeUploadExternal": files.complete_upload,
    "team.info": directory.team_info,
    "users.info": directory.users_info,
    "users.list": directory.users_list,
    "users.lookupByEmail": directory.users_lookup_by_email,
    "views.open": views.open_view,
    "views.push": views.push_view,
    "views.update": views.update_view,
    "views.publish": views.publish_view,
}
OAUTH_METHOD = "oauth.v2.access"  # HTTP Basic client credentials instead of a bearer token
API_PATH = "/api/"


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


class Router:
    """Turns one request into one reply while holding the workspace lock."""

    def __init__(self, ws: Workspace, faults: Faults) -> None:
        self.ws = ws
        self.faults = faults
        self.lock = threading.RLock()
        self.calls: list[Call] = []
        self.base_url = ""

    def route(self, path: str, headers: dict[str, str], raw: bytes) -> Reply:
        url = urlsplit(path)
        if url.path.startswith(API_PATH):
            return self._api(url.path.rsplit("/", 1)[-1], url.query, headers, raw)
        if url.path.startswith(files.UPLOAD_PATH):
            return self._upload(url.path[len(files.UPLOAD_PATH) :], headers, raw)
        if url.path.startswith(hooks.HOOK_PATH):
            return self._hook(url.path[len(hooks.HOOK_PATH) :], headers, raw)
        return Reply(404, b"not found")

    def _api(self, method: str, query: str, headers: dict[str, str], raw: bytes) -> Reply:
        self._maybe_sleep(method)
        params: JSON = dict(parse_qsl(query, keep_blank_values=True))
        out_headers: dict[str, str] = {}
        with self.lock:
            now = self.ws.now()
            try:
                params.update(parse_body(headers, raw))
                fault = self.faults.take(method)
                if fault is not None:
                    raise fault.as_error()
                if method == OAUTH_METHOD:
                    answer = oauth.access(self.ws, headers, params)
                else:
                    handler = METHODS.get(method)
                    if handler is None:
                        raise ApiError("unknown_method")
                    team, token = authenticate(self.ws, headers)
                    out_headers["x-oauth-scopes"] = ",".join(team.scopes)
                    answer = handler(CallContext(self.ws, team, token, self.base_url, headers), params)
                status, body = 200, {"ok": True, **answer}
            except ApiError as exc:
                status, body = exc.status, exc.body()
                out_headers.update(exc.headers)
            self.calls.append(Call(method, headers, params, now, status, body))
        return Reply(status, json.dumps(body).encode(), "application/json; charset=utf-8", out_headers)

    def _upload(self, file_id: str, headers: dict[str, str], raw: bytes) -> Reply:
        self._maybe_sleep("upload")
        with self.lock:
            fault = self.faults.take("upload")
            if fault is not None:
                status, text = fault.status, fault.error
            else:
                status, text = files.receive_upload(self.ws, file_id, raw)
            body = {"file_id": file_id, "length": len(raw)}
            self.calls.append(Call("upload", headers, body, self.ws.now(), status, None))
        return Reply(status, text.encode())

    def _hook(self, hook_id: str, headers: dict[str, str], raw: bytes) -> Reply:
        self._maybe_sleep("hooks")
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = None
        url = f"{self.base_url}{hooks.HOOK_PATH}{hook_id}"
        with self.lock:
            fault = self.faults.take("hooks")
            if fault is not None:
                self.ws.hook_calls.append(HookCall(hook_id, url, body or {}, self.ws.now(), fault.status))
                return Reply(fault.status, fault.error.encode())
            status, text = hooks.receive(self.ws, hook_id, url, body)
        return Reply(status, text.encode(), "text/html; charset=utf-8" if status == 200 else "text/plain")

    def _maybe_sleep(self, name: str) -> None:
        delay = self.faults.delay(name)
        if delay:
            time.sleep(delay)  # outside the lock, so other calls keep flowing


def parse_body(headers: dict[str, str], raw: bytes) -> JSON:
    """Params from a JSON, form-urlencoded or multipart body."""
    if not raw:
        return {}
    content_type = headers.get("content-type", "")
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            value = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ApiError("invalid_json") from exc
        if not isinstance(value, dict):
            raise ApiError("invalid_json")
        return value
    if kind == "multipart/form-data":
        return _multipart(content_type, raw)
    try:
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
    except UnicodeDecodeError as exc:
        raise ApiError("invalid_form_data") from exc


def _multipart(content_type: str, raw: bytes) -> JSON:
    parser = email.parser.BytesParser(policy=email.policy.HTTP)
    message = parser.parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    out: JSON = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        out[str(name)] = payload if part.get_filename() else payload.decode("utf-8", "replace")
    return out


class _RequestHandler(BaseHTTPRequestHandler):
    server: FakeHTTPServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply = self.server.router.route(self.path, headers, raw)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = do_POST  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read `FakeSlack.calls`, not stderr."""


class FakeHTTPServer(QuietServer):
    def __init__(self, router: Router) -> None:
        super().__init__(("127.0.0.1", 0), _RequestHandler)
        self.router = router
