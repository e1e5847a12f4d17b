"""An independent pandas reconciliation of quantity checks, to check the product against and to race it.

What an analyst with a notebook would write: read the tables (the current run of every
integration), merge quantities and assets with the approved links, group by client and check
side, and classify. It shares no code with `reconcile/` beyond the table definitions and follows
the rules as the README and `reconcile.checks` state them:

- a side's value per client is the sum over its linked accounts; an account with no approved link
  is its own owner (`unmapped`), an ignored one counts for nobody;
- with "seen within N days", an account that reports assets for the side's metrics counts those
  seen since (or never seen), priced at its quantities' unit price; one with none keeps its
  quantity;
- actual = usage × ratio (cents of a unit, half up, when the ratio is not 1); matched within
  max(tolerance units, billed × tolerance % / 100), else under (positive) or over;
- the unit price is the client's billed price, else its usage price, else the price most clients
  are billed (ties: the higher), a sale price before any cost; 4 decimal places;
- stale when either source never synced or its last good sync is older than the tenant's window;
  an under or over result with an exception in force is excepted.

Coverage and storage checks are out of its scope (the benchmark has none). Requires pandas (the
`bench` extra; the `test` extra has it too).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from reconcile.tables import (
    AssetRow, AccountRow, CheckRow, Client, Integration, Link, QuantityRow, Tenant, VarianceException,
)

COST_KINDS = frozenset({"pax8", "sherweb"})  # distributors: their prices are the MSP's cost
STALE_HOURS = 48


def reconcile(engine: Engine, tenant_id: str, now: datetime | None = None) -> pd.DataFrame:
    """One row per client (or unlinked account) and quantity check: client_id, client, check, billed,
    actual, status, unit_price, at_cost."""
    now = now or datetime.now(UTC)
    with engine.connect() as connection:
        def read(query) -> pd.DataFrame:
            return pd.read_sql(query, connection)

        tenant = connection.execute(select(Tenant.settings).where(Tenant.id == tenant_id)).scalar() or {}
        integrations = read(select(Integration.id, Integration.kind, Integration.current_run_id,
                                   Integration.last_success_at).where(Integration.tenant_id == tenant_id))
        runs = [int(r) for r in integrations.current_run_id.dropna()]
        checks = read(select(CheckRow).where(CheckRow.tenant_id == tenant_id, CheckRow.kind == "quantity")
                      .order_by(CheckRow.id))
        clients = read(select(Client.id, Client.name).where(Client.tenant_id == tenant_id,
                                                            Client.origin_integration_id.is_not(None)))
        links = read(select(Link.integration_id, Link.account_id, Link.client_id, Link.status)
                     .where(Link.tenant_id == tenant_id, Link.status.in_(("approved", "ignored"))))
        accounts = read(select(AccountRow.integration_id, AccountRow.external_id, AccountRow.name)
                        .where(AccountRow.sync_run_id.in_(runs)))
        quantities = read(select(QuantityRow.integration_id, QuantityRow.account_id, QuantityRow.metric,
                                 QuantityRow.value, QuantityRow.unit_price).where(QuantityRow.sync_run_id.in_(runs)))
        assets = read(select(AssetRow.integration_id, AssetRow.account_id, AssetRow.metric, AssetRow.last_seen)
                      .where(AssetRow.sync_run_id.in_(runs)))
        exceptions = read(select(VarianceException.client_id, VarianceException.check_id, VarianceException.until)
                          .where(VarianceException.tenant_id == tenant_id, VarianceException.revoked_at.is_(None)))
    window = timedelta(hours=int((tenant or {}).get("stale_after_hours") or STALE_HOURS))
    synced = pd.to_datetime(integrations.last_success_at, utc=True)
    stale = dict(zip(integrations.id, integrations.current_run_id.isna() | synced.isna()
                     | (pd.Timestamp(now) - synced > window)))
    cost = dict(zip(integrations.id, integrations.kind.isin(COST_KINDS)))
    for frame in (quantities,):
        frame["value"] = frame["value"].astype(float)
        frame["unit_price"] = frame["unit_price"].astype(float)
        frame["priced"] = np.where(frame.unit_price.notna(), frame.value, 0.0)
        frame["amount"] = frame.priced * frame.unit_price.fillna(0.0)
    assets["last_seen"] = pd.to_datetime(assets.last_seen, utc=True)
    approved = links[links.status == "approved"].dropna(subset=["client_id"])
    ignored = links[links.status == "ignored"][["integration_id", "account_id"]]
    names = dict(zip(clients.id, clients.name))
    account_names = {(i, a): n for i, a, n in zip(accounts.integration_id, accounts.external_id, accounts.name)}
    today = now.date()
    excepted = {(c, k) for c, k, u in zip(exceptions.client_id, exceptions.check_id, exceptions.until)
                if u is None or pd.isna(u) or pd.Timestamp(u).date() >= today}
    out = []
    for check in checks.itertuples():
        billed = _side(quantities, assets, approved, ignored, check.billed_integration_id, check.billed_metrics, None)
        cutoff = now - timedelta(days=int(check.seen_within_days)) if pd.notna(check.seen_within_days) else None
        usage = _side(quantities, assets, approved, ignored, check.usage_integration_id, check.usage_metrics, cutoff)
        both = billed.merge(usage, on="owner", how="outer", suffixes=("_billed", "_usage")).fillna(
            {"value_billed": 0.0, "value_usage": 0.0, "amount_billed": 0.0, "amount_usage": 0.0,
             "priced_billed": 0.0, "priced_usage": 0.0})
        billed_price = _price(both.amount_billed, both.priced_billed)
        usage_price = _price(both.amount_usage, both.priced_usage)
        counted = Counter(p for p in billed_price.dropna())
        fallback = max(counted.items(), key=lambda item: (item[1], item[0]))[0] if counted else np.nan
        b_cost, u_cost = cost[check.billed_integration_id], cost[check.usage_integration_id]
        ordered = [(billed_price, b_cost), (usage_price, u_cost), (pd.Series(fallback, index=both.index), b_cost)]
        sale = [p for p, c in ordered if not c]
        costs = [p for p, c in ordered if c]
        price = _first(sale, both.index)
        at_cost = price.isna() & _first(costs, both.index).notna()
        price = price.fillna(_first(costs, both.index))
        ratio, units, percent = float(check.ratio), float(check.tolerance_units), float(check.tolerance_percent)
        actual = both.value_usage if ratio == 1 else (both.value_usage * ratio + 1e-9).round(2)
        variance = actual - both.value_billed
        allowance = np.maximum(units, both.value_billed.abs() * percent / 100)
        status = np.where(variance.abs() <= allowance + 1e-9, "matched", np.where(variance > 0, "under", "over"))
        untrusted = stale.get(check.billed_integration_id, True) or stale.get(check.usage_integration_id, True)
        unmapped = both.owner.str.startswith("a:")
        client_id = pd.to_numeric(both.owner.str[2:].where(~unmapped), errors="coerce")
        account = both.owner.str.split(":", n=2).str[2]
        integration = pd.to_numeric(both.owner.str.split(":", n=2).str[1].where(unmapped), errors="coerce")
        client = client_id.map(names).fillna("client " + client_id.astype("Int64").astype(str))
        unmapped_names = [account_names.get((int(i), a), a) for i, a in zip(integration[unmapped], account[unmapped])]
        client = client.astype(object)
        client[unmapped] = unmapped_names
        state = pd.Series("stale" if untrusted else status, index=both.index, dtype=object)
        exempt = state.isin(["under", "over"]) & pd.Series([(c, check.id) in excepted for c in client_id],
                                                            index=both.index)
        state = state.where(~exempt, "excepted").where(~unmapped, "unmapped")
        out.append(pd.DataFrame({"client_id": client_id.where(~unmapped), "client": client, "check": check.name,
                                 "billed": both.value_billed, "actual": actual, "status": state,
                                 "unit_price": price, "at_cost": at_cost}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(
        columns=["client_id", "client", "check", "billed", "actual", "status", "unit_price", "at_cost"])


def _side(quantities: pd.DataFrame, assets: pd.DataFrame, approved: pd.DataFrame, ignored: pd.DataFrame,
          integration_id: int, metrics: list[str], cutoff: datetime | None) -> pd.DataFrame:
    """Per owner (a client, or an unlinked account): value, amount, priced."""
    q = quantities[(quantities.integration_id == integration_id) & quantities.metric.isin(metrics)]
    per_account = q.groupby("account_id", as_index=False)[["value", "amount", "priced"]].sum()
    if cutoff is not None:
        a = assets[(assets.integration_id == integration_id) & assets.metric.isin(metrics)]
        fresh = (a.last_seen.isna() | (a.last_seen >= pd.Timestamp(cutoff))).groupby(a.account_id).sum()
        fresh = fresh.rename("fresh").reset_index()
        per_account = per_account.merge(fresh, on="account_id", how="outer")
        seen = per_account.fresh.notna()
        unit = per_account.amount / per_account.priced.where(per_account.priced > 0)
        per_account.loc[seen, "value"] = per_account.fresh[seen].astype(float)
        per_account.loc[seen, "priced"] = np.where(unit[seen].notna(), per_account.fresh[seen], 0.0)
        per_account.loc[seen, "amount"] = (unit[seen] * per_account.fresh[seen]).fillna(0.0)
        per_account = per_account.drop(columns="fresh")
    per_account["integration_id"] = integration_id
    mine_ignored = ignored[ignored.integration_id == integration_id]
    per_account = per_account[~per_account.account_id.isin(mine_ignored.account_id)]
    linked = per_account.merge(approved[["integration_id", "account_id", "client_id"]],
                               on=["integration_id", "account_id"], how="left")
    # one key type, so pandas can merge and group on it: "c:<client id>" or "a:<integration id>:<account id>"
    linked["owner"] = [f"c:{int(c)}" if pd.notna(c) else f"a:{integration_id}:{a}"
                       for c, a in zip(linked.client_id, linked.account_id)]
    return linked.groupby("owner", as_index=False, sort=False)[["value", "amount", "priced"]].sum()


def _price(amount: pd.Series, priced: pd.Series) -> pd.Series:
    return (amount / priced.where(priced > 0)).round(4)


def _first(prices: list[pd.Series], index: pd.Index) -> pd.Series:
    found = pd.Series(np.nan, index=index)
    for p in prices:
        found = found.fillna(p)
    return found


def compare(results: Iterable[object], reference: pd.DataFrame) -> int:
    """The number of rows when the product's quantity results and the reference agree on every one;
    raises AssertionError naming the first differences otherwise."""
    def key(client_id, client, check, billed, actual, status, price, at_cost) -> tuple[object, ...]:
        def n(x) -> str:
            return "" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{Decimal(str(x)):.4f}"
        return (None if client_id is None or pd.isna(client_id) else int(client_id), client, check, n(billed),
                n(actual), status, n(price), bool(at_cost))

    product = Counter(key(r.client_id, r.client, r.check, r.billed, r.actual, r.status.value, r.unit_price,
                          r.at_cost) for r in results if r.status.value != "failed" and not r.device)
    expected = Counter(key(*row) for row in reference.itertuples(index=False))
    missing, extra = expected - product, product - expected
    if missing or extra:
        raise AssertionError(f"product and pandas disagree: {sum(missing.values())} reference rows not in the "
                             f"product (first {list(missing)[:3]}), {sum(extra.values())} product rows not in "
                             f"the reference (first {list(extra)[:3]})")
    return sum(product.values())
