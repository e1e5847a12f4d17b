"""Number options of the command line, read by `reconcile.bounds` as Slack's numbers are.

click's own `int` and `float` take `٣`, `1_000`, `nan` and `inf`; these take ASCII digits within
bounds, and a mistake is raised as `Invalid`, so it is the usual one `billrec:` line (exit 1)
in the same words as everywhere else.

    @click.option("--port", type=Whole("port", 0, 65535), default=3000)
"""

from __future__ import annotations

from typing import Any

import click

from reconcile import bounds


class Whole(click.ParamType):
    name = "integer"

    def __init__(self, what: str, low: int, high: int, unit: str = "") -> None:
        self.what, self.low, self.high, self.unit = what, low, high, unit

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        return bounds.whole(value, self.what, low=self.low, high=self.high, unit=self.unit)


class Seconds(click.ParamType):
    name = "seconds"

    def __init__(self, what: str, low: float, high: float) -> None:
        self.what, self.low, self.high = what, low, high

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        return bounds.real(value, self.what, low=self.low, high=self.high, unit=" seconds")


PORT = Whole("port", 0, 65535)
CLIENTS = Whole("clients", 1, 10_000)
SEED = Whole("seed", 0, bounds.ID_MAX)
