"""Connecting, listing and disconnecting integrations.

Connecting tests the connection before anything is stored; credentials are sealed by the vault
and the audit log records only the non-secret settings. Disconnecting deletes the credentials
and stops syncs; synced data, links and snapshots stay, as the permissions page promises.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from connectors.base import Connector
from connectors.errors import AuthFailed, BadResponse, ConfigError, RateLimited, VendorUnavailable
from reconcile import audit, tenants, urls
from reconcile.founding import primary_psa
from reconcile.audit import Actor
from reconcile.context import Context
from reconcile.errors import Conflict, Invalid, NotFound
from reconcile.tables import Integration, SyncRun

NAME_RULE = "letters, digits, dashes and underscores, at most 40"
# Kinds of a last error beside the connectors' own (`ConnectorError.kind`)
REFUSED, INTERNAL = "refused", "internal"
# A last error in words anyone may read; only admins see the vendor's own (redacted) words,
# which can name the account, the API role or the server's address.
PROBLEMS = {
    AuthFailed.kind: "the vendor refused the credentials",
    VendorUnavailable.kind: "the vendor was unreachable",
    BadResponse.kind: "the vendor sent data we could not read",
    RateLimited.kind: "rate-limited by the vendor",
    ConfigError.kind: "its settings are incomplete",
    REFUSED: "its settings were refused",
    INTERNAL: "an internal error",
}



def public_settings(cls: type[Connector], settings: Mapping[str, str]) -> dict[str, str]:
    """The settings anyone may see (and the audit log may keep): every field that is not a secret."""
    return {f.name: settings[f.name] for f in cls.fields if not f.secret and settings.get(f.name)}


def in_words(kind: str | None) -> str:
    """A failure's kind (`ConnectorError.kind`, `REFUSED`, `INTERNAL`) in words anyone may read."""
    return PROBLEMS.get(kind or "", "the last sync failed")


# the status a vendor answered, as `connectors.http` words every error answer ("… answered 503: …")
ANSWERED = re.compile(r"\banswered (\d{3})\b")


def failure_in_words(kind: str | None, message: str | None) -> str:
    """A failed sync in a few words anyone may read: "vendor error 500" when the vendor answered
    with a server error, else its kind in words ("the vendor refused the credentials")."""
    status = ANSWERED.search(message or "")
    if status and status.group(1).startswith("5"):
        return f"vendor error {status.group(1)}"
    words = in_words(kind)
    return f"{words}, HTTP {status.group(1)}" if status and status.group(1) != "200" else words


@dataclass(frozen=True)
class IntegrationInfo:
    """An integration as a person sees it: never its secrets."""

    id: int
    name: str
    kind: str
    display_name: str
    role: str
    status: str
    public_settings: Mapping[str, str]
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None
    held_run_id: int | None
    created_at: datetime
    last_error_kind: str | None = None
    disconnected_at: datetime | None = None
    primary: bool = False  # the primary PSA: the billing source whose companies are the clients

    @property
    def problem(self) -> str | None:
        """What the last error was, in words without the vendor's (None when there is none)."""
        return in_words(self.last_error_kind) if self.last_error else None

    @property
    def health(self) -> str:
        if self.status == "purged":
            return "purged"
        if self.status != "connected":
            return "disconnected"
        if self.held_run_id:
            return "needs confirmation"
        if self.last_error:
            return "failing"
        if self.last_success_at is None:
            return "never synced"
        return "ok"


class Integrations:
    def __init__(self, context: Context) -> None:
        self.context = context

    def kinds(self) -> dict[str, type[Connector]]:
        return dict(self.context.registry)

    def connector_class(self, kind: str) -> type[Connector]:
        """The connector of `kind`, typed in any case (`NinjaOne` is `ninjaone`)."""
        try:
            return self.context.registry[kind.strip().lower()]
        except KeyError:
            raise Invalid(f"unknown integration kind {kind!r}; choose one of: "
                          f"{', '.join(sorted(self.context.registry))}") from None

    def connect(self, tenant_id: str, kind: str, name: str, settings: Mapping[str, str], actor: Actor) -> IntegrationInfo:
        """Test the connection, then store it; nothing is stored when the test fails.

        A disconnected integration of the same kind and name is reattached: the same row, so its
        accounts, links, checks and history are its own again.
        """
        cls = self.connector_class(kind)
        kind = kind.strip().lower()
        name = self.check_new_name(tenant_id, kind, name)
        clean = cls.clean_settings(settings)
        self._check_url(clean)
        self._test(cls, clean)
        public = public_settings(cls, clean)
        with self.context.sessions.begin() as session:
            tenants.ensure(session, tenant_id)
            existing = self._find(session, tenant_id, name)
            if existing is not None and existing.status != "connected" and existing.kind == kind:
                # the same source back under its old name: its accounts, links, checks and history are its own
                integration = existing
                self._store(integration, clean, public)
                audit.record(session, tenant_id, actor, "integration.reconnect", name, kind=kind, settings=public)
            else:
                integration = Integration(
                    tenant_id=tenant_id, kind=kind, name=name, credentials=self.context.vault.seal(clean),
                    public_settings=public, status="connected", created_by=actor.name,
                    created_at=self.context.clock(),
                )
                session.add(integration)
                session.flush()
                audit.record(session, tenant_id, actor, "integration.connect", name, kind=kind, settings=public)
            info = self._info(session, integration)
        self.context.events.emit("integration.connected", tenant_id=tenant_id, integration_id=info.id)
        return info

    def check_new_name(self, tenant_id: str, kind: str, name: str) -> str:
        """The name a new connection of `kind` would take, refused (before any prompt or network call)
        when malformed, taken by a connected integration, or the old name of a disconnected one of
        another kind."""
        name = (name or kind).strip()
        if not name.replace("-", "").replace("_", "").isalnum() or len(name) > 40 or not name.isascii():
            raise Invalid(f"integration name {name!r} must be {NAME_RULE}")
        with self.context.sessions() as session:
            existing = self._find(session, tenant_id, name)
            if existing is not None and existing.status == "connected":
                raise Conflict(f"an integration named {name!r} is already connected; pick another name, "
                               f"or change its settings with `connect {name} --update --set FIELD=VALUE`")
            if existing is not None and existing.kind != kind:
                old = self.context.registry.get(existing.kind)
                raise Conflict(f"{name!r} is the name of a disconnected {old.display_name if old else existing.kind} "
                               "integration, whose history stays under that name; pick another name for this one")
        return name

    def update(self, tenant_id: str, name: str, changes: Mapping[str, str], actor: Actor) -> IntegrationInfo:
        """Test the stored settings with `changes` over them, then replace them; nothing changes if the test fails.

        The integration keeps its row, so its accounts, links, checks and history stay its own. A
        disconnected one (its secrets deleted) is reconnected: `changes` must then give every secret again.
        """
        with self.context.sessions() as session:
            integration = self.require(session, tenant_id, name)
            cls = self.connector_class(integration.kind)
            stored = (self.context.vault.open(integration.credentials) if integration.credentials
                      else dict(integration.public_settings or {}))
            integration_id, was = integration.id, integration.status
        clean = cls.clean_settings({**stored, **changes})
        self._check_url(clean)
        self._test(cls, clean)
        public = public_settings(cls, clean)
        with self.context.sessions.begin() as session:
            integration = session.get_one(Integration, integration_id)
            self._store(integration, clean, public)
            # the field names changed, never their values: a secret's value must not reach the audit log
            action = "integration.update" if was == "connected" else "integration.reconnect"
            audit.record(session, tenant_id, actor, action, integration.name, kind=integration.kind,
                         changed=sorted(changes), settings=public)
            info = self._info(session, integration)
        self.context.events.emit("integration.connected", tenant_id=tenant_id, integration_id=info.id)
        return info

    def _test(self, cls: type[Connector], settings: Mapping[str, str]) -> None:
        with cls(settings, policy=self.context.config.http_policy) as connector:
            connector.test()

    def _store(self, integration: Integration, clean: Mapping[str, str], public: Mapping[str, str]) -> None:
        integration.credentials = self.context.vault.seal(dict(clean))
        integration.public_settings = dict(public)
        integration.status = "connected"
        integration.disconnected_at = None

    def disconnect(self, tenant_id: str, name: str, actor: Actor) -> IntegrationInfo:
        """Delete the credentials and stop syncs; keep the synced data and snapshots."""
        with self.context.sessions.begin() as session:
            integration = self.require(session, tenant_id, name)
            if integration.status != "connected":
                since = f" since {integration.disconnected_at:%Y-%m-%d}" if integration.disconnected_at else ""
                raise Conflict(f"{integration.name} is already disconnected{since}; its synced data and snapshots "
                               "are kept")
            integration.credentials = None
            integration.status = "disconnected"
            integration.disconnected_at = self.context.clock()
            session.execute(update(SyncRun).where(SyncRun.integration_id == integration.id,
                                                  SyncRun.status == "held").values(status="discarded"))
            audit.record(session, tenant_id, actor, "integration.disconnect", name, kind=integration.kind)
            info = self._info(session, integration)
        self.context.events.emit("integration.disconnected", tenant_id=tenant_id, integration_id=info.id)
        return info

    def list(self, tenant_id: str, *, include_disconnected: bool = True) -> list[IntegrationInfo]:
        with self.context.sessions() as session:
            query = select(Integration).where(Integration.tenant_id == tenant_id).order_by(Integration.name, Integration.id)
            rows = [self._info(session, i) for i in session.scalars(query)]
        return [r for r in rows if include_disconnected or r.status == "connected"]

    def get(self, tenant_id: str, name: str) -> IntegrationInfo:
        with self.context.sessions() as session:
            return self._info(session, self.require(session, tenant_id, name))

    def open(self, tenant_id: str, name: str) -> Connector:
        """A live connector for a connected integration (the caller closes it)."""
        with self.context.sessions() as session:
            integration = self.require(session, tenant_id, name)
            if integration.credentials is None:
                raise Conflict(f"{name} is disconnected; connect it again to sync")
            settings = self.context.vault.open(integration.credentials)
            cls = self.connector_class(integration.kind)
        self._check_url(settings)  # a URL stored before the server refused private ones
        return cls(settings, policy=self.context.config.http_policy)

    def test(self, tenant_id: str, name: str) -> None:
        with self.open(tenant_id, name) as connector:
            connector.test()

    # -- helpers shared with the other services --------------------------------------------

    def require(self, session: Session, tenant_id: str, name: str) -> Integration:
        integration = self._find(session, tenant_id, name)
        if integration is None:
            known = session.scalars(select(Integration.name).where(Integration.tenant_id == tenant_id,
                                                                   Integration.status == "connected"))
            names = ", ".join(sorted(known)) or "none yet; add one with connect"
            raise NotFound(f"no integration named {name!r} (connected: {names})")
        return integration

    def _check_url(self, settings: Mapping[str, str]) -> None:
        # every address a connector calls (the API's, a separate sign-in server's: `*_url`), since the
        # credentials travel to each of them
        if not self.context.config.allow_private_urls:
            for name, value in settings.items():
                if value and (name == "base_url" or name.endswith("_url")):
                    urls.require_public(value)

    def _find(self, session: Session, tenant_id: str, name: str) -> Integration | None:
        # a connected integration wins; otherwise the most recent disconnected one of that name
        query = (select(Integration).where(Integration.tenant_id == tenant_id, Integration.name == name)
                 .order_by((Integration.status == "connected").desc(), Integration.id.desc()))
        return session.scalars(query).first()

    def _info(self, session: Session, integration: Integration) -> IntegrationInfo:
        held = session.scalar(select(SyncRun.id).where(SyncRun.integration_id == integration.id,
                                                       SyncRun.status == "held").order_by(SyncRun.id.desc()))
        cls = self.context.registry.get(integration.kind)
        primary = primary_psa(session, self.context.registry, integration.tenant_id)
        return IntegrationInfo(
            id=integration.id, name=integration.name, kind=integration.kind,
            display_name=cls.display_name if cls else integration.kind, role=cls.role.value if cls else "",
            status=integration.status, public_settings=dict(integration.public_settings or {}),
            last_success_at=integration.last_success_at, last_attempt_at=integration.last_attempt_at,
            last_error=integration.last_error, held_run_id=held, created_at=integration.created_at,
            last_error_kind=integration.last_error_kind, disconnected_at=integration.disconnected_at,
            primary=primary is not None and primary.id == integration.id,
        )
