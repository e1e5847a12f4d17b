"""Walking every page returns every record exactly once, in each vendor's own paging style."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import sandbox
from tests.sandbox.raw import Raw

SIZES = (1, 7, 1000)


@pytest.fixture(scope="module")
def served() -> Iterator[sandbox.SandboxServer]:
    with sandbox.start(clients=20, seed=3) as server:
        for kind in server.vendors:
            server.set_rate_limit(kind, 10_000, 10_000)
        yield server


def connectwise_walk(cw: Raw, path: str, size: int, **params: str) -> list[int]:
    """Follow `Link: <…>; rel="next"` from page 1 until there is none."""
    ids: list[int] = []
    answer = cw.get(path, {"pageSize": size, "orderBy": "id asc", **params})
    for _ in range(10_000):
        ids += [r["id"] for r in answer.json()]
        following = answer.links.get("next")
        if not following:
            return ids
        answer = cw.follow(following["url"])
    raise AssertionError("the Link header never ended")


def ninjaone_walk(ninja: Raw, path: str, size: int) -> list[int]:
    """`after` = the last id of the previous page, until a short page."""
    ids: list[int] = []
    params: dict[str, int] = {"pageSize": size}
    while True:
        page = ninja.get(path, params).json()
        ids += [r["id"] for r in page]
        if len(page) < size:
            return ids
        params["after"] = page[-1]["id"]


def pax8_walk(pax8: Raw, path: str, size: int, **params: str) -> list[str]:
    """Pages 0 … totalPages-1."""
    ids: list[str] = []
    page = 0
    while True:
        body = pax8.get(path, {"page": page, "size": size, **params}).json()
        ids += [r["id"] for r in body["content"]]
        assert body["page"]["number"] == page and body["page"]["size"] == size
        page += 1
        if page >= body["page"]["totalPages"]:
            return ids


@pytest.mark.parametrize("size", SIZES)
def test_connectwise_pages_hold_every_company_and_agreement_once(served: sandbox.SandboxServer, size: int) -> None:
    cw, world = Raw(served, "connectwise"), served.world
    assert connectwise_walk(cw, "/company/companies", size) == sorted(c.id for c in world.connectwise.companies)
    assert connectwise_walk(cw, "/finance/agreements", size) == sorted(a.id for a in world.connectwise.agreements)
    live = connectwise_walk(cw, "/company/companies", size, conditions="deletedFlag=false")
    assert live == sorted(c.id for c in world.connectwise.companies if not c.deleted)


def test_connectwise_links_name_next_and_last_and_keep_the_query(served: sandbox.SandboxServer) -> None:
    cw = Raw(served, "connectwise")
    first = cw.get("/company/companies", {"pageSize": 5, "conditions": "deletedFlag=false"})
    assert set(first.links) == {"next", "last"}
    assert "conditions=deletedFlag%3Dfalse" in first.links["next"]["url"]
    middle = cw.follow(first.links["next"]["url"])
    assert set(middle.links) == {"first", "prev", "next", "last"}
    last = cw.follow(first.links["last"]["url"])
    assert "next" not in last.links and len(last.json()) <= 5


def test_connectwise_pages_default_to_25_and_stop_at_1000(served: sandbox.SandboxServer) -> None:
    cw = Raw(served, "connectwise")
    agreement = served.world.connectwise.agreements[0].id
    assert len(cw.get("/company/companies").json()) == min(25, len(served.world.connectwise.companies))
    huge = cw.get(f"/finance/agreements/{agreement}/additions", {"pageSize": 5000})
    assert huge.status_code == 200 and "pageSize=1000" in huge.headers.get("Link", "pageSize=1000")


@pytest.mark.parametrize("size", SIZES)
def test_ninjaone_cursor_walks_every_organisation_and_device_once(served: sandbox.SandboxServer, size: int) -> None:
    ninja, world = Raw(served, "ninjaone"), served.world
    assert ninjaone_walk(ninja, "/v2/organizations", size) == sorted(o.id for o in world.ninjaone.organizations)
    assert ninjaone_walk(ninja, "/v2/devices", size) == sorted(d.id for d in world.ninjaone.devices)


def test_ninjaone_device_filter_narrows_to_one_organisation(served: sandbox.SandboxServer) -> None:
    ninja, world = Raw(served, "ninjaone"), served.world
    org = world.ninjaone.organizations[0].id
    by_filter = [d["id"] for d in ninja.get("/v2/devices", {"df": f"org = {org}"}).json()]
    by_path = [d["id"] for d in ninja.get(f"/v2/organization/{org}/devices").json()]
    assert by_filter == by_path == sorted(d.id for d in world.ninjaone.devices if d.organization_id == org)


@pytest.mark.parametrize("size", (1, 7, 200))
def test_pax8_pages_hold_every_company_and_subscription_once(served: sandbox.SandboxServer, size: int) -> None:
    pax8, world = Raw(served, "pax8"), served.world
    assert sorted(pax8_walk(pax8, "/companies", size)) == sorted(c.id for c in world.pax8.companies)
    assert sorted(pax8_walk(pax8, "/subscriptions", size)) == sorted(s.id for s in world.pax8.subscriptions)
    active = pax8_walk(pax8, "/subscriptions", size, status="Active")
    assert sorted(active) == sorted(s.id for s in world.pax8.subscriptions if s.status == "Active")


def test_pax8_refuses_pages_larger_than_200_and_defaults_to_10(served: sandbox.SandboxServer) -> None:
    pax8 = Raw(served, "pax8")
    assert pax8.get("/subscriptions", {"size": 1000}).status_code == 400
    assert pax8.get("/subscriptions").json()["page"]["size"] == 10


def test_pax8_filters_subscriptions_by_company(served: sandbox.SandboxServer) -> None:
    pax8, world = Raw(served, "pax8"), served.world
    company = world.pax8.companies[0].id
    found = pax8_walk(pax8, "/subscriptions", 200, companyId=company)
    assert sorted(found) == sorted(s.id for s in world.pax8.subscriptions if s.company_id == company)
