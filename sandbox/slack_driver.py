"""Sends an app the requests Slack would send, signed as Slack signs them, over real HTTP.

    driver = SlackDriver("http://127.0.0.1:8000/slack/events", "signing-secret", fake=fake)
    driver.command("reconcile acme")                          # /billrec reconcile acme
    driver.block_action("approve", message=fake.messages("C_BILLING")[0])
    driver.view_submission("connect", {"key": {"input": "abc"}}, view_id=view["id"])

With a `FakeSlack`, trigger ids and response_urls come from it, so the app's `views_open`
and `respond()` land in the fake and can be asserted on. `sign=` sends a "bad" signature,
a "missing" one, a "stale" (6 minutes old) timestamp instead of a valid one, or "none" of
Slack's headers at all (for a test that writes its own).
`render_channel` (from `slack_render`) is re-exported here for the demo.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

import httpx

from sandbox import slack_payloads as payloads
from sandbox.slack import FakeSlack
from sandbox.slack_render import render_channel
from sandbox.slack_state import Message

__all__ = ["SlackDriver", "render_channel"]

Signing = Literal["valid", "bad", "missing", "stale", "none"]
FORM = "application/x-www-form-urlencoded"
STALE_SECONDS = 6 * 60  # Bolt refuses timestamps more than 5 minutes away
STATE_COOKIE = "slack-app-oauth-state"
JSON = dict[str, Any]


class SlackDriver:
    """Slack's side of the conversation with an app served at `events_url`.

    Args:
        events_url: the app's Request URL, e.g. "http://127.0.0.1:PORT/slack/events".
        signing_secret: the app's signing secret.
        fake: the fake Web API that issues trigger ids and response_urls and knows names.
        team_id: the workspace the requests come from.
        clock: seconds since the epoch, for the signature timestamp.
        enterprise_id: set for an Enterprise Grid team (adds the enterprise fields).
        enterprise_install: the app is installed org-wide in that org (`is_enterprise_install`).
    """

    def __init__(
        self,
        events_url: str,
        signing_secret: str,
        fake: FakeSlack | None = None,
        team_id: str = "T0001",
        clock: Callable[[], float] = time.time,
        *,
        verification_token: str = "fake-verification-token",
        enterprise_id: str | None = None,
        enterprise_install: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self.events_url = events_url
        self.fake = fake
        self.team_id = team_id
        self.clock = clock
        self.verification_token = verification_token
        self.enterprise_id = enterprise_id
        self.enterprise_install = enterprise_install
        self.last_elapsed: float | None = None  # seconds the last request took
        self.install_state: str | None = None  # OAuth state from the last install()
        self._secret = signing_secret
        self._http = httpx.Client(trust_env=False, timeout=timeout)  # never through a proxy
        self._event_seq = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SlackDriver:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- interactions ------------------------------------------------------------------------

    def command(
        self,
        text: str,
        user_id: str = "U_ADMIN",
        channel_id: str = "C_BILLING",
        command: str = "/billrec",
        *,
        sign: Signing = "valid",
    ) -> httpx.Response:
        """A slash command, e.g. `command("status")` for "/billrec status"."""
        fields = payloads.slash_command(
            self._actor(user_id),
            command=command,
            text=text,
            channel_id=channel_id,
            channel_name=self._channel_name(channel_id),
            response_url=self._response_url(channel=channel_id, user_id=user_id),
            trigger_id=self._trigger(user_id),
        )
        return self.send(urlencode(fields), sign=sign)

    def block_action(
        self,
        action_id: str,
        value: str | None = None,
        user_id: str = "U_ADMIN",
        *,
        message: Message | JSON | None = None,
        view: JSON | str | None = None,
        channel_id: str = "C_BILLING",
        container: JSON | None = None,
        block_id: str | None = None,
        selected_option: JSON | str | None = None,
        sign: Signing = "valid",
    ) -> httpx.Response:
        """A click on `action_id` in a message (`message=`) or a modal (`view=`, a view or its id).

        The element is looked up in the message's or view's blocks to fill block_id, type
        and text; without one, a button with `value` in channel `channel_id` is assumed.
        """
        if isinstance(view, str):
            view = self.fake.view(view) if self.fake else None
        if isinstance(message, Message):
            channel_id = message.channel
        elif message is not None:
            channel_id = message.get("channel", channel_id)
        message_json = payloads.message_json(message, self.team_id) if message is not None else None
        blocks = (view or {}).get("blocks") or (message_json or {}).get("blocks") or []
        found_block_id, element = payloads.find_element(blocks, action_id)
        element = element or {"action_id": action_id, "type": "static_select" if selected_option else "button"}
        if isinstance(selected_option, str):
            selected_option = payloads.find_option(element, selected_option)
        now = self.clock()
        act = payloads.action(
            element,
            block_id=block_id or found_block_id or "actions",
            action_ts=f"{now:.6f}",
            value=value,
            selected_option=selected_option,
        )
        channel = response_url = None
        if view is not None:
            container = container or {"type": "view", "view_id": view["id"]}
        else:
            message_ts = message_json["ts"] if message_json else f"{int(now)}.000100"
            container = container or {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            }
            channel = {"id": channel_id, "name": self._channel_name(channel_id)}
            response_url = self._response_url(channel=channel_id, user_id=user_id, message_ts=message_ts)
        payload = payloads.block_actions(
            self._actor(user_id),
            actions=[act],
            trigger_id=self._trigger(user_id),
            container=container,
            channel=channel,
            message=message_json,
            view=view,
            response_url=response_url,
        )
        return self._send_payload(payload, sign)

    def view_submission(
        self,
        callback_id: str,
        values: JSON,
        private_metadata: str | None = None,
        view_id: str | None = None,
        user_id: str = "U_ADMIN",
        *,
        sign: Signing = "valid",
    ) -> httpx.Response:
        """A modal submitted with `values` ({block_id: {action_id: value}}).

        A value may be Slack's own state dict or a shorthand string (an input's text, or the
        option value of a static select). With `view_id` of a view the fake opened, the view's
        blocks, hash and private_metadata are used.
        """
        base = (self.fake.view(view_id) if self.fake and view_id else None) or payloads.blank_view(
            view_id or "V_DRIVER", self.team_id, self.fake.app_id if self.fake else "A_BILLREC", self.clock()
        )
        state = {
            block: {
                act: payloads.state_value(payloads.element_in(base["blocks"], block, act), v)
                for act, v in actions.items()
            }
            for block, actions in values.items()
        }
        view = base | {"callback_id": callback_id, "state": {"values": state}}
        if private_metadata is not None:
            view["private_metadata"] = private_metadata
        payload = payloads.view_submission(self._actor(user_id), view=view, trigger_id=self._trigger(user_id))
        return self._send_payload(payload, sign)

    # -- events --------------------------------------------------------------------------------

    def event(self, event: JSON, *, sign: Signing = "valid", event_id: str | None = None,
              retry_num: int | None = None) -> httpx.Response:
        """An Events API `event_callback` carrying `event`.

        Slack retries a delivery it thinks failed with the same envelope and event id, adding
        `X-Slack-Retry-Num` (1, 2, 3) and a reason: pass the first delivery's `event_id` and a
        `retry_num` to send such a retry.
        """
        if event_id is None:
            self._event_seq += 1
            event_id = f"Ev{self._event_seq:08d}"
        team = self.fake.team(self.team_id) if self.fake else None
        envelope = payloads.event_callback(
            self._actor("U_ADMIN"),
            event,
            bot_user_id=team.bot_user_id if team else "U_BOT",
            event_id=event_id,
            event_time=int(self.clock()),
        )
        retry = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else {}
        return self.send(json.dumps(envelope), content_type="application/json", sign=sign, headers=retry)

    def app_uninstalled(self, **delivery: Any) -> httpx.Response:
        return self.event({"type": "app_uninstalled"}, **delivery)

    def tokens_revoked(
        self, bot_user_ids: list[str] | None = None, user_ids: list[str] | None = None
    ) -> httpx.Response:
        return self.event({"type": "tokens_revoked", "tokens": {"oauth": user_ids or [], "bot": bot_user_ids or []}})

    def app_home_opened(self, user_id: str = "U_ADMIN", **delivery: Any) -> httpx.Response:
        """The Home tab opened; `delivery` as for `event` (event_id, retry_num)."""
        return self.event({"type": "app_home_opened", "user": user_id, "channel": f"D{user_id}", "tab": "home"},
                          **delivery)

    # -- OAuth -------------------------------------------------------------------------------

    def install(self, path: str = "/slack/install") -> httpx.Response:
        """Open the install page as a browser would; remembers the state cookie Bolt sets."""
        self._http.cookies.clear()
        response = self._timed(lambda: self._http.get(self._url(path), follow_redirects=False))
        found = re.search(rf"{STATE_COOKIE}=([^;]+)", response.headers.get("set-cookie", ""))
        self.install_state = found.group(1) if found else None
        return response

    def oauth_redirect(
        self, code: str, state: str | None = None, *, path: str = "/slack/oauth_redirect", with_cookie: bool = True
    ) -> httpx.Response:
        """Slack's redirect back after approval, from the browser that started the install.

        The state cookie is sent by hand: Bolt marks it Secure, which httpx will not send
        over plain http to 127.0.0.1.
        """
        state = state if state is not None else self.install_state or ""
        headers = {"Cookie": f"{STATE_COOKIE}={state}"} if with_cookie else {}
        url = self._url(path) + "?" + urlencode({"code": code, "state": state})
        self._http.cookies.clear()
        return self._timed(lambda: self._http.get(url, headers=headers, follow_redirects=False))

    # -- raw sending ---------------------------------------------------------------------------

    def send(self, body: str | bytes, content_type: str = FORM, *, sign: Signing = "valid",
             headers: dict[str, str] | None = None) -> httpx.Response:
        """POST a raw body to the app, signed as asked; `headers` are added last (and win)."""
        raw = body.encode() if isinstance(body, str) else body
        headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            **self.signature_headers(raw, sign),
            **(headers or {}),
        }
        return self._timed(lambda: self._http.post(self.events_url, content=raw, headers=headers))

    def signature_headers(self, raw: bytes, sign: Signing = "valid") -> dict[str, str]:
        """X-Slack-Request-Timestamp and X-Slack-Signature for `raw`, or a deliberately wrong pair."""
        if sign == "none":
            return {}
        timestamp = str(int(self.clock()) - (STALE_SECONDS if sign == "stale" else 0))
        secret = self._secret + "-wrong" if sign == "bad" else self._secret
        headers = {"X-Slack-Request-Timestamp": timestamp}
        if sign != "missing":
            # over the bytes, as Slack signs them (slack_sdk's helper needs UTF-8 text)
            digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
            headers["X-Slack-Signature"] = "v0=" + digest
        return headers

    # -- helpers -------------------------------------------------------------------------------

    def _send_payload(self, payload: JSON, sign: Signing) -> httpx.Response:
        return self.send(urlencode({"payload": json.dumps(payload, separators=(",", ":"))}), sign=sign)

    def _timed(self, request: Callable[[], httpx.Response]) -> httpx.Response:
        start = time.perf_counter()
        response = request()
        self.last_elapsed = time.perf_counter() - start
        return response

    def _url(self, path: str) -> str:
        parts = urlsplit(self.events_url)
        return f"{parts.scheme}://{parts.netloc}{path}"

    def _actor(self, user_id: str) -> payloads.Actor:
        user = self.fake.user(user_id) if self.fake else None
        team = self.fake.team(self.team_id) if self.fake else None
        return payloads.Actor(
            team_id=self.team_id,
            team_domain=team.domain if team else self.team_id.lower(),
            user_id=user_id,
            user_name=user.name if user else user_id.lower(),
            api_app_id=self.fake.app_id if self.fake else "A_BILLREC",
            token=self.verification_token,
            enterprise_id=self.enterprise_id,
            enterprise_name=f"{self.enterprise_id} org" if self.enterprise_id else None,
            is_enterprise_install=self.enterprise_install,
        )

    def _channel_name(self, channel_id: str) -> str:
        channel = self.fake.channel(channel_id) if self.fake else None
        return channel.name if channel else channel_id.lower()

    def _trigger(self, user_id: str) -> str:
        if self.fake is None:
            return f"{int(self.clock())}.1.deadbeef"
        return self.fake.issue_trigger_id(user_id=user_id, team_id=self.team_id)

    def _response_url(self, *, channel: str, user_id: str, message_ts: str | None = None) -> str:
        if self.fake is None:
            return f"https://hooks.slack.com/commands/{self.team_id}/1/unused"
        return self.fake.response_url(channel=channel, message_ts=message_ts, user_id=user_id, team_id=self.team_id)
