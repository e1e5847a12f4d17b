"""An in-process connector whose records a test scripts, to exercise the sync runner alone.

Vendor connectors are tested over HTTP against the sandbox; this one isolates what the runner
does with a stream: stage it, validate it, hold it, or swap it in.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import ClassVar

from connectors.base import Connector, Field, Guidance, Role
from connectors.errors import VendorUnavailable
from connectors.records import Account, Asset, Quantity, Record


class Scripted(Connector):
    kind = "scripted"
    display_name = "Scripted RMM"
    role = Role.USAGE
    fields = (Field("base_url", "API URL", default="http://127.0.0.1:9"), Field("api_key", "API key", secret=True))
    guidance = Guidance(reads="devices", why="to count them", never_reads="anything else",
                        writes_back="Never.", revoke="delete the key in its console.", permission="read-only")
    metrics = {"devices:workstation": "Workstations", "devices:server": "Servers", "storage:bytes": "Storage"}
    # what the next sync yields; an Exception in the list is raised at that point, and a
    # callable is called there (a test's "meanwhile, elsewhere…")
    script: ClassVar[list[object]] = []

    def test(self) -> None:
        if self.settings["api_key"] == "wrong":
            from connectors.errors import AuthFailed
            raise AuthFailed("Scripted RMM: GET /me answered 401: refused the credentials; check the credentials")

    def sync(self) -> Iterator[Record]:
        for item in list(type(self).script):
            if isinstance(item, Exception):
                raise item
            if callable(item):
                item()
                continue
            yield item  # type: ignore[misc]


class ScriptedBilling(Scripted):
    kind = "scripted_psa"
    display_name = "Scripted PSA"
    role = Role.BILLING
    metrics = {"billed:*": "Billed units"}
    script: ClassVar[list[object]] = []


class ScriptedSecurity(Scripted):
    kind = "scripted_edr"
    display_name = "Scripted EDR"
    metrics = {"endpoints:complete": "Agents on Complete sites"}
    script: ClassVar[list[object]] = []


def scripted(kind: str, display_name: str, metrics: dict[str, str], role: Role = Role.USAGE,
             **declared: object) -> type[Scripted]:
    """Another scripted connector with a script of its own (a distributor, a tenant source…)."""
    return type(display_name.replace(" ", ""), (Scripted,), {"kind": kind, "display_name": display_name, "role": role,
                                                             "metrics": metrics, "script": [], **declared})


def fleet(orgs: dict[str, int], metric: str = "devices:workstation") -> list[object]:
    """Accounts, one asset per device and the counts, like an RMM reports them."""
    records: list[object] = []
    for org, count in orgs.items():
        records.append(Account(id=org, name=f"Org {org}"))
        records.extend(Asset(account_id=org, metric=metric, id=f"{org}-{i}", name=f"PC-{org}-{i}") for i in range(count))
        records.append(Quantity(account_id=org, metric=metric, value=Decimal(count)))
    return records


OUTAGE = VendorUnavailable("Scripted RMM: GET /devices answered 503: kept failing after 3 attempts; try again later")


def stored_before_the_bounds(services, check: str, seen_within_days: int = 800_000) -> None:
    """A check as a release without today's bounds stored it: `checks add` refuses this now."""
    from sqlalchemy import update

    from reconcile.tables import CheckRow

    with services.context.sessions.begin() as session:
        session.execute(update(CheckRow).where(CheckRow.name == check).values(seen_within_days=seen_within_days))


BROKEN_REASON = "seen-within must be between 1 and 3650 days, not 800000"
