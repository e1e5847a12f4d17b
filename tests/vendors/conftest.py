"""The sandbox tests' servers: `served` (one per module, limits wide open) and `fresh_server` (one per test)."""

from tests.sandbox.conftest import fresh_server, served

__all__ = ["fresh_server", "served"]
