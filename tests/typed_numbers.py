"""Numbers typed wrong, and the words both faces answer with (issue 7 item 8).

Each case is (subcommand, what is typed, the message); `cli_args` and `slack_text` put the typed
number where each face takes it, so one table proves the CLI and Slack say the same.
"""

from __future__ import annotations

CHECK = ("x", "--billed", "psa:billed:MW-01", "--usage", "rmm:devices:workstation")

CASES = [
    ("seen-within", "800000", "seen-within must be between 1 and 3650 days, not 800000"),
    ("seen-within", "99999999999999999999", "seen-within must be between 1 and 3650 days, not 99999999999999999999"),
    ("seen-within", "0", "seen-within must be between 1 and 3650 days, not 0"),
    ("seen-within", "٣", "seen-within must be a whole number written with the digits 0-9, not '٣'"),
    ("seen-within", "３０", "seen-within must be a whole number written with the digits 0-9, not '３０'"),
    ("ratio", "１", "ratio must be a number, not '１'"),
    ("revoke", "99999999999999999999", "exception number must be between 1 and 9223372036854775807"),
    ("revoke", "9223372036854775808", "exception number must be between 1 and 9223372036854775807"),
    ("revoke", "²", "exception number must be a whole number written with the digits 0-9, not '²'"),
    ("revoke", "٣", "exception number must be a whole number written with the digits 0-9, not '٣'"),
    ("digest_day", "٣", "digest day must be a whole number written with the digits 0-9, not '٣'"),
]


def cli_args(kind: str, typed: str) -> list[str]:
    if kind in ("seen-within", "ratio"):
        return ["checks", "add", *CHECK, f"--{kind}", typed]
    if kind == "revoke":
        return ["except", "revoke", typed]
    return ["settings", f"{kind}={typed}"]


def slack_text(kind: str, typed: str) -> str:
    return " ".join(cli_args(kind, typed))
