"""Integration credentials, encrypted at rest with Fernet; several keys for rotation (MultiFernet).

`BILLREC_ENCRYPTION_KEY` may hold comma-separated keys: the first encrypts, all decrypt. With no
key configured on the embedded default, a key is generated into `BILLREC_HOME/secret.key`
(mode 0600) the first time it is needed, and the user is told once where it is. A server
database (PostgreSQL) never gets a generated key: losing it would lose every credential, so
the operator must provide one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from reconcile.errors import UserError

KEY_FILE = "secret.key"
GENERATE_HINT = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


class VaultError(UserError):
    """The key is missing or cannot open what was stored."""


class Vault:
    """Encrypts a settings dict into one opaque token, and back."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise VaultError("no encryption key")
        try:
            self._fernet = MultiFernet([Fernet(k.strip().encode()) for k in keys])
        except ValueError:
            raise VaultError("BILLREC_ENCRYPTION_KEY holds a value that is not a Fernet key "
                             f"(32 url-safe base64 bytes); make one with: {GENERATE_HINT}") from None
        self.key_count = len(keys)

    def seal(self, settings: dict[str, str]) -> str:
        return self._fernet.encrypt(json.dumps(settings, sort_keys=True).encode()).decode()

    def open(self, token: str) -> dict[str, str]:
        try:
            return dict(json.loads(self._fernet.decrypt(token.encode())))
        except InvalidToken:
            raise VaultError("stored credentials cannot be decrypted with the configured keys; "
                             "was BILLREC_ENCRYPTION_KEY changed without keeping the old key?") from None

    def reseal(self, token: str) -> str:
        """The same secret, encrypted under the first key."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken:
            raise VaultError("a stored credential cannot be decrypted with the configured keys") from None


def key_file(home: Path) -> Path:
    return home / KEY_FILE


def load_keys(
    configured: Sequence[str],
    home: Path,
    *,
    embedded: bool,
    announce: Callable[[str], None] = lambda message: None,
) -> list[str]:
    """The keys to use: configured ones, else the embedded key file, generated on first use."""
    keys = [k.strip() for k in configured if k.strip()]
    if keys:
        return keys
    path = key_file(home)
    if path.exists():
        return [k for k in path.read_text().split() if k]
    if not embedded:
        raise VaultError("BILLREC_ENCRYPTION_KEY is not set. A server database needs a key you keep "
                         f"safe; make one with: {GENERATE_HINT}")
    home.mkdir(parents=True, exist_ok=True)
    write_key_file(path, [Fernet.generate_key().decode()])
    announce(f"Generated an encryption key for stored credentials at {path} (readable only by you). "
             "Back it up: without it, stored credentials cannot be read.")
    return read_key_file(path)


def read_key_file(path: Path) -> list[str]:
    return [k for k in path.read_text().split() if k]


def write_key_file(path: Path, keys: Sequence[str]) -> None:
    """Write keys (first = current) with owner-only permissions, atomically."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(keys) + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
