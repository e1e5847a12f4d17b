"""How a golden file disagrees: a unified diff of what a user would see change, and the command that regenerates."""

from __future__ import annotations

from tests import golden


def test_a_difference_is_a_unified_diff_naming_the_regenerate_command(tmp_path):
    (tmp_path / "report.csv").write_bytes(b"Client,Billed\r\nAcme Corp,10\r\nGlobex,4\r\n")
    problem = golden.check("report.csv", b"Client,Billed\r\nAcme Corp,12\r\nGlobex,4\r\n", update=False,
                           folder=tmp_path)
    assert problem is not None
    assert "-Acme Corp,10" in problem and "+Acme Corp,12" in problem
    assert "--- tests/golden/report.csv (checked in)" in problem
    assert problem.endswith("regenerate with: .venv/bin/pytest -q -n 0 tests/golden --update-golden")


def test_the_same_bytes_pass_and_other_line_endings_do_not(tmp_path):
    (tmp_path / "report.csv").write_bytes(b"Client\r\nAcme Corp\r\n")
    assert golden.check("report.csv", b"Client\r\nAcme Corp\r\n", update=False, folder=tmp_path) is None
    problem = golden.check("report.csv", b"Client\nAcme Corp\n", update=False, folder=tmp_path)
    assert problem is not None and "line endings" in problem


def test_a_missing_golden_file_says_how_to_create_it(tmp_path):
    problem = golden.check("home.json", b"{}\n", update=False, folder=tmp_path)
    assert problem is not None and "missing" in problem and golden.REGENERATE in problem


def test_updating_writes_what_is_produced_and_then_it_matches(tmp_path):
    (tmp_path / "digest.json").write_bytes(b'{"text": "old"}\n')
    assert golden.check("digest.json", b'{"text": "new"}\n', update=True, folder=tmp_path) is None
    assert (tmp_path / "digest.json").read_bytes() == b'{"text": "new"}\n'
    assert (tmp_path / "digest.json").stat().st_mode & 0o777 == 0o644
    assert golden.check("digest.json", b'{"text": "new"}\n', update=False, folder=tmp_path) is None
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no scratch file left behind
