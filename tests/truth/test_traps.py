"""The truth plants every trap it lists, and keeps the promises its planting made."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.truth import build_world
from sandbox.truth.traps import TRAPS, planted


@pytest.mark.parametrize(("clients", "seed"), [(60, 7), (20, 11), (25, 3)])
def test_every_listed_trap_is_planted_and_nothing_unlisted(clients: int, seed: int) -> None:
    assert planted(build_world(clients=clients, seed=seed)) == set(TRAPS)


def test_the_sandbox_guide_names_every_trap() -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "sandbox.md").read_text(encoding="utf-8")
    assert [tag for tag in TRAPS if f"`{tag}`" not in guide] == []
