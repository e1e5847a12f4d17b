"""One contract every connector in the registry passes, against its fake vendor over real HTTP.

A good key passes `test()`; a bad key is `AuthFailed` and never echoed; `sync()` yields only
declared metrics, for accounts it listed; a 429 followed by a 200 still completes; only read
calls reach the vendor; the secret never reaches a log line or an exception.
"""

from __future__ import annotations

import logging

import pytest

from connectors import REGISTRY
from connectors.errors import AuthFailed, BadResponse, ConnectorError, RateLimited, VendorUnavailable
from connectors.records import Account, Asset, Quantity
from tests.conftest import FAST_POLICY
from tests.connectors.conftest import inject

KINDS = sorted(REGISTRY)


def connector(server, kind, **overrides):
    return REGISTRY[kind]({**server.settings(kind), **overrides}, policy=FAST_POLICY)


def secret_field(kind: str) -> str:
    return next(f.name for f in REGISTRY[kind].fields if f.secret)


@pytest.mark.parametrize("kind", KINDS)
def test_a_good_key_passes_the_connection_test(sandbox_server, kind):
    with connector(sandbox_server, kind) as c:
        c.test()


@pytest.mark.parametrize("kind", KINDS)
def test_a_bad_key_is_refused_without_echoing_it(sandbox_server, kind, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "Wrong-Secret-123456"
    with connector(sandbox_server, kind, **{secret_field(kind): wrong}) as c, pytest.raises(AuthFailed) as caught:
        c.test()
    assert REGISTRY[kind].display_name in caught.value.message
    assert wrong not in caught.value.message and wrong not in caplog.text


@pytest.mark.parametrize("kind", KINDS)
def test_sync_yields_only_declared_metrics_for_listed_accounts(sandbox_server, kind):
    with connector(sandbox_server, kind) as c:
        records = list(c.sync())
    accounts = {r.id for r in records if isinstance(r, Account)}
    measured = [r for r in records if isinstance(r, (Quantity, Asset))]
    assert accounts and measured
    assert all(REGISTRY[kind].declares(r.metric) for r in measured)
    assert {r.account_id for r in measured} <= accounts


@pytest.mark.parametrize("kind", KINDS)
def test_a_rate_limit_then_success_still_completes(sandbox_server, kind):
    with connector(sandbox_server, kind) as c:
        clean = len(list(c.sync()))
    inject(sandbox_server, kind, "rate_limit", times=2)
    with connector(sandbox_server, kind) as c:
        assert len(list(c.sync())) == clean


@pytest.mark.parametrize(("fault", "error"), [
    ("rate_limit", RateLimited), ("server_error", VendorUnavailable), ("bad_json", BadResponse),
    ("wrong_shape", BadResponse), ("auth", AuthFailed),
])
@pytest.mark.parametrize("kind", KINDS)
def test_a_persistent_fault_is_a_typed_error_naming_the_vendor(sandbox_server, kind, fault, error, caplog):
    caplog.set_level(logging.DEBUG)
    inject(sandbox_server, kind, fault, times=-1)
    with connector(sandbox_server, kind) as c, pytest.raises(error) as caught:
        list(c.sync())
    secret = sandbox_server.settings(kind)[secret_field(kind)]
    assert caught.value.message.startswith(REGISTRY[kind].display_name + ": ")
    assert secret not in caught.value.message and secret not in caplog.text


@pytest.mark.parametrize("kind", KINDS)
def test_only_read_calls_reach_the_vendor(sandbox_server, kind):
    with connector(sandbox_server, kind) as c:
        c.test()
        list(c.sync())
    calls = sandbox_server.requests.of(kind)
    assert calls
    # the only POSTs allowed are the ones the connector declares: its token request (and read POSTs),
    # at the vendor's own paths, as the sandbox logs them
    cls = REGISTRY[kind]
    allowed = {path for path, _ in cls.read_posts(cls.fields[0].default)}
    writes = [(m, p) for _, m, p in calls if m != "GET" and not (m == "POST" and p in allowed)]
    assert writes == []


def test_every_connector_declares_what_the_connect_modal_shows():
    for kind, cls in REGISTRY.items():
        assert cls.kind == kind
        facts = {heading: text.strip() for _, heading, text in cls.guidance.facts()}
        assert len(facts) == 6 and all(facts.values()), f"{kind} leaves a setup-guide fact empty: {facts}"
        assert cls.guidance.revoke.strip(), f"{kind} does not say where to revoke its key"
        assert any(f.secret for f in cls.fields), f"{kind} stores no secret?"
        assert cls.fields[0].name == "base_url" and cls.fields[0].default, "every connector takes a base_url"
        assert cls.metrics


def test_connector_errors_form_one_tree():
    assert all(issubclass(e, ConnectorError) for e in (AuthFailed, BadResponse, RateLimited, VendorUnavailable))
