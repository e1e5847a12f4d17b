"""The envelope of a Slack request: the fields Bolt reads to route it and to find its team, user,
channel and response_url, checked for the types Slack sends before Bolt reads them.

Slack only ever sends these shapes, so this refuses nothing Slack sends. It exists because Bolt
looks the fields up without checking them: a signed body with `"user": 5`, `"actions": []` or
`"event": "x"` makes Bolt's lookups raise, which is a 500, a logged traceback and an error
handler asked to answer a request it cannot read. Only the fields Bolt and our middleware touch
are declared; every other field passes as it is (`extra="allow"`). A field that may be absent
but never null in Slack's payloads is declared `X = None` without `| None`: absent passes,
null is refused, because that is where Bolt would stumble.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class Ref(_Shape):
    """A team, user, channel or enterprise given as an object: Bolt takes its `id`."""

    id: str | None = None


Id = str | Ref | None  # Bolt accepts an id or an object with an id wherever one is named


class Located(_Shape):
    """An object Bolt searches for the enterprise, team, user and channel ids, and the objects
    it descends into to find them (an event, its message, an item, the first authorization)."""

    enterprise: Id = None
    team: Id = None
    user: Id = None
    channel: Id = None
    enterprise_id: str | None = None
    team_id: str | None = None
    user_id: str | None = None
    channel_id: str | None = None
    authorizations: list[Located] | None = None
    event: Event = None  # type: ignore[assignment]  # absent or an object; Bolt trips on null
    message: Located | None = None
    previous_message: Located | None = None
    item: Located | None = None
    assistant_thread: Located | None = None
    function_data: dict[str, Any] | None = None


class Event(Located):
    type: str | None = None
    subtype: str | None = None
    bot_id: str | None = None


class Action(_Shape):
    action_id: str | None = None  # a block action's; a legacy attachment action has a name instead
    block_id: str | None = None


class View(_Shape):
    id: str | None = None
    type: str | None = None
    callback_id: str | None = None
    team_id: str | None = None
    app_installed_team_id: str | None = None
    private_metadata: str | None = None
    state: dict[str, Any] | None = None


class ResponseUrl(_Shape):
    response_url: str | None = None


class Envelope(Located):
    """A whole request body: an event callback, a slash command or an interaction payload."""

    type: str | None = None
    event_id: str | None = None
    command: str | None = None
    text: str | None = None
    callback_id: str | None = None
    action_id: str | None = None
    trigger_id: str | None = None
    response_url: str | None = None
    response_urls: list[ResponseUrl] = None  # type: ignore[assignment]
    actions: list[Action] = Field(default=None, min_length=1)  # type: ignore[assignment]
    view: View = None  # type: ignore[assignment]
    workflow_step: dict[str, Any] = None  # type: ignore[assignment]

    @model_validator(mode="after")
    def _what_each_kind_always_carries(self) -> Envelope:
        # Bolt reads actions[0] of any interactive_message with a callback_id, and the action_id
        # of a block action's
        if self.type == "interactive_message" and self.callback_id is not None and self.actions is None:
            raise ValueError("an interactive_message without actions")
        if self.type == "block_actions" and self.actions is not None and self.actions[0].action_id is None:
            raise ValueError("a block action without its action_id")
        # Bolt looks for a workflow step in every request: in an edit, and in a saved step's view
        if self.type == "workflow_step_edit" and self.callback_id is not None and self.workflow_step is None:
            raise ValueError("a workflow_step_edit without its workflow_step")
        if self.type in ("view_submission", "view_closed") and self.view is not None and \
                self.view.callback_id is not None:
            if self.view.type is None:
                raise ValueError("a view without a type")
            if self.view.type == "workflow_step" and self.workflow_step is None:
                raise ValueError("a workflow step's view without its workflow_step")
        # a slash command always says who typed it where; the command listener reads both
        if self.command is not None and (self.user_id is None or self.channel_id is None):
            raise ValueError("a slash command without user_id or channel_id")
        return self


def problem(body: dict[str, Any]) -> str | None:
    """None for a body shaped as Slack shapes them; otherwise the first field that is not."""
    try:
        Envelope.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return (where or str(first["msg"]).removeprefix("Value error, "))[:80]
    except RecursionError:  # events nested deeper than the validator's stack: no Slack payload is
        return "the body's nesting"
    return None
