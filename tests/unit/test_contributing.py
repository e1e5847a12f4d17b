"""CONTRIBUTING.md stays true: every path it names exists, every `python -m` module it runs is there,
and every test it asks to run selects something. (Cheap checks that catch a renamed file.)"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re

import pytest

from tests.shared import ROOT, SHARED

PAGE = ROOT / "CONTRIBUTING.md"
TOP = ("bot", "connectors", "reconcile", "sandbox", "tests", "docs", "bench", ".ci")
# a path begins at a top-level folder (or ../shared/) and runs to the first character no path has
PATH = re.compile(r"(?<![\w./-])((?:\.\./shared|" + "|".join(re.escape(t) for t in TOP) + r")/[\w./<>-]*)")
MODULE = re.compile(r"python -m ([\w.]+)")


def named_paths() -> list[str]:
    text = PAGE.read_text(encoding="utf-8")
    found = {match.rstrip(".,") for match in PATH.findall(text)}
    return sorted(p for p in found if "<" not in p)  # `tests/vendors/test_<kind>.py` is a pattern


def test_the_page_names_the_files_a_new_vendor_touches():
    paths = named_paths()
    for wanted in ("connectors/datto.py", "sandbox/vendors/datto.py", "tests/vendors/test_datto.py",
                   "connectors/__init__.py", "sandbox/vendors/__init__.py", "tests/unit/test_layering.py",
                   "tests/golden/test_golden.py"):
        assert wanted in paths


@pytest.mark.parametrize("path", named_paths())
def test_every_path_named_in_contributing_exists(path):
    if path.startswith("../shared/"):
        if not SHARED.is_dir():
            pytest.skip("the shared documents are not beside this checkout")
        assert (SHARED / path.removeprefix("../shared/")).exists(), f"CONTRIBUTING.md names {path}, which is missing"
    else:
        assert (ROOT / path).exists(), f"CONTRIBUTING.md names {path}, which is missing"


@pytest.mark.parametrize("module", sorted(set(MODULE.findall(PAGE.read_text(encoding="utf-8")))))
def test_every_module_contributing_runs_exists(module):
    assert importlib.util.find_spec(module) is not None, f"CONTRIBUTING.md runs python -m {module}, which is missing"


def test_the_regenerate_command_it_gives_is_the_golden_tests_own():
    from tests import golden

    assert golden.REGENERATE in PAGE.read_text(encoding="utf-8")
    assert golden.REGENERATE in (ROOT / "tests/golden/test_golden.py").read_text(encoding="utf-8")


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)


def test_every_python_snippet_is_python():
    for block in python_blocks():
        ast.parse(block)


@pytest.mark.parametrize(("module", "registry"), [("connectors.datto", "connectors"),
                                                   ("sandbox.vendors.datto", "sandbox.vendors")])
def test_the_skeletons_declare_only_what_the_real_datto_modules_have(module, registry):
    """Each skeleton's class attributes and methods exist on the real class, and its registry line is real."""
    real = importlib.import_module(module).Datto
    skeletons = [node for block in python_blocks() for node in ast.walk(ast.parse(block))
                 if isinstance(node, ast.ClassDef) and node.name == "Datto"
                 and ast.unparse(node.bases[0]) == real.__mro__[1].__name__]
    assert len(skeletons) == 1, f"CONTRIBUTING.md should show one skeleton of {module}"
    declared = {target.id for node in skeletons[0].body if isinstance(node, ast.Assign)
                for target in node.targets if isinstance(target, ast.Name)}
    declared |= {node.name for node in skeletons[0].body if isinstance(node, ast.FunctionDef)}
    assert declared and {name for name in declared if not hasattr(real, name)} == set()
    names = vars(importlib.import_module(registry))
    assert names.get("REGISTRY", names.get("VENDORS"))["datto"] is not None
