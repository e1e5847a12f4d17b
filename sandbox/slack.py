"""A fake Slack Web API on a loopback port, for `billrec demo` and end-to-end tests.

Point the real client at it and look at what a channel would show:

    with FakeSlack() as fake:
        fake.add_team("T0001", "xoxb-test")
        fake.add_channel("C1", "billing", members=["U_BOT"])
        WebClient(token="xoxb-test", base_url=fake.api_url).chat_postMessage(channel="C1", text="hi")
        assert fake.messages("C1")[0].text == "hi"

It enforces what Slack enforces and slack_sdk does not (Block Kit limits on plain dicts,
membership, trigger expiry, view hashes, single-use OAuth grants, per-channel pacing), so a
test that passes here fails here for the same reasons it would fail in a workspace. The
method handlers live in `slack_chat`, `slack_views`, `slack_files`, `slack_oauth`,
`slack_directory` and `slack_hooks`; this class is seeding, observing and lifecycle.
It stays one class past the usual module size so the whole public API reads in one place;
every method is a few lines that delegate.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sandbox import slack_hooks, slack_oauth, slack_views
from sandbox.slack_faults import Faults
from sandbox.slack_ratelimit import DEFAULT_BURST, DEFAULT_RATE
from sandbox.slack_server import FakeHTTPServer, Router
from sandbox.slack_state import (
    DEFAULT_SCOPES,
    Call,
    Channel,
    Ephemeral,
    HookCall,
    Message,
    SharedFile,
    Team,
    TokenInfo,
    User,
    Workspace,
)
from sandbox.slack_views import view_json

T = TypeVar("T")
JSON = dict[str, Any]


class FakeSlack:
    """A local Slack Web API. Use as a context manager, or `start()` / `stop()`.

    Args:
        clock: seconds since the epoch; drives message ts, trigger expiry, token expiry and
            the postMessage rate limit. Inject a fake clock to test expiry without sleeping.
        post_rate: chat.postMessage messages per second per channel; None switches it off.
        post_burst: how many messages a channel may take at once before pacing starts.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        *,
        post_rate: float | None = DEFAULT_RATE,
        post_burst: int = DEFAULT_BURST,
    ) -> None:
        self._ws = Workspace(clock)
        self._ws.post_limiter.configure(post_rate, post_burst)
        self._faults = Faults()
        self._router = Router(self._ws, self._faults)
        self._server: FakeHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> FakeSlack:
        if self._server is None:
            self._server = FakeHTTPServer(self._router)
            host, port = self._server.server_address[:2]
            self._router.base_url = f"http://{host}:{port}"
            self._thread = threading.Thread(
                # a short poll keeps stop() fast; the default 0.5 s adds up over a test suite
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.02},
                name="fake-slack",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            assert self._thread is not None
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """ "http://127.0.0.1:PORT" (the server must be started)."""
        if not self._router.base_url:
            raise RuntimeError("FakeSlack is not started")
        return self._router.base_url

    @property
    def api_url(self) -> str:
        """The value for `WebClient(base_url=...)`, e.g. "http://127.0.0.1:PORT/api/"."""
        return f"{self.base_url}/api/"

    # -- seeding ---------------------------------------------------------------------------

    def add_team(
        self,
        team_id: str,
        bot_token: str,
        *,
        name: str | None = None,
        domain: str | None = None,
        bot_user_id: str = "U_BOT",
        bot_id: str = "B_BOT",
        scopes: Iterable[str] = DEFAULT_SCOPES,
        enterprise_id: str | None = None,
    ) -> Team:
        """A workspace with the app installed: its bot user, bot token and granted scopes
        (`enterprise_id`: a workspace of that Enterprise Grid org)."""
        with self._router.lock:
            owner = self._ws.users.get(bot_user_id)
            if owner is not None and owner.team_id != team_id:
                raise ValueError(f"bot user {bot_user_id} already belongs to {owner.team_id}")
            team = Team(
                team_id, name or team_id, domain or team_id.lower(), bot_user_id, bot_id, tuple(scopes), enterprise_id
            )
            self._ws.teams[team_id] = team
            self._ws.tokens[bot_token] = TokenInfo(team_id)
            self._ws.users[bot_user_id] = User(bot_user_id, "billrec", team_id=team_id, is_bot=True)
            return team

    def add_org(
        self,
        enterprise_id: str,
        bot_token: str,
        *,
        name: str | None = None,
        bot_user_id: str = "W_BOT",
        bot_id: str = "B_ORG_BOT",
        scopes: Iterable[str] = DEFAULT_SCOPES,
    ) -> Team:
        """An Enterprise Grid org with the app installed org-wide: one token for every workspace
        whose `enterprise_id` is this org's (add those with `add_team(..., enterprise_id=...)`)."""
        with self._router.lock:
            team = Team(enterprise_id, name or enterprise_id, (name or enterprise_id).lower().replace(" ", "-"),
                        bot_user_id, bot_id, tuple(scopes), enterprise_id, org_wide=True)
            self._ws.teams[enterprise_id] = team
            self._ws.tokens[bot_token] = TokenInfo(enterprise_id)
            self._ws.users[bot_user_id] = User(bot_user_id, "billrec", team_id=enterprise_id, is_bot=True)
            return team

    def add_channel(
        self,
        channel_id: str,
        name: str,
        members: Iterable[str] = (),
        *,
        is_private: bool = False,
        is_archived: bool = False,
        team_id: str | None = None,
    ) -> Channel:
        """Add (or replace) a channel. Put the bot user id in `members` to let the bot post."""
        channel = Channel(channel_id, name, frozenset(members), is_private, is_archived, team_id)
        with self._router.lock:
            self._ws.channels[channel_id] = channel
        return channel

    def add_user(
        self, user_id: str, name: str, is_admin: bool = False, *, team_id: str | None = None, real_name: str = "",
        email: str = "",
    ) -> User:
        user = User(user_id, name, is_admin, team_id, real_name, email=email)
        with self._router.lock:
            self._ws.users[user_id] = user
        return user

    def set_app(self, **settings: Any) -> None:
        """Change the OAuth app: client_id, client_secret, app_id, token_rotation, token_lifetime."""
        with self._router.lock:
            for key, value in settings.items():
                if not hasattr(self._ws.app, key):
                    raise TypeError(f"unknown app setting {key}")
                setattr(self._ws.app, key, value)

    @property
    def app_id(self) -> str:
        return self._ws.app.app_id

    def revoke_tokens(self, team_id: str) -> None:
        """What uninstalling does: every token of the team answers `token_revoked`."""
        with self._router.lock:
            for info in self._ws.tokens.values():
                if info.team_id == team_id:
                    info.revoked = True

    # -- what the harness hands out --------------------------------------------------------

    def issue_trigger_id(self, user_id: str | None = None, team_id: str | None = None) -> str:
        """A trigger id as Slack puts in an interaction payload: one use, 3 s on the clock."""
        with self._router.lock:
            return slack_views.issue_trigger(self._ws, team_id, user_id)

    def response_url(
        self,
        channel: str | None = None,
        message_ts: str | None = None,
        user_id: str | None = None,
        team_id: str | None = None,
    ) -> str:
        """A fresh response_url; `message_ts` is the message a button lives in."""
        with self._router.lock:
            return slack_hooks.issue(
                self._ws, self.base_url, channel=channel, message_ts=message_ts, user_id=user_id, team_id=team_id
            )

    def issue_oauth_code(
        self,
        team_id: str,
        user_id: str = "U_ADMIN",
        *,
        scopes: Iterable[str] | None = None,
        redirect_uri: str | None = None,
    ) -> str:
        """The code Slack would put on the OAuth redirect after the user approves the install
        (`team_id` an org's enterprise id: the org-wide install `add_org` set up)."""
        with self._router.lock:
            return slack_oauth.issue_code(self._ws, team_id, user_id, tuple(scopes) if scopes else None, redirect_uri)

    # -- limits and faults -----------------------------------------------------------------

    def set_post_rate_limit(self, rate: float | None, burst: int = DEFAULT_BURST) -> None:
        """chat.postMessage per channel: `rate` per second after a burst of `burst`; None: off."""
        with self._router.lock:
            self._ws.post_limiter.configure(rate, burst)

    def fail_next(
        self,
        method: str,
        status: int | None = None,
        retry_after: int | None = 0,
        error: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls fail; see `sandbox.slack_faults.Faults.fail_next`."""
        self._faults.fail_next(method, status, retry_after, error, times)

    def slow(self, method: str, seconds: float) -> None:
        """Delay every answer of `method` by `seconds`; 0 switches it off."""
        self._faults.slow(method, seconds)

    def clear_faults(self) -> None:
        self._faults.clear()

    # -- observing -------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every request answered so far, in order (a snapshot)."""
        return self._read(lambda: list(self._router.calls))

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def wait_for(self, what: str | Callable[[FakeSlack], T], timeout: float = 5.0, *, count: int = 1) -> Any:
        """Poll until something happened, for effects of lazy listeners and background jobs.

        Args:
            what: a method name (wait for its `count`-th call and return that `Call`), or a
                function of this fake whose first truthy result is returned.
            timeout: real seconds before `TimeoutError`.
        """
        deadline = time.monotonic() + timeout
        while True:
            if isinstance(what, str):
                matching = self.calls_to(what)
                result: Any = matching[count - 1] if len(matching) >= count else None
            else:
                result = what(self)
            if result:
                return result
            if time.monotonic() >= deadline:
                seen = [c.method for c in self.calls]
                raise TimeoutError(f"waited {timeout}s for {what!r}; calls so far: {seen}")
            time.sleep(0.01)

    def messages(self, channel: str) -> list[Message]:
        """Every message in the channel, top-level and replies, in ts order."""
        return self._read(lambda: sorted(self._ws.channel_messages(channel), key=lambda m: float(m.ts)))

    def thread(self, channel: str, parent_ts: str) -> list[Message]:
        """The replies under `parent_ts` (not the parent itself), in order."""
        return [m for m in self.messages(channel) if m.thread_ts == parent_ts and m.ts != parent_ts]

    def ephemerals(self, channel: str | None = None) -> list[Ephemeral]:
        return self._read(lambda: [e for e in self._ws.ephemerals if channel in (None, e.channel)])

    def files(self, channel: str) -> list[SharedFile]:
        """Files shared into the channel, with their exact bytes, in order."""
        return self._read(lambda: [f for f in self._ws.files if f.channel == channel])

    @property
    def hooks(self) -> list[HookCall]:
        """Every response_url post received, in order."""
        return self._read(lambda: list(self._ws.hook_calls))

    def view(self, view_id: str) -> JSON | None:
        """A view as Slack would describe it (for building payloads and assertions)."""
        return self._read(lambda: view_json(self._ws, self._ws.views[view_id]) if view_id in self._ws.views else None)

    def open_views(self, user_id: str, team_id: str | None = None) -> list[JSON]:
        """The user's modal stack, root first."""

        def read() -> list[JSON]:
            for (team, user), stack in self._ws.stacks.items():
                if user == user_id and team_id in (None, team):
                    return [view_json(self._ws, self._ws.views[v]) for v in stack]
            return []

        return self._read(read)

    def close_views(self, user_id: str) -> None:
        """Clear a user's modal stack, as a closed or finally submitted modal does."""
        with self._router.lock:
            for key in [k for k in self._ws.stacks if k[1] == user_id]:
                del self._ws.stacks[key]

    def home(self, user_id: str, team_id: str | None = None) -> JSON | None:
        """The App Home last published for the user."""

        def read() -> JSON | None:
            for (team, user), view_id in self._ws.homes.items():
                if user == user_id and team_id in (None, team):
                    return view_json(self._ws, self._ws.views[view_id])
            return None

        return self._read(read)

    def channel(self, channel_id: str) -> Channel | None:
        return self._read(lambda: self._ws.channels.get(channel_id))

    def user(self, user_id: str) -> User | None:
        return self._read(lambda: self._ws.users.get(user_id))

    def team(self, team_id: str) -> Team | None:
        return self._read(lambda: self._ws.teams.get(team_id))

    def _read(self, read: Callable[[], T]) -> T:
        with self._router.lock:
            return read()
