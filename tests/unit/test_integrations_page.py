"""docs/integrations.md is generated from the connector declarations, and a stale copy fails here."""

from __future__ import annotations

import subprocess
import sys

import pytest

from connectors import REGISTRY, guide
from tests.shared import ROOT


def test_the_checked_in_integrations_page_matches_the_declarations():
    page = (ROOT / guide.PAGE).read_text(encoding="utf-8")
    assert page == guide.render(REGISTRY), (
        f"{guide.PAGE} is out of date with the connector declarations: run `{guide.COMMAND}` "
        "from the repository root and commit the result")


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_each_vendor_has_a_section_with_its_six_facts_and_the_calls_it_makes(kind):
    cls = REGISTRY[kind]
    page = guide.render(REGISTRY)
    section = page.split(f"## {cls.display_name}\n", 1)[1].split("\n## ", 1)[0]
    for _, heading, text in cls.guidance.facts():
        assert f"- **{heading}:** {text}\n" in section
    for endpoint in cls.endpoints().values():
        assert f"`{endpoint.method} /{endpoint.path}" in section
    assert f"`billrec connect {kind}`" in section


def test_the_command_refuses_a_stale_page_by_name_then_rewrites_it(tmp_path):
    stale = tmp_path / "integrations.md"
    stale.write_text("# an old page\n", encoding="utf-8")
    command = [sys.executable, "-m", "connectors.guide", "--output", str(stale)]
    checked = subprocess.run([*command, "--check"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 1
    assert f"run `{guide.COMMAND}` from the repository root" in checked.stderr
    assert stale.read_text(encoding="utf-8") == "# an old page\n"  # --check only looks
    written = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert written.returncode == 0 and written.stderr == ""
    assert stale.read_text(encoding="utf-8") == guide.render(REGISTRY)
    assert subprocess.run([*command, "--check"], cwd=ROOT, capture_output=True, timeout=60).returncode == 0
