"""Rotating the encryption key: every stored credential re-encrypted under a new first key.

Embedded default (the key file in BILLREC_HOME): a new key is generated and written first in
the file next to the old one, every credential is re-encrypted in one transaction, and then the
old key is dropped. A crash in between leaves both keys in the file, so nothing is ever
unreadable.

Configured keys (BILLREC_ENCRYPTION_KEY): the operator puts the new key first and keeps the old
one after it; rotation re-encrypts under the first key, after which the old one can go.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.fernet import Fernet
from sqlalchemy import select

from reconcile import audit
from reconcile.audit import Actor
from reconcile.context import Context
from reconcile.errors import Invalid
from reconcile.tables import Integration
from reconcile.vault import GENERATE_HINT, Vault, key_file, read_key_file, write_key_file


@dataclass(frozen=True)
class Rotation:
    credentials: int
    key_file: str | None  # where the new key lives, when we manage it


def rotate(context: Context, actor: Actor) -> Rotation:
    """Re-encrypt every credential under a new first key; see the module docstring."""
    path = key_file(context.config.home)
    managed = not context.config.encryption_keys
    if managed:
        old = read_key_file(path) if path.exists() else []
        new_keys = [Fernet.generate_key().decode(), *old]
        write_key_file(path, new_keys)
        context.vault = Vault(new_keys)
    elif len(context.config.encryption_keys) < 2:
        raise Invalid("to rotate, put a new key first in BILLREC_ENCRYPTION_KEY and keep the old one after it "
                      f"(comma-separated), then run rotate-key again. Make a key with: {GENERATE_HINT}")
    count = 0
    with context.sessions.begin() as session:
        for integration in session.scalars(select(Integration).where(Integration.credentials.is_not(None))):
            integration.credentials = context.vault.reseal(integration.credentials)
            count += 1
        audit.record(session, "*", actor, "vault.rotate", "", credentials=count)
    if managed:
        write_key_file(path, new_keys[:1])
        context.vault = Vault(new_keys[:1])
    return Rotation(count, str(path) if managed else None)
