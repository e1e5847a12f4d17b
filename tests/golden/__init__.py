"""Golden files: what people read, checked in beside this module and compared byte for byte.

`tests/golden/test_golden.py` says what each file holds and how it is produced. After a
deliberate change to what users see, regenerate every file with one command from the repository root:

    .venv/bin/pytest -q -n 0 tests/golden --update-golden

and review the change with `git diff tests/golden`, as a reader of the report would.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
UPDATE_OPTION = "--update-golden"
REGENERATE = f".venv/bin/pytest -q -n 0 tests/golden {UPDATE_OPTION}"


def write(path: Path, content: bytes) -> None:
    """Replace `path` in one step, so two test processes updating the same file never interleave."""
    handle, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    os.chmod(scratch, 0o644)  # mkstemp's 0600 is for secrets; a golden file is as readable as the code
    os.replace(scratch, path)


def difference(name: str, expected: bytes, actual: bytes) -> str:
    """A unified diff of `expected` (the checked-in file) against `actual`, and how to regenerate."""
    before, after = expected.decode("utf-8", "replace"), actual.decode("utf-8", "replace")
    if before.splitlines() == after.splitlines():  # the same lines, other bytes: a diff would look empty
        shown = (f"the same lines with other line endings or bytes: {expected[:60]!r} … (checked in) "
                 f"vs {actual[:60]!r} … (now)\n")
    else:
        lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                     fromfile=f"tests/golden/{name} (checked in)", tofile=f"tests/golden/{name} (now)")
        shown = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    return (f"golden file tests/golden/{name} differs from what is produced now:\n{shown}"
            f"If the change is deliberate, regenerate with: {REGENERATE}")


def check(name: str, actual: bytes, *, update: bool, folder: Path = HERE) -> str | None:
    """None when `actual` is the golden file `name` in `folder`; otherwise the failure message.

    With `update` the file is (re)written and None returned.
    """
    path = folder / name
    if update:
        if not path.exists() or path.read_bytes() != actual:
            write(path, actual)
        return None
    if not path.exists():
        return f"golden file tests/golden/{name} is missing; create it with: {REGENERATE}"
    expected = path.read_bytes()
    return None if expected == actual else difference(name, expected, actual)
