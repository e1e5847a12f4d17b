"""docs/integrations.md, generated from the connector declarations: one section per vendor.

Each section is the vendor's six setup-guide facts (`connectors/guidance.py`), its settings and
the calls it is declared to make. After changing a connector's guidance, fields or endpoints,
regenerate the page from the repository root:

    python -m connectors.guide            # rewrite docs/integrations.md
    python -m connectors.guide --check    # exit 1 when it is out of date
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connectors.base import Connector

PAGE = Path("docs/integrations.md")
COMMAND = "python -m connectors.guide"
INTRO = f"""\
# Integrations: what each one reads, and the least privilege to give it

<!-- Generated from the connector declarations by `{COMMAND}`; edit the connectors, not this file. -->

BillingReconcile compares what the PSA bills with what each client really uses. Every integration
is read-only: connectors send only the reads listed under each vendor (and a token request where
the vendor's login needs one), and the shared HTTP client has no write method. Disconnecting an
integration deletes its stored credentials and stops future syncs; the data already synced and
the snapshots stay. Use a dedicated integration account with the narrowest role below.
"""


def calls(cls: type[Connector]) -> list[str]:
    """The requests a connector is declared to make, under its API URL, in declaration order."""
    names = {endpoint: name for name, endpoint in cls.endpoints().items()}
    shown = []
    for name, endpoint in cls.endpoints().items():
        query = "&".join(f"{key}={value}" for key, value in endpoint.params.items())
        call = f"`{endpoint.method} /{endpoint.path.lstrip('/')}{'?' + query if query else ''}`"
        if name == "test_call":
            call += " (connection test)"
        elif endpoint.each is not None:
            call += f" (for each of `{names.get(endpoint.each, endpoint.each.path)}`)"
        shown.append(call)
    base = next(f.default for f in cls.fields if f.name == "base_url") or ""
    token = cls.token_url(base)
    if token:
        # under the API URL like the reads when it lives there (a separate login host is named in full)
        shown.append(f"`POST {token.removeprefix(base.rstrip('/'))}` (token request)")
    return shown


def section(cls: type[Connector]) -> str:
    """One vendor's part of the page: how to connect it, the six facts, the calls it makes."""
    settings = ", ".join(f.label + (" (secret)" if f.secret else "") for f in cls.fields)
    side = "billing and usage" if cls.role.value == "both" else cls.role.value
    lines = [f"## {cls.display_name}", "",
             f"`billrec connect {cls.kind}` or `/billrec connect` · {side} side · settings: {settings}", ""]
    lines += [f"- **{heading}:** {text}" for _, heading, text in cls.guidance.facts()]
    lines.append(f"- **API calls**, under the API URL: {', '.join(calls(cls))}")
    return "\n".join(lines) + "\n"


def render(registry: Mapping[str, type[Connector]]) -> str:
    """The whole page, one section per connector, in kind order."""
    return "\n".join([INTRO, *(section(registry[kind]) for kind in sorted(registry))])


def main(argv: list[str] | None = None) -> int:
    from connectors import REGISTRY

    parser = argparse.ArgumentParser(prog=COMMAND, description="Regenerate docs/integrations.md.")
    parser.add_argument("--check", action="store_true", help="only say whether the page is up to date")
    parser.add_argument("--output", type=Path, default=PAGE, help=f"where the page goes (default {PAGE})")
    args = parser.parse_args(argv)
    page = render(REGISTRY)
    current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
    if args.check:
        if current != page:
            print(f"{args.output} is out of date; run `{COMMAND}` from the repository root", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(page, encoding="utf-8")
    print(f"wrote {args.output}" if current != page else f"{args.output} was already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
