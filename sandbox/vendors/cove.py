"""Fake N-able Cove Data Protection JSON-RPC API: partners and their devices' statistics.

    POST /cove/jsonapi   {"method": "Login"}                       → a visa and the partner logged in
    POST /cove/jsonapi   {"method": "EnumeratePartners"}           parentPartnerId, fetchRecursively
    POST /cove/jsonapi   {"method": "EnumerateAccountStatistics"}  query.StartRecordNumber / RecordsCount

A view of the truth's backup role: the MSP logs in as its top partner; each backup account is an
`EndCustomer` partner under it (under a `Reseller` partner named for its folder, where it has
one). Each backed-up machine is a device (`AT` 1): `OT` 2 for a server or a VM guest, 1 for a
workstation, `I81` `Virtual` for a VM guest; its computer name `I18` sometimes a FQDN. Backed-up
people make one Microsoft 365 device (`AT` 2) whose `TM` counts them, shared mailboxes too. The
account's retained storage (this month so far) is split over its devices as `I14`, every byte kept.
All column values are strings, as Cove sends them.

How the truth's traps look here: a device protected twice is mid-migration from Datto to Cove, so
Cove shows its new copy alone (the old one is Datto's archived agent); a customer under a reseller
folder sits under a `Reseller` partner; a backup customer that is no client is one more customer.
Some devices have never reported an OS type (`OT` 0), counted as workstations.

`Login` checks the partner name, user and password (wrong: error 2100 with HTTP 200); every other
call needs a visa from it, and every answer carries a new one; a visa idles out after 15 minutes
(`VISAS.advance(901)` in a test). A refused visa is error -32603 with data 1701, at HTTP 401. Errors are
JSON-RPC error objects; the 429 and 5xx the sandbox's faults give carry one too (Cove publishes no
rate limit, so how it throttles is UNCONFIRMED).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from sandbox.jsonrpc import JsonRpcVendor
from sandbox.jsonrpc_visa import RecordRange, VisaAuth, answered, error_body, params_of, result_body
from sandbox.paging import list_route
from sandbox.routing import READ, TOKEN, Call, Incoming, Reply, Route
from sandbox.tokens import TokenIssuer
from sandbox.truth.model import Account, Customer, Role, World
from sandbox.vendor import Owned, split

PATH = "/jsonapi"
PARTNER = "Sandbox MSP (ops@sandbox-msp.example)"
USERNAME = "api-billrec@sandbox-msp.example"
PASSWORD = "sbx-cove-password-Qm7Rt2Vx9Lp4"
TOP_PARTNER = 700000
VISA_LIFETIME = 900.0  # Cove's visa idles out after about 15 minutes
VISAS = TokenIssuer("cove", VISA_LIFETIME)
STATISTICS = RecordRange()
METRICS = {"protected:server": "protected:server", "protected:vm": "protected:vm",
           "protected:workstation": "protected:workstation", "seats:user": "seats:user",
           "seats:shared mailbox": "seats:user", "storage:bytes": "storage:bytes"}
WRONG_LOGIN = (2100, "Unknown partner/username or bad password")
BAD_VISA = (-32603, "Visa is inconsistent/corrupted", 1701)

JSON = dict[str, Any]


@dataclass(frozen=True)
class View:
    partners: list[JSON]
    devices: list[JSON]
    owners: dict[str, Owned]


class Cove(JsonRpcVendor):
    kind = "cove"
    display_name = "N-able Cove Data Protection"
    roles = (Role.BACKUP,)
    prefix = "/cove"
    api_root = ""
    auth = VisaAuth(VISAS)
    credentials = {"partner": PARTNER, "username": USERNAME, "password": PASSWORD}
    retry_after = False  # Cove documents no limit, so nothing says how long to wait

    def declare_routes(self) -> tuple[Route, ...]:
        return (
            Route("POST", PATH, self._login, kind=TOKEN, operation="Login"),
            Route("POST", PATH, self._partners, kind=READ, operation="EnumeratePartners"),
            list_route("POST", PATH, lambda call: call.view.devices, STATISTICS, respond=answered(VISAS),
                       kind=READ, operation="EnumerateAccountStatistics"),
        )

    def render(self, world: World) -> View:
        rng = random.Random(f"{world.seed}:cove")
        partners: list[JSON] = []
        devices: list[JSON] = []
        owners: dict[str, Owned] = {}
        folders: dict[str, int] = {}
        partner_id, device_id = TOP_PARTNER + 100, 3_400_000
        for customer, account in world.accounts(Role.BACKUP):
            if not account.live:
                continue
            parent = TOP_PARTNER
            if account.folder:
                if account.folder not in folders:
                    partner_id += 1
                    folders[account.folder] = partner_id
                    partners.append({"Id": partner_id, "ParentId": TOP_PARTNER, "Name": account.folder,
                                     "Level": "Reseller", "State": "InProduction"})
                parent = folders[account.folder]
            partner_id += 1 + rng.randint(0, 5)
            owners[str(partner_id)] = (customer, account)
            partners.append({"Id": partner_id, "ParentId": parent, "Name": account.name, "Level": "EndCustomer",
                             "State": "InProduction"})
            for record in _devices(rng, customer, account, partner_id, device_id):
                device_id = record["AccountId"]
                devices.append(record)
        devices.sort(key=lambda d: _column(d, "I1"))  # the query's OrderBy "I1 ASC"
        return View(partners, devices, owners)

    def accounts(self, world: World) -> dict[str, Owned]:
        return self.view(world).owners

    def metric(self, neutral: str) -> str | None:
        return METRICS.get(neutral)

    def refuse(self, incoming: Incoming) -> Reply:
        code, message, data = BAD_VISA  # the HTTP status of a refused visa is UNCONFIRMED: 401 here
        return Reply(401, error_body(incoming, code, message, data))

    def refuse_token(self, incoming: Incoming) -> Reply:
        return Reply(200, error_body(incoming, *WRONG_LOGIN))

    def too_many(self, incoming: Incoming, seconds: int) -> Reply:
        return self.error(incoming, 429, "Too many requests")

    def _login(self, call: Call) -> Reply:
        params = params_of(call.incoming)
        if (params.get("partner"), params.get("username"), params.get("password")) != (PARTNER, USERNAME, PASSWORD):
            return self.refuse_token(call.incoming)
        result = {"PartnerId": TOP_PARTNER, "Name": PARTNER, "Flags": ["SecurityOfficer"]}
        return Reply(200, result_body(call.incoming, result, VISAS.issue()))

    def _partners(self, call: Call) -> Reply:
        params = params_of(call.incoming)
        parent = params.get("parentPartnerId")
        partners = call.view.partners
        if parent != TOP_PARTNER:
            listed = [p for p in partners if p["ParentId"] == parent]
            if not listed and parent not in {p["Id"] for p in partners}:
                return Reply(200, error_body(call.incoming, 13501, "Operation failed because of security reasons"))
        elif not params.get("fetchRecursively"):
            listed = [p for p in partners if p["ParentId"] == TOP_PARTNER]
        else:
            listed = partners
        return Reply(200, result_body(call.incoming, listed, VISAS.issue()))


def _devices(rng: random.Random, customer: Customer, account: Account, partner_id: int,
             device_id: int) -> list[JSON]:
    """The account's backed-up machines (their current copies) and its Microsoft 365 device, with storage."""
    made: list[tuple[JSON, int]] = []
    for device in customer.held_by(account):
        for agent in device.backup:
            if agent.previous:
                continue  # left on Datto, the platform this MSP is leaving
            device_id += 1 + rng.randint(0, 3)
            server = agent.kind in ("server", "vm")
            os_type = ("2" if server else "0" if rng.random() < 0.05 else "1")
            computer = device.hostname + (f".{customer.name.key.replace(' ', '')}.local" if rng.random() < 0.3 else "")
            made.append(({"AccountId": device_id, "PartnerId": partner_id, "Flags": None, "Settings": [
                {"I1": f"{device.hostname.lower()}-{device_id % 9973:04d}"}, {"I8": account.name},
                {"I18": computer}, {"OT": os_type}, {"AT": "1"},
                {"I81": "Virtual" if agent.kind == "vm" else "Physical"}, {"I14": "0"}, {"TM": "0"}]},
                agent.protected_bytes))
    protected_people = sum(1 for p in customer.people if p.backed_up)
    if protected_people:
        device_id += 1 + rng.randint(0, 3)
        domain = customer.people[0].upn.split("@", 1)[1]
        made.append(({"AccountId": device_id, "PartnerId": partner_id, "Flags": None, "Settings": [
            {"I1": f"{domain.split('.')[0]}-m365"}, {"I8": account.name}, {"I18": ""}, {"OT": "0"}, {"AT": "2"},
            {"I81": ""}, {"I14": "0"}, {"TM": str(protected_people)}]}, 1))
    stored = customer.storage[-1].bytes if customer.storage else None
    if stored is not None and made:
        for (record, _), part in zip(made, split(stored, [w for _, w in made])):
            record["Settings"][6] = {"I14": str(part)}
    else:  # no storage figure in the truth: the column is left out rather than read as 0
        for record, _ in made:
            del record["Settings"][6]
    return [record for record, _ in made]


def _column(device: JSON, code: str) -> str:
    return next((str(s[code]) for s in device["Settings"] if code in s), "")
