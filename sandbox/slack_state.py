"""What the fake Slack workspace remembers: who exists, what was posted, uploaded and opened.

The frozen records (`Message`, `SharedFile`, `Call`, ...) are what tests get back; a change
replaces a record rather than mutating it, so a snapshot a test holds never moves under it.
The small mutable records (triggers, views, pending uploads) never leave the fake.
`Workspace` holds all of it and is only touched under `FakeSlack`'s lock.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.slack_ratelimit import ChannelRateLimiter

JSON = dict[str, Any]
Clock = Callable[[], float]

# What the manifest in slack-notes.md asks for; chat:write.public and team:read are opt-in.
DEFAULT_SCOPES = ("commands", "chat:write", "files:write", "channels:read", "groups:read", "users:read",
                  "users:read.email")


@dataclass(frozen=True)
class Team:
    """A workspace with the app installed, or (`org_wide`) an Enterprise Grid org's org-wide install.

    A workspace inside a Grid org has its `enterprise_id`. An org-wide install is a record of
    its own whose id *is* the enterprise id; its token reaches every workspace of the org.
    """

    id: str
    name: str
    domain: str
    bot_user_id: str
    bot_id: str
    scopes: tuple[str, ...]
    enterprise_id: str | None = None
    org_wide: bool = False


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    members: frozenset[str]
    is_private: bool = False
    is_archived: bool = False
    team_id: str | None = None  # None: visible from every team


@dataclass(frozen=True)
class User:
    id: str
    name: str
    is_admin: bool = False
    team_id: str | None = None
    real_name: str = ""
    is_bot: bool = False
    email: str = ""


@dataclass(frozen=True)
class Message:
    """A message as the channel holds it. `thread_ts` is None for a top-level message."""

    channel: str
    ts: str
    text: str
    blocks: list[JSON]
    thread_ts: str | None = None
    user: str | None = None
    bot_id: str | None = None
    attachments: list[JSON] = field(default_factory=list)
    edited: bool = False
    reply_broadcast: bool = False

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts


@dataclass(frozen=True)
class Ephemeral:
    """A message only `user` sees (chat.postEphemeral, or a response_url answer by default)."""

    channel: str | None
    user: str | None
    ts: str
    text: str
    blocks: list[JSON]
    thread_ts: str | None = None


@dataclass(frozen=True)
class SharedFile:
    """A file shared into a channel by files.completeUploadExternal; `content` is the exact bytes."""

    id: str
    channel: str
    filename: str
    title: str
    content: bytes
    ts: str
    thread_ts: str | None = None
    initial_comment: str | None = None
    user: str | None = None

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class Call:
    """One request the fake answered. `headers` keys are lower-case; `time` is the fake's clock."""

    method: str
    headers: dict[str, str]
    body: JSON
    time: float
    status: int
    response: JSON | None


@dataclass(frozen=True)
class HookCall:
    """One POST to a response_url."""

    hook_id: str
    url: str
    body: JSON
    time: float
    status: int


@dataclass
class TokenInfo:
    team_id: str
    expires_at: float | None = None
    revoked: bool = False


@dataclass
class Trigger:
    team_id: str | None
    user_id: str | None
    issued_at: float
    used: bool = False


@dataclass
class View:
    id: str
    team_id: str
    user_id: str | None
    payload: JSON  # the view as the app sent it
    hash: str
    root_view_id: str
    previous_view_id: str | None = None


@dataclass
class PendingUpload:
    team_id: str
    filename: str
    length: int
    content: bytes | None = None


@dataclass
class HookTarget:
    """Where a response_url's answers go: the channel, and the message a button lives in."""

    channel: str | None
    message_ts: str | None
    user_id: str | None
    team_id: str | None
    issued_at: float
    uses: int = 0


@dataclass
class OAuthCode:
    team_id: str
    user_id: str
    scopes: tuple[str, ...]
    redirect_uri: str | None
    issued_at: float
    used: bool = False


@dataclass
class OAuthApp:
    client_id: str = "1111.2222"
    client_secret: str = "fake-client-secret"
    app_id: str = "A_BILLREC"
    token_rotation: bool = False
    token_lifetime: int = 43_200  # Slack's 12 h


class Workspace:
    """All mutable state of the fake, plus its id and ts generators."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.app = OAuthApp()
        self.post_limiter = ChannelRateLimiter(clock)
        self.teams: dict[str, Team] = {}
        self.tokens: dict[str, TokenInfo] = {}
        self.channels: dict[str, Channel] = {}
        self.users: dict[str, User] = {}
        self.messages: dict[str, list[Message]] = {}
        self.ephemerals: list[Ephemeral] = []
        self.files: list[SharedFile] = []
        self.uploads: dict[str, PendingUpload] = {}
        self.views: dict[str, View] = {}
        self.stacks: dict[tuple[str | None, str | None], list[str]] = {}
        self.homes: dict[tuple[str, str], str] = {}
        self.triggers: dict[str, Trigger] = {}
        self.hooks: dict[str, HookTarget] = {}
        self.hook_calls: list[HookCall] = []
        self.oauth_codes: dict[str, OAuthCode] = {}
        self.refresh_tokens: dict[str, str] = {}  # unused refresh token -> team id
        self._seq = itertools.count(1)
        self._last_ts_us = 0

    def now(self) -> float:
        return self.clock()

    def next_ts(self) -> str:
        """A fresh message ts ("1764240000.000100"), strictly increasing even on a frozen clock."""
        now_us = int(self.clock() * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 100)
        seconds, micros = divmod(self._last_ts_us, 1_000_000)
        return f"{seconds}.{micros:06d}"

    def next_id(self, prefix: str) -> str:
        """A fresh Slack-style id such as "V00000007" or "F00000012"."""
        return f"{prefix}{next(self._seq):08d}"

    def channel_messages(self, channel_id: str) -> list[Message]:
        return self.messages.setdefault(channel_id, [])

    def find_message(self, channel_id: str, ts: str) -> Message | None:
        return next((m for m in self.channel_messages(channel_id) if m.ts == ts), None)

    def replace_message(self, old: Message, new: Message | None) -> None:
        """Swap a stored message for `new`, or delete it when `new` is None."""
        messages = self.channel_messages(old.channel)
        index = messages.index(old)
        if new is None:
            del messages[index]
        else:
            messages[index] = new
