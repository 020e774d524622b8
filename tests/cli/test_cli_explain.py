"""`mtls-kit explain` reads a Java error on standard input: every generated JDK text maps to its
code here as on the page; --json gives {"cause", "headline", "next_step", "matched"}."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from click.testing import CliRunner

from tests.cli.conftest import command
from tests.support.java_errors import java_error_texts, variants
from webapp import cli
from webapp.pki.explain import MAX_PASTE

pytestmark = pytest.mark.java


def explain_run(text: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command(), "explain", *args],
        input=text,
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
        timeout=60,
        check=False,
    )


def test_every_generated_text_maps_to_its_code_in_the_cli():
    runner = CliRunner()
    wrong = []
    for item in java_error_texts():
        for variant, text in variants(item):
            result = runner.invoke(cli.main, ["explain", "--json"], input=text)
            assert result.exit_code == 0, result.output
            answer = json.loads(result.stdout)
            assert set(answer) == {"cause", "headline", "next_step", "matched"}
            if answer["cause"] != item.expected:
                wrong.append(f"{item.name} ({variant}): {answer['cause']}")
    assert not wrong, "\n".join(wrong)


def test_the_installed_command_reads_standard_input():
    (item,) = [t for t in java_error_texts() if t.name == "PKIX, server root missing"]
    as_json = explain_run(item.text, "--json")
    assert as_json.returncode == 0, as_json.stderr
    answer = json.loads(as_json.stdout)
    assert answer["cause"] == "server-not-trusted"
    assert answer["matched"].startswith("Caused by: sun.security.validator.ValidatorException")
    plain = explain_run(item.text)
    assert plain.returncode == 0
    lines = plain.stdout.splitlines()
    assert lines[0] == "Cause: server-not-trusted"
    assert lines[1] == answer["headline"]
    assert lines[2].startswith("Who refused: Your platform (Java).")
    assert lines[3] == f"Next step: {answer['next_step']}"
    assert lines[4] == f"The line that decided it: {answer['matched']}"


@pytest.mark.parametrize(
    ("text", "words"),
    [("", "Paste the Java error message first."), ("x" * (MAX_PASTE + 5), "longer than 64 KB")],
)
def test_empty_or_huge_input_is_exit_1_with_a_plain_message(text, words):
    run = explain_run(text)
    assert run.returncode == 1
    assert words in run.stderr and "Traceback" not in run.stderr
