"""`mtls-kit explain`: the explain page's answer for a Java error read from standard input."""

from __future__ import annotations

import sys

import click

from webapp.cli.options import json_option
from webapp.cli.support import InputProblem, emit
from webapp.pki.explain import MAX_PASTE, EmptyPaste, PasteTooLarge, explain


@click.command(
    name="explain",
    epilog="""\b
Examples:
  journalctl -u platform --since today | mtls-kit explain
  mtls-kit explain --json < error.txt
""",
)
@json_option
def explain_error(as_json: bool) -> None:
    """Explain a Java error (stack trace, log lines, javax.net.debug output) from stdin."""
    text = sys.stdin.read(MAX_PASTE + 1)
    try:
        found = explain(text)
    except (EmptyPaste, PasteTooLarge) as error:
        raise InputProblem(str(error), as_json=as_json) from None
    lines = [
        f"Cause: {found.cause}",
        found.headline,
        f"Who refused: {found.side}. {found.why}",
        f"Next step: {found.next_step}",
    ]
    if found.matched:
        lines.append(f"The line that decided it: {found.matched}")
    emit(as_json, found.as_json(), lines)
