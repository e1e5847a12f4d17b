"""Block Kit limits the fake Slack enforces, answered the way Slack words them.

Plain-dict blocks are never checked by slack_sdk, so without this a message that Slack would
reject with `invalid_blocks` passes every test. Each problem is reported like Slack's
`response_metadata.messages`:

    [ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]

The numbers are the ones in slack-notes.md ("Limits"); there is no official schema to load.
They repeat `bot/views/limits.py` on purpose: the fake is Slack's side, written from Slack's
rules, so a wrong number in the app's own limits fails a test instead of passing both.
"""

from __future__ import annotations

from typing import Any

MESSAGE_BLOCKS = 50
MODAL_BLOCKS = 100
MESSAGE_TEXT = 40_000
MESSAGE_BLOCK_TEXT = 12_000  # cumulative; above it Slack answers msg_blocks_too_long
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
URL_LENGTH = 3000
ID_LENGTH = 255  # action_id, block_id, callback_id, external_id
ACTIONS_ELEMENTS = 25
CONTEXT_ELEMENTS = 10
OPTION_TEXT = 75
OPTION_VALUE = 150
SELECT_OPTIONS = 100
PLACEHOLDER_TEXT = 150
INPUT_LABEL = 2000
VIEW_BUTTON_TEXT = 24  # modal title, submit and close
PRIVATE_METADATA = 3000

# Elements with an option list, and how many options each may have.
OPTION_LIMITS = {
    "static_select": SELECT_OPTIONS,
    "multi_static_select": SELECT_OPTIONS,
    "overflow": 5,
    "checkboxes": 10,
    "radio_buttons": 10,
}
PLAIN_TEXT_OPTIONS = {"static_select", "multi_static_select", "overflow"}


def message_problems(blocks: Any) -> list[str]:
    """Everything wrong with a message's `blocks` (empty when Slack would accept them)."""
    check = _Check()
    check.blocks(blocks, MESSAGE_BLOCKS, "/blocks")
    return check.problems


def view_problems(view: Any) -> list[str]:
    """Everything wrong with a modal or App Home view (pointers start at /view)."""
    check = _Check()
    if not isinstance(view, dict):
        check.fail("must provide an object", "/view")
        return check.problems
    kind = view.get("type")
    if kind not in ("modal", "home"):
        check.fail("must be one of: modal, home", "/view/type")
    if kind == "modal":
        check.text(view.get("title"), VIEW_BUTTON_TEXT, "/view/title", plain=True)
        for key in ("submit", "close"):
            if key in view:
                check.text(view[key], VIEW_BUTTON_TEXT, f"/view/{key}", plain=True)
        blocks = view.get("blocks")
        has_input = isinstance(blocks, list) and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and "submit" not in view:
            check.fail("submit is required when an 'input' block is within the blocks array", "/view")
    check.length(view.get("private_metadata"), PRIVATE_METADATA, "/view/private_metadata")
    check.length(view.get("callback_id"), ID_LENGTH, "/view/callback_id")
    check.length(view.get("external_id"), ID_LENGTH, "/view/external_id")
    check.blocks(view.get("blocks"), MODAL_BLOCKS, "/view/blocks")
    return check.problems


def block_text_length(value: Any) -> int:
    """Total characters of every text object (and markdown block) inside `value`."""
    if isinstance(value, list):
        return sum(block_text_length(item) for item in value)
    if not isinstance(value, dict):
        return 0
    own = 0
    if value.get("type") in ("plain_text", "mrkdwn", "markdown") and isinstance(value.get("text"), str):
        own = len(value["text"])
    return own + sum(block_text_length(v) for v in value.values())


class _Check:
    """Collects problems while walking blocks; one method per Block Kit shape."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, what: str, pointer: str) -> None:
        self.problems.append(f"[ERROR] {what} [json-pointer:{pointer}]")

    def length(self, value: Any, limit: int, pointer: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.fail(f"must be less than {limit + 1} characters", pointer)

    def count(self, items: Any, limit: int, pointer: str) -> bool:
        """Check a required, non-empty list of at most `limit` items; True if it is a list."""
        if not isinstance(items, list):
            self.fail("must provide an array", pointer)
            return False
        if not items:
            self.fail("must provide at least 1 item", pointer)
        elif len(items) > limit:
            self.fail(f"must provide no more than {limit} items", pointer)
        return True

    def text(self, obj: Any, limit: int | None, pointer: str, *, plain: bool = False) -> None:
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            self.fail("must provide a text object", pointer)
            return
        allowed = ("plain_text",) if plain else ("plain_text", "mrkdwn")
        if obj.get("type") not in allowed:
            self.fail(f"must be one of: {', '.join(allowed)}", f"{pointer}/type")
        if not obj["text"]:
            self.fail("must be more than 0 characters", f"{pointer}/text")
        elif limit is not None:
            self.length(obj["text"], limit, f"{pointer}/text")

    def blocks(self, blocks: Any, limit: int, pointer: str) -> None:
        if blocks is None:
            return
        if not isinstance(blocks, list):
            self.fail("must provide an array", pointer)
            return
        if len(blocks) > limit:
            self.fail(f"must provide no more than {limit} items", pointer)
        seen: set[str] = set()
        for i, block in enumerate(blocks):
            block_id = block.get("block_id") if isinstance(block, dict) else None
            if block_id is not None and block_id in seen:
                self.fail(f"duplicate block_id: {block_id}", f"{pointer}/{i}/block_id")
            seen.add(block_id)
            self.block(block, f"{pointer}/{i}")

    def block(self, block: Any, p: str) -> None:
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            self.fail("missing required field: type", p)
            return
        self.length(block.get("block_id"), ID_LENGTH, f"{p}/block_id")
        kind = block["type"]
        if kind == "section":
            if "text" not in block and "fields" not in block:
                self.fail("must provide either text or fields", p)
            if "text" in block:
                self.text(block["text"], SECTION_TEXT, f"{p}/text")
            if "fields" in block and self.count(block["fields"], SECTION_FIELDS, f"{p}/fields"):
                for i, item in enumerate(block["fields"]):
                    self.text(item, FIELD_TEXT, f"{p}/fields/{i}")
            if "accessory" in block:
                self.element(block["accessory"], f"{p}/accessory")
        elif kind == "header":
            self.text(block.get("text"), HEADER_TEXT, f"{p}/text", plain=True)
        elif kind == "actions":
            self.elements(block.get("elements"), ACTIONS_ELEMENTS, f"{p}/elements")
        elif kind == "context":
            if self.count(block.get("elements"), CONTEXT_ELEMENTS, f"{p}/elements"):
                for i, item in enumerate(block["elements"]):
                    if not (isinstance(item, dict) and item.get("type") == "image"):
                        self.text(item, None, f"{p}/elements/{i}")
        elif kind == "input":
            self.text(block.get("label"), INPUT_LABEL, f"{p}/label", plain=True)
            if "hint" in block:
                self.text(block["hint"], INPUT_LABEL, f"{p}/hint", plain=True)
            self.element(block.get("element"), f"{p}/element")

    def elements(self, elements: Any, limit: int, pointer: str) -> None:
        if not self.count(elements, limit, pointer):
            return
        seen: set[str] = set()
        for i, element in enumerate(elements):
            action_id = element.get("action_id") if isinstance(element, dict) else None
            if action_id is not None and action_id in seen:
                self.fail(f"duplicate action_id: {action_id}", f"{pointer}/{i}/action_id")
            seen.add(action_id)
            self.element(element, f"{pointer}/{i}")

    def element(self, element: Any, p: str) -> None:
        if not isinstance(element, dict) or not isinstance(element.get("type"), str):
            self.fail("missing required field: type", p)
            return
        kind = element["type"]
        self.length(element.get("action_id"), ID_LENGTH, f"{p}/action_id")
        if "placeholder" in element:
            self.text(element["placeholder"], PLACEHOLDER_TEXT, f"{p}/placeholder", plain=True)
        if kind == "button":
            self.text(element.get("text"), BUTTON_TEXT, f"{p}/text", plain=True)
            self.length(element.get("value"), BUTTON_VALUE, f"{p}/value")
            self.length(element.get("url"), URL_LENGTH, f"{p}/url")
        elif kind in OPTION_LIMITS:
            self.option_list(element, kind, p)

    def option_list(self, element: dict[str, Any], kind: str, p: str) -> None:
        plain = kind in PLAIN_TEXT_OPTIONS
        if "option_groups" in element:
            if self.count(element["option_groups"], SELECT_OPTIONS, f"{p}/option_groups"):
                for g, group in enumerate(element["option_groups"]):
                    gp = f"{p}/option_groups/{g}"
                    group = group if isinstance(group, dict) else {}
                    self.text(group.get("label"), OPTION_TEXT, f"{gp}/label", plain=True)
                    self.options(group.get("options"), SELECT_OPTIONS, f"{gp}/options", plain)
            return
        self.options(element.get("options"), OPTION_LIMITS[kind], f"{p}/options", plain)

    def options(self, options: Any, limit: int, pointer: str, plain: bool) -> None:
        if not self.count(options, limit, pointer):
            return
        for i, option in enumerate(options):
            op = f"{pointer}/{i}"
            option = option if isinstance(option, dict) else {}
            self.text(option.get("text"), OPTION_TEXT, f"{op}/text", plain=plain)
            if not isinstance(option.get("value"), str):
                self.fail("missing required field: value", op)
            self.length(option.get("value"), OPTION_VALUE, f"{op}/value")
            if "description" in option:
                self.text(option["description"], OPTION_TEXT, f"{op}/description", plain=plain)
            self.length(option.get("url"), URL_LENGTH, f"{op}/url")
