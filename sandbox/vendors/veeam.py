"""Fake Veeam Service Provider Console REST API v3: companies and the workloads each protects.

    POST /veeam/api/v3/token                                       grant_type=password | refresh_token
    GET  /veeam/api/v3/organizations/companies                     ?limit=&offset=
    GET  /veeam/api/v3/protectedWorkloads/computersManagedByConsole ?limit=&offset=
    GET  /veeam/api/v3/protectedWorkloads/virtualMachines           ?limit=&offset=
    GET  /veeam/api/v3/protectedWorkloads/vb365ProtectedObjects     ?limit=&offset=
    GET  /veeam/api/v3/organizations/companies/sites/backupResources/usage ?limit=&offset=

A view of the truth's backup role: each backup account is a VSPC company. Its backed-up servers and
workstations are Veeam Agents managed by the console (`operationMode` Server or Workstation), its
backed-up VMs are image-level VM backups, and its backed-up people are Microsoft 365 `User` objects
(VB365 backs a shared mailbox up as a user). Its retained storage (this month so far) is the
`usedStorageQuota` of its cloud backup resources in bytes, on one Cloud Connect site or split over
two by the machines' sizes, every byte kept; some rows also carry a capacity-tier figure (the same
backups offloaded to object storage, not more of them). Licence points are not served.

How the truth's traps look here: a backup customer that is no client is just another company; a
customer under a reseller folder is a company with a `resellerUid`; a deleted account is a company
in status `Deleted`, whose workloads and storage are still listed. The old copy of a device protected twice is
on the platform the MSP is leaving, so Veeam does not show it. The provider's own servers are
agents of an organisation that is no company (the provider itself), and some agents report no
`operationMode` yet.

Auth is the OAuth2 password grant on `/token` with a portal user (no API client), refresh tokens
good once. Lists page by `offset`/`limit` (1–500, default 100) in `{"meta": {"pagingInfo"}, "data",
"errors"}`; errors are that envelope with `errors` filled; a 429 says `Retry-After`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.auth import Bearer, PasswordGrant
from sandbox.paging import Envelope, Offset, list_route
from sandbox.routing import Incoming, Reply, Route
from sandbox.truth.model import Role, World
from sandbox.vendor import FakeVendor, Owned, split, stable_uuid

API = "/api/v3"
USERNAME = "sbx-readonly@msp.example"
PASSWORD = "sbx-veeam-Password-Q7r2Ls9Kx4"
GRANT = PasswordGrant((API + "/token",), {"username": USERNAME, "password": PASSWORD}, client=None,
                      wrong_user="Invalid user name or password.")
PAGES = Offset(Envelope(lambda page: {"meta": {"pagingInfo": {"total": page.total, "count": len(page.items),
                                                                "offset": page.number}},
                                      "data": page.items, "errors": None}, items_at="data"))
METRICS = {"protected:server": "protected:server", "protected:workstation": "protected:workstation",
           "protected:vm": "protected:vm", "seats:user": "seats:user", "seats:shared mailbox": "seats:user",
           "storage:bytes": "storage:bytes"}
MODES = {"server": "Server", "workstation": "Workstation"}

JSON = dict[str, Any]


@dataclass(frozen=True)
class View:
    companies: list[JSON]
    agents: list[JSON]
    machines: list[JSON]
    objects: list[JSON]
    storage: list[JSON]  # a row per company and cloud backup resource
    owners: dict[str, Owned]


class Veeam(FakeVendor):
    kind = "veeam"
    display_name = "Veeam Service Provider Console"
    roles = (Role.BACKUP,)
    prefix = "/veeam"
    api_root = API
    grant = GRANT
    auth = Bearer(GRANT)
    credentials = {"username": USERNAME, "password": PASSWORD}
    token_lifetime = 3600.0

    def declare_routes(self) -> tuple[Route, ...]:
        return (
            list_route("GET", API + "/organizations/companies", lambda call: call.view.companies, PAGES),
            list_route("GET", API + "/protectedWorkloads/computersManagedByConsole", lambda call: call.view.agents,
                       PAGES),
            list_route("GET", API + "/protectedWorkloads/virtualMachines", lambda call: call.view.machines, PAGES),
            list_route("GET", API + "/protectedWorkloads/vb365ProtectedObjects", lambda call: call.view.objects,
                       PAGES),
            list_route("GET", API + "/organizations/companies/sites/backupResources/usage",
                       lambda call: call.view.storage, PAGES),
        )

    def render(self, world: World) -> View:
        rng = random.Random(f"{world.seed}:veeam")
        companies, agents, machines, objects, storage, owners = [], [], [], [], [], {}
        provider = stable_uuid(world.seed, "veeam provider")
        for customer, account in world.accounts(Role.BACKUP):
            uid = stable_uuid(world.seed, "veeam company", account.number)
            owners[uid] = (customer, account)
            companies.append({
                "instanceUid": uid, "name": account.name, "status": "Active" if account.live else "Deleted",
                "resellerUid": stable_uuid(world.seed, "veeam reseller", account.folder) if account.folder else None,
                "subscriptionPlanUid": None, "isAlarmDetectEnabled": rng.random() < 0.3})
            for device in customer.held_by(account):
                for agent in device.backup:
                    if agent.previous:
                        continue  # the copy on the platform the MSP is leaving
                    workload: JSON = {"name": device.hostname, "organizationUid": uid,
                                      "latestRestorePointDate": _stamp(agent.last_backup)}
                    if agent.kind == "vm":
                        machines.append({"instanceUid": stable_uuid(world.seed, "veeam vm", device.number), **workload,
                                         "restorePoints": rng.randint(7, 30),
                                         "totalRestorePointSize": agent.protected_bytes})
                        continue
                    record = {"backupAgentUid": stable_uuid(world.seed, "veeam agent", device.number), **workload,
                              "operationMode": MODES[agent.kind], "numberOfJobs": 1}
                    if agent.kind == "workstation" and rng.random() < 0.1:
                        del record["operationMode"]  # an agent that has not reported its mode yet
                    agents.append(record)
            for person in customer.people:
                if person.backed_up:
                    objects.append({"id": stable_uuid(world.seed, "veeam vb365", person.upn), "name": person.upn,
                                    "protectedDataType": "User", "organizationUid": uid,
                                    "organizationName": account.name, "restorePointsCount": rng.randint(5, 30),
                                    "consumesLicense": person.kind == "user"})
            if customer.storage:
                storage += _resources(rng, world, uid, customer.storage[-1].bytes,
                                      [a.protected_bytes for d in customer.held_by(account) for a in d.backup
                                       if not a.previous])
        # the provider's own backup server: protected, but no company's, so nobody's usage
        agents.append({"backupAgentUid": stable_uuid(world.seed, "veeam agent", "provider"), "name": "VSPC-01",
                       "organizationUid": provider, "operationMode": "Server", "numberOfJobs": 1,
                       "latestRestorePointDate": _stamp(world.now)})
        return View(companies, agents, machines, objects, storage, owners)

    def accounts(self, world: World) -> dict[str, Owned]:
        return self.view(world).owners

    def metric(self, neutral: str) -> str | None:
        return METRICS.get(neutral)

    def error(self, incoming: Incoming, status: int, message: str) -> Reply:
        return Reply(status, {"meta": None, "data": None, "errors": [{"message": message, "type": "error",
                                                                      "code": 1000 + status}]})


def _resources(rng: random.Random, world: World, company: str, stored: int, sizes: list[int]) -> list[JSON]:
    """A company's cloud backup resources: one site's, or two sites' sharing `stored` by the machines' sizes."""
    sites = 2 if len(sizes) > 1 and rng.random() < 0.25 else 1
    weights = [sum(sizes[n::sites]) for n in range(sites)]
    rows = []
    for n, used in enumerate(split(stored, weights)):
        quota = -(-int(used * rng.uniform(1.2, 2.0)) // 10**11) * 10**11  # the quota a provider sets, in 100 GB
        rows.append({"companyUid": company, "backupResourceUid": stable_uuid(world.seed, "veeam resource", company, n),
                     "storageQuota": quota, "usedStorageQuota": used, "performanceTierUsage": used,
                     # offloaded copies of the same restore points: a part of what is used, never added to it
                     "capacityTierUsage": int(used * rng.uniform(0.2, 0.6)) if rng.random() < 0.3 else None,
                     "archiveTierUsage": None})
    return rows


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
