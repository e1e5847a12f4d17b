"""Arrows point one way: bot → reconcile → connectors; production code never imports the sandbox.

`bot/` reaches storage only through `reconcile` services, so it never imports SQLAlchemy
(slack_sdk's own SQLAlchemy stores, built over the engine `reconcile` hands out, are Slack's).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "bot": ("sqlalchemy",),
    "connectors": ("reconcile", "bot", "sandbox", "slack_sdk", "slack_bolt", "sqlalchemy"),
    "reconcile": ("bot", "sandbox", "slack_sdk", "slack_bolt"),
}
# the demo and `billrec sandbox` are the only production commands allowed to start the sandbox
SANDBOX_USERS = {"bot/demo.py", "bot/cli/demo.py", "bot/cli/admin.py"}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_lower_layers_never_import_higher_ones(package):
    offenders = {str(p.relative_to(ROOT)): sorted(imports(p) & set(FORBIDDEN[package]))
                 for p in (ROOT / package).rglob("*.py")}
    assert {path: names for path, names in offenders.items() if names} == {}


def test_only_the_demo_and_sandbox_commands_use_the_sandbox():
    users = {str(p.relative_to(ROOT)) for p in (ROOT / "bot").rglob("*.py") if "sandbox" in imports(p)}
    assert users <= SANDBOX_USERS
