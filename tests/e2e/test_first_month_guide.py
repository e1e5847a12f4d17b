"""docs/first-month.md runs as printed: every `billrec` line of its shell blocks, in order, against the
sandbox `billrec sandbox` serves (its world, on a free port instead of 8099)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
from click.testing import CliRunner

import sandbox
from bot.cli import cli
from bot.cli.admin import sandbox as sandbox_command

GUIDE = Path(__file__).parents[2] / "docs" / "first-month.md"
PRINTED_PORT = "127.0.0.1:8099"
# what the guide says a step shows: the metrics its checks use, and the accounts behind its link numbers
SAYS = {"metrics cw": "cw:billed:MW-01", "metrics ninja": "ninja:devices:workstation",  # what the checks use
        "metrics pax8": "pax8:licenses:MST-M365-BP",
        "links approve 122": "Indigo Cre. - Spokane → Indigo Credit Union LLC",
        "links choose 107": "ML - Mesa (Fresno) → Mesa Logistics Inc",
        "links create-client 171": "Keystone Law Group (pax8) → new client Keystone Law Group",
        "links ignore 87": "MSP Internal Lab (ninja) ignored"}


def guide_commands() -> list[list[str]]:
    """Each `billrec …` line of the guide's ```sh blocks, as argv (comments dropped)."""
    blocks = re.findall(r"```sh\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)
    return [shlex.split(line, comments=True) for block in blocks for line in block.splitlines() if line.strip()]


def defaults_of(command: click.Command) -> dict[str, object]:
    return {p.name: p.default for p in command.params}


def test_every_line_of_the_guide_is_a_billrec_command_and_starts_with_the_sandbox():
    commands = guide_commands()
    assert commands[0] == ["billrec", "sandbox"]
    assert all(argv[0] == "billrec" for argv in commands)
    assert defaults_of(sandbox_command)["port"] == 8099  # the port the guide prints


def test_the_first_month_guide_runs_as_printed_against_the_sandbox(cli_env, tmp_path, monkeypatch):
    served = defaults_of(sandbox_command)
    monkeypatch.chdir(tmp_path)  # `export -o` writes here
    runner = CliRunner()
    with sandbox.start(clients=served["clients"], seed=served["seed"]) as world:
        for argv in guide_commands()[1:]:
            args = [a.replace(PRINTED_PORT, f"127.0.0.1:{world.port}") for a in argv[1:]]
            assert args[0] in cli.commands, f"the guide names `billrec {args[0]}`, which does not exist"
            result = runner.invoke(cli, args, env=cli_env, prog_name="billrec")
            assert result.exit_code == 0, f"billrec {shlex.join(argv[1:])}\n{result.output}{result.stderr}"
            said = SAYS.get(shlex.join(args[:3]))
            assert said is None or said in result.stdout, f"billrec {shlex.join(args)}: {result.stdout}"
