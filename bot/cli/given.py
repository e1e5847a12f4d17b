"""Where `billrec connect`'s settings come from, so a script never has to put a key on the command line.

    --set client_id=abc                       a value on the command line (fine for what is not secret)
    --set-from-env client_secret=PAX8_SECRET  the value of an environment variable
    --secret-file client_secret=/run/pax8     the first line of a file (a bare PATH: the kind's one secret)
    printf '%s\\n' "$SECRET" | billrec connect pax8 --set client_id=abc
                                              a secret still missing, one line of standard input per
                                              secret in the order `billrec kinds` lists them, when
                                              standard input is not a terminal; at a terminal, asked
                                              for without echo

No value read here is ever printed: messages name the field, the variable or the file.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import click

from connectors.base import Connector
from reconcile.errors import Invalid


def pair(item: str, option: str, right: str) -> tuple[str, str]:
    if "=" not in item:
        raise Invalid(f"{option} takes FIELD={right}, not {item.split('=')[0]!r}")
    key, value = item.split("=", 1)
    return key.strip(), value


def settings(cls: type[Connector], values: Iterable[str], from_env: Iterable[str],
             from_files: Iterable[str]) -> dict[str, str]:
    """The settings given by --set, --set-from-env and --secret-file, refused clearly when one cannot be read."""
    given: dict[str, str] = {}
    for item in values:
        key, value = pair(item, "--set", "VALUE")
        given[key] = value
    for item in from_env:
        key, variable = pair(item, "--set-from-env", "VARIABLE")
        if variable.strip() not in os.environ:
            raise Invalid(f"--set-from-env reads {key} from the environment variable {variable.strip()!r}, "
                          "which is not set")
        given[key] = os.environ[variable.strip()]
    secrets = [f.name for f in cls.fields if f.secret]
    for item in from_files:
        if "=" in item:
            key, path = item.split("=", 1)
        elif len(secrets) == 1:
            key, path = secrets[0], item
        else:
            raise Invalid(f"{cls.display_name} has {len(secrets)} secrets ({', '.join(secrets)}): "
                          "use --secret-file FIELD=PATH")
        given[key.strip()] = first_line(Path(path).expanduser(), key.strip())
    return given


def first_line(path: Path, field: str) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else "not readable as UTF-8 text"
        raise Invalid(f"--secret-file cannot read {path} (for {field}): {reason}") from None
    line = text.splitlines()[0].strip() if text.strip() else ""
    if not line:
        raise Invalid(f"--secret-file: {path} (for {field}) is empty")
    return line


def fill_missing(cls: type[Connector], given: dict[str, str], stdin: TextIO | None = None) -> None:
    """Ask for each required field still missing: at a terminal without echo for secrets; else read
    the missing secrets from standard input, one line each."""
    stdin = stdin or sys.stdin
    missing = [f for f in cls.fields if f.name not in given and f.required and not f.default]
    if stdin.isatty():
        for field in missing:
            given[field.name] = click.prompt(field.label, hide_input=field.secret)
        return
    for field in (f for f in missing if f.secret):
        line = stdin.readline()
        if not line.strip():
            raise Invalid(f"{cls.display_name} needs {field.label} ({field.name}): give it on standard input "
                          "(one line per secret), or with --set-from-env FIELD=VARIABLE or --secret-file FIELD=PATH")
        given[field.name] = line.strip()


def on_the_command_line(cls: type[Connector], values: Iterable[str]) -> list[str]:
    """The secret fields given with a plain --set (they stay in the shell's history)."""
    secrets = {f.name for f in cls.fields if f.secret}
    return sorted({item.split("=", 1)[0].strip() for item in values if "=" in item} & secrets)
