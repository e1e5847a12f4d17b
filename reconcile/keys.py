"""Rotating the encryption key: every stored credential re-encrypted under a new first key.

Embedded default (the key file in BILLREC_HOME): `rotate` writes a new key first in the file,
before the keys already there, then re-encrypts every credential under it in one transaction.
The old keys stay in the file, for decrypting only: web and clock processes already running
read the file again on their next use (`reconcile.vault.KeyFileVault`), and a credential one of
them sealed with the old key just before it noticed stays readable. Once every process has used
the new key, `drop_old` re-encrypts whatever the first key alone cannot open and only then
leaves the first key alone in the file. At no step is a stored credential left without its
key: a crash between steps leaves more keys in the file, never fewer.

Configured keys (BILLREC_ENCRYPTION_KEY): the operator puts the new key first and keeps the old
one after it; `rotate` re-encrypts under the first key. Running processes keep the keys they
started with and must be restarted with the new value; `drop_old` then checks that the first
key alone opens everything, and the operator removes the old key from the variable.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from reconcile import audit
from reconcile.audit import Actor
from reconcile.context import Context
from reconcile.errors import Conflict, Invalid
from reconcile.tables import Integration
from reconcile.vault import GENERATE_HINT, Vault, VaultError, key_file, read_key_file, write_key_file


@dataclass(frozen=True)
class Rotation:
    credentials: int  # re-encrypted under the first key
    key_file: str | None  # where the keys live, when we manage them
    keys: int  # keys left: the first encrypts, the others only decrypt


def rotate(context: Context, actor: Actor) -> Rotation:
    """Re-encrypt every credential under a new first key; see the module docstring."""
    path = key_file(context.config.home)
    managed = not context.config.encryption_keys
    if managed:
        keys = [Fernet.generate_key().decode(), *(read_key_file(path) if path.exists() else [])]
        write_key_file(path, keys)
        sealer = Vault(keys)
    elif len(context.config.encryption_keys) < 2:
        raise Invalid("to rotate, put a new key first in BILLREC_ENCRYPTION_KEY and keep the old one after it "
                      f"(comma-separated), then run rotate-key again. Make a key with: {GENERATE_HINT}")
    else:
        sealer = context.vault
    with context.sessions.begin() as session:
        count = 0
        for integration in _sealed(session):
            integration.credentials = sealer.reseal(integration.credentials)
            count += 1
        audit.record(session, "*", actor, "vault.rotate", "", credentials=count)
    return Rotation(count, str(path) if managed else None, sealer.key_count)


def drop_old(context: Context, actor: Actor) -> Rotation:
    """Re-encrypt what the first key alone cannot open, then keep only the first key.

    Refuses, changing nothing, when a stored credential opens with none of the keys.
    """
    path = key_file(context.config.home)
    managed = not context.config.encryption_keys
    keys = read_key_file(path) if managed else list(context.config.encryption_keys)
    sealer = Vault(keys)
    with context.sessions.begin() as session:
        count, unreadable = 0, []
        for integration in _sealed(session):
            if sealer.sealed_with_first_key(integration.credentials):
                continue
            try:
                integration.credentials = sealer.reseal(integration.credentials)
            except VaultError:
                unreadable.append(f"{integration.tenant_id}/{integration.name}")
                continue
            count += 1
        if unreadable:  # raising here rolls the re-encryption back too
            raise VaultError(f"kept every key: {len(unreadable)} stored credentials open with none of them "
                             f"({', '.join(unreadable)}). Restore the key they were sealed with, or disconnect and "
                             "connect those integrations again, then run this again.")
        audit.record(session, "*", actor, "vault.drop_old", "", credentials=count, keys_before=len(keys))
    # only after the commit: until then the old keys may still be what opens the stored credentials
    if managed:
        if read_key_file(path) != keys:
            raise Conflict(f"{path} changed while the credentials were checked (another rotate-key?); "
                           "no key was dropped, run this again")
        write_key_file(path, keys[:1])
    return Rotation(count, str(path) if managed else None, 1 if managed else len(keys))


def _sealed(session: Session) -> list[Integration]:
    return list(session.scalars(select(Integration).where(Integration.credentials.is_not(None))))
