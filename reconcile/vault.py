"""Integration credentials, encrypted at rest with Fernet; several keys for rotation (MultiFernet).

`BILLREC_ENCRYPTION_KEY` may hold comma-separated keys: the first encrypts, all decrypt. With no
key configured on the embedded default, a key is generated into `BILLREC_HOME/secret.key`
(mode 0600) the first time it is needed, and the user is told once where it is. A server
database (PostgreSQL) never gets a generated key: losing it would lose every credential, so
the operator must provide one.

A vault over the key file follows it: before sealing, and when a token does not open, it looks
at the file (one `stat`) and re-reads it if it changed. So web and clock processes pick up a
key that `billrec rotate-key` wrote without a restart, and never seal with a key the file no
longer holds. Configured keys never change under a running process: it must be restarted.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from reconcile import owner_only
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
        self._use(keys, "BILLREC_ENCRYPTION_KEY")

    @property
    def key_count(self) -> int:
        return len(self._fernets)

    def seal(self, settings: dict[str, str]) -> str:
        self.refresh()
        return self._all().encrypt(json.dumps(settings, sort_keys=True).encode()).decode()

    def open(self, token: str) -> dict[str, str]:
        try:
            return dict(json.loads(self._retrying(lambda: self._all().decrypt(token.encode()))))
        except InvalidToken:
            raise VaultError("stored credentials cannot be decrypted with the configured keys; "
                             "was BILLREC_ENCRYPTION_KEY changed without keeping the old key?") from None

    def reseal(self, token: str) -> str:
        """The same secret, encrypted under the first key."""
        self.refresh()
        try:
            return self._retrying(lambda: self._all().rotate(token.encode())).decode()
        except InvalidToken:
            raise VaultError("a stored credential cannot be decrypted with the configured keys") from None

    def sealed_with_first_key(self, token: str) -> bool:
        """True when the first key alone opens `token`, so the other keys are not needed for it."""
        self.refresh()
        try:
            self._fernets[0].decrypt(token.encode())
        except InvalidToken:
            return False
        return True

    def refresh(self) -> bool:
        """Pick up keys changed since they were read; True when they did. Fixed keys never change."""
        return False

    def _retrying(self, attempt: Callable[[], bytes]) -> bytes:
        """`attempt()`, and once more if a token that did not open made us find changed keys."""
        try:
            return attempt()
        except InvalidToken:
            if not self.refresh():  # sealed under a key newer than ours, perhaps
                raise
        return attempt()

    def _all(self) -> MultiFernet:
        return MultiFernet(self._fernets)

    def _use(self, keys: Sequence[str], where: str) -> None:
        if not keys:
            raise VaultError(f"no encryption key in {where}")
        try:
            fernets = tuple(Fernet(k.strip().encode()) for k in keys)
        except ValueError:
            raise VaultError(f"{where} holds a value that is not a Fernet key "
                             f"(32 url-safe base64 bytes); make one with: {GENERATE_HINT}") from None
        # one assignment: a thread using the vault sees the old keys or the new ones, never a mix
        self._fernets = fernets


class KeyFileVault(Vault):
    """A vault over the embedded key file that follows the file when `rotate-key` changes it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._lock = threading.Lock()
        self.refresh()

    def refresh(self) -> bool:
        try:
            status = self.path.stat()
        except FileNotFoundError:
            # sealing with a key that is in no file would lose the credential at the next restart
            raise VaultError(f"the key file {self.path} is gone; restore it from your backup") from None
        # the file is only ever replaced whole (write_key_file), so its inode changes every time
        stamp = (status.st_ino, status.st_mtime_ns, status.st_size)
        if stamp == self._stamp:
            return False
        with self._lock:
            if stamp == self._stamp:
                return False
            self._use(read_key_file(self.path), str(self.path))
            self._stamp = stamp
        return True


def key_file(home: Path) -> Path:
    return home / KEY_FILE


def load(
    configured: Sequence[str],
    home: Path,
    *,
    embedded: bool,
    announce: Callable[[str], None] = lambda message: None,
) -> Vault:
    """The vault over the configured keys, else over the key file (generated on first use)."""
    keys = load_keys(configured, home, embedded=embedded, announce=announce)
    if any(k.strip() for k in configured):
        return Vault(keys)
    return KeyFileVault(key_file(home))


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
        owner_only.narrow(path, owner_only.FILE)
        return read_key_file(path)
    if not embedded:
        raise VaultError("BILLREC_ENCRYPTION_KEY is not set. A server database needs a key you keep "
                         f"safe; make one with: {GENERATE_HINT}")
    owner_only.directory(home)
    write_key_file(path, [Fernet.generate_key().decode()])
    announce(f"Generated an encryption key for stored credentials at {path} (readable only by you). "
             "Back it up: without it, stored credentials cannot be read.")
    return read_key_file(path)


def read_key_file(path: Path) -> list[str]:
    return [k for k in path.read_text().split() if k]


def write_key_file(path: Path, keys: Sequence[str]) -> None:
    """Write keys (first = current) with owner-only permissions, atomically."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, owner_only.FILE)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(keys) + "\n")
    os.chmod(tmp, owner_only.FILE)
    os.replace(tmp, path)
