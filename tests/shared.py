"""Where the steering documents live: `../shared` from the repository root, wherever it is cloned."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
