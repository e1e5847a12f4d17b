"""What Slack's mrkdwn would format in a text: a test's model of where `*`, `_`, `~` and `` ` `` spans form.

Slack documents the markers, not the parser, so the model is the rule a reader can check in
any client: a marker opens a span when what precedes it is the start, a space or punctuation,
and what follows it is visible; it closes one when what precedes it is visible and what follows
is the end, a space or punctuation; spans do not cross lines. Punctuation here is anything not a
letter, digit or space, the most generous reading (it finds the most spans). How Slack counts a
zero-width space is not documented either, so `spans` takes both readings: as a space, or as
a letter.

    >>> spans("*Acme* and _Co_")
    [('*', 'Acme'), ('_', 'Co')]
"""

from __future__ import annotations

from typing import Literal

MARKERS = "*_~`"
ZERO_WIDTH_SPACE = "\u200b"
Reading = Literal["space", "letter"]


def spans(text: str, zero_width: Reading = "space") -> list[tuple[str, str]]:
    """(marker, text inside) of every span, leftmost opener first, as Slack would format them."""
    found = []
    for line in text.split("\n"):
        i = 0
        while i < len(line):
            close = _closing(line, i, zero_width) if line[i] in MARKERS and _opens(line, i, zero_width) else None
            if close is None:
                i += 1
                continue
            found.append((line[i], line[i + 1:close]))
            i = close + 1
    return found


def _space(c: str, zero_width: Reading) -> bool:
    return c.isspace() or (c == ZERO_WIDTH_SPACE and zero_width == "space")


def _boundary(c: str | None, zero_width: Reading) -> bool:
    if c is None or _space(c, zero_width):
        return True
    return not (c.isalnum() or c == ZERO_WIDTH_SPACE)  # a zero-width space read as a letter bounds nothing


def _opens(line: str, i: int, zero_width: Reading) -> bool:
    before = line[i - 1] if i else None
    return _boundary(before, zero_width) and i + 1 < len(line) and not _space(line[i + 1], zero_width)


def _closing(line: str, i: int, zero_width: Reading) -> int | None:
    marker = line[i]
    for j in range(i + 2, len(line)):
        after = line[j + 1] if j + 1 < len(line) else None
        if line[j] == marker and not _space(line[j - 1], zero_width) and _boundary(after, zero_width):
            return j
    return None


def visible(text: str) -> str:
    """What a reader sees of a piece of mrkdwn text: no zero-width spaces, entities as characters."""
    return text.replace(ZERO_WIDTH_SPACE, "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
