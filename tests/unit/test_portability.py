"""A fresh clone anywhere runs the suite: shared documents are reached as `../shared` from the root."""

from __future__ import annotations

import re

from tests.shared import ROOT, SHARED

# a string literal naming a path from the file-system root of one machine (a home, /work, /tmp …)
ABSOLUTE = re.compile(r"""["'](/(?:work|home|root|tmp|opt|srv|mnt|Users)/[^"']*)["']""")


def test_no_python_file_names_an_absolute_path_on_some_machine():
    found = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        if ".venv" in path.parts or "site-packages" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if ABSOLUTE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_the_shared_documents_are_found_next_to_the_repository():
    assert (SHARED / "DESIGN.md").is_file()
    assert (SHARED / "vendor-specs").is_dir() and (SHARED / "slack" / "manifest.schema.1.0.0.json").is_file()
