"""Slack's Block Kit limits (slack-notes.md, "Limits"), with the margins we keep under them.

slack_sdk checks only some of these, and never the message-level ones, so the builders guard
them themselves; the fake Slack in `sandbox/` refuses anything over them, like Slack does.
"""

from __future__ import annotations

MESSAGE_BLOCKS = 50
MESSAGE_BLOCK_TEXT = 12_000  # cumulative characters of every text object in a message
MESSAGE_TEXT = 40_000  # top-level `text`; Slack truncates above it
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTION_ID = 255  # also block_id
OPTION_TEXT = 75
OPTION_VALUE = 150
SELECT_OPTIONS = 100
MODAL_BLOCKS = 100
MODAL_TITLE = 24  # also submit and close
PRIVATE_METADATA = 3000
CONTEXT_ELEMENTS = 10

# What our builders aim for: comfortably under the hard limits.
PART_BLOCKS = 45
PART_TEXT = 10_000
SECTION_BUDGET = 2800
FALLBACK_TEXT = 3000  # the notification text of a message
