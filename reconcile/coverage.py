"""Coverage checks: per client, the RMM's devices with no security agent and the agents on no managed device.

A coverage check names a device side (`--coverage ninjaone:devices:*`, the machines an RMM manages) and
an agent side (`--by sentinelone:endpoints:*`); both are assets, matched by host name:

    client     device        result
    Acme Corp  ACME-SRV01    no security agent          (an RMM device no agent is named after)
    Acme Corp  DESKTOP-7QK2  agent on no managed device (an agent the RMM does not manage)
    Acme Corp  ACME-WS-2     ambiguous match            (two devices could be it: shown, never guessed)

Matching, within one client (never across clients):

1. Exact: `hostnames.key` (case, a domain suffix, `.local`, a `DOMAIN\\` prefix do not matter). One
   device and any number of agents of one name is covered (a reinstall's second agent is no gap); two
   devices of one name with fewer agents than devices are ambiguous.
2. Re-imaged: what is left on each side is compared with a trailing re-image suffix (`-2`, `_3`, ` (1)`)
   dropped. One device and one agent of that stem are the same machine renamed; more than one candidate
   on either side is ambiguous. Digits that are part of the name (`WS01`) are never dropped.

Retired machines are not gaps: under the check's "seen within N days", a device or agent last seen
before then is left out on both sides. An asset that reports no last-seen always counts.

A wildcard on the device side (`devices:*`) means the machines that can run an endpoint agent: the
metrics named after phones, tablets, network gear and "other" devices are left out unless named
explicitly (`devices:mobile`), so a printer is never reported as unprotected.
"""

from __future__ import annotations

import fnmatch
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from connectors import hostnames

UNPROTECTED, UNMANAGED, AMBIGUOUS = "unprotected", "unmanaged", "ambiguous"
# device classes no endpoint agent protects: a wildcard leaves them out
AGENTLESS = frozenset({"mobile", "network", "other", "printer", "probe", "appliance"})
REIMAGE_SUFFIX = re.compile(r"(?:\s*\(\d{1,2}\)|[-_]\d{1,2})$")


@dataclass(frozen=True)
class Machine:
    """One asset of either side: an RMM device or a security agent."""

    account_id: str
    name: str
    metric: str
    last_seen: datetime | None = None


@dataclass(frozen=True)
class Gap:
    """One device (or agent) the check reports; `kind` is UNPROTECTED, UNMANAGED or AMBIGUOUS."""

    kind: str
    machine: Machine
    candidates: tuple[str, ...] = ()  # the names an ambiguous match could be

    @property
    def device_class(self) -> str:
        return self.machine.metric.partition(":")[2]

    def describe(self) -> str:
        """The device and what is wrong with it, in the user's words (the thread, the CSV's note)."""
        what = f"{self.machine.name} ({self.device_class or self.machine.metric})"
        if self.kind == UNPROTECTED:
            return f"{what}: no security agent"
        if self.kind == UNMANAGED:  # an agent's class is its tier or package
            return f"{self.machine.name} ({self.device_class or self.machine.metric} agent): on no managed device"
        return f"{what}: ambiguous match with {', '.join(self.candidates)}; check by hand"


@dataclass(frozen=True)
class Coverage:
    """One client's outcome: how many managed devices there are, how many are covered, and the gaps."""

    devices: int
    covered: int
    gaps: tuple[Gap, ...]


def selects(patterns: Sequence[str], metric: str, *, agentless_too: bool) -> bool:
    """Whether a side's metric patterns take `metric`; a wildcard skips agentless classes unless told."""
    for pattern in patterns:
        if pattern == metric:
            return True
        if fnmatch.fnmatchcase(metric, pattern):
            return agentless_too or metric.partition(":")[2] not in AGENTLESS
    return False


def recent(machines: Iterable[Machine], since: datetime | None) -> list[Machine]:
    """What is not retired: seen since `since`, or never reporting when it was seen."""
    return [m for m in machines if since is None or m.last_seen is None or m.last_seen >= since]


def stem(name: str) -> str:
    """A host name's key with a re-image suffix dropped: `ACME-WS01-2` → `acme-ws01`."""
    key = hostnames.key(name)
    return REIMAGE_SUFFIX.sub("", key).strip() or key


def match(devices: Sequence[Machine], agents: Sequence[Machine]) -> Coverage:
    """One client's devices against its agents (both already freed of retired machines)."""
    by_key: dict[str, list[Machine]] = defaultdict(list)
    agents_by_key: dict[str, list[Machine]] = defaultdict(list)
    for device in devices:
        by_key[hostnames.key(device.name)].append(device)
    for agent in agents:
        agents_by_key[hostnames.key(agent.name)].append(agent)

    gaps: list[Gap] = []
    covered = 0
    left_devices: list[Machine] = []
    left_agents: list[Machine] = []
    for key, named in by_key.items():
        found = agents_by_key.get(key, [])
        if not found:
            left_devices.extend(named)
        elif len(named) == 1 or len(found) >= len(named):
            covered += len(named)
        else:
            gaps.extend(Gap(AMBIGUOUS, d, tuple(a.name for a in found)) for d in named)
    left_agents = [a for key, found in agents_by_key.items() if key not in by_key for a in found]

    device_stems: dict[str, list[Machine]] = defaultdict(list)
    agent_stems: dict[str, list[Machine]] = defaultdict(list)
    for device in left_devices:
        device_stems[stem(device.name)].append(device)
    for agent in left_agents:
        agent_stems[stem(agent.name)].append(agent)
    for key, named in device_stems.items():
        found = agent_stems.get(key, [])
        if not found:
            gaps.extend(Gap(UNPROTECTED, d) for d in named)
        elif len(named) == 1 and len(found) == 1:
            covered += 1
        else:
            for device in named:
                gaps.append(Gap(AMBIGUOUS, device, tuple(a.name for a in found)))
            gaps.extend(Gap(AMBIGUOUS, a, tuple(d.name for d in named)) for a in found)
    for key, found in agent_stems.items():
        if key not in device_stems:
            gaps.extend(Gap(UNMANAGED, a) for a in found)
    gaps.sort(key=lambda g: (g.kind, hostnames.key(g.machine.name)))
    return Coverage(len(devices), covered, tuple(gaps))
