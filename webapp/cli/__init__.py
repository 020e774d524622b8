"""The `mtls-kit` command line: the web app's steps for scripts and automation.

Every rule is the web app's own (webapp.pki): the same key import and its limits, the same
store builders, aliases, outbound policy and messages. The commands only read options and
files, ask for passwords the safe way (support) and print results; each group has its
own module (stores, config, inspect, connection), this one joins them.
Exit codes: 0 done, 1 a problem with the input (the page's sentence on stderr), 2 usage.

A command's module is imported only when that command runs (or shows its own --help): they
need the PKI core (cryptography, pyjks: most of a second to import on a busy machine), which
`mtls-kit --help` does not (issue 18: it must start in < 0.35 s). The list of commands under
--help takes each one's first docstring line from its source, without importing it.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from functools import cache

import click

__all__ = ["COMMANDS", "CONNECTION_TEST", "main"]

# The connection test's engine: imported when `mtls-kit test` runs, so that a build without
# it still offers the rest (named here so that naming it imports nothing).
CONNECTION_TEST = "webapp.pki.partner.connection_test"
# Command name -> (module, function), in the order --help used to list them (alphabetical).
COMMANDS = {
    "check": ("webapp.cli.check", "check"),
    "config": ("webapp.cli.config", "config"),
    "explain": ("webapp.cli.explain", "explain_error"),
    "inspect": ("webapp.cli.inspect", "inspect"),
    "keystore": ("webapp.cli.stores", "keystore"),
    "renew": ("webapp.cli.renew", "renew_command"),
    "test": ("webapp.cli.connection", "connection_test"),
    "truststore": ("webapp.cli.stores", "truststore"),
}


class _LazyGroup(click.Group):
    """A group whose commands are imported when used (see the module docstring)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, function = COMMANDS[cmd_name]
            self.add_command(getattr(importlib.import_module(module), function), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [
            (name, command.get_short_help_str(limit))
            if (command := self.commands.get(name)) is not None
            else (name, _short_help(name, limit))
            for name in names
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _short_help(name: str, limit: int) -> str:
    """The command's one-line help as click makes it, from the docstring in its source."""
    # A stand-in with the same help text: click shortens it exactly as for the real one.
    return click.Command(name, help=_docstring(*COMMANDS[name])).get_short_help_str(limit)


@cache
def _docstring(module: str, function: str) -> str:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None, module
    with open(spec.origin, encoding="utf-8") as source:
        tree = ast.parse(source.read())
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            return (ast.get_docstring(node) or "").split("\f", 1)[0]
    raise LookupError(f"{module}.{function} not found")


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="""\b
Examples:
  export KEY_PASS=... STORE_PASS=... TRUST_PASS=...
  mtls-kit keystore client.p12 --key-password-env KEY_PASS \\
      --alias acme --out keystore.p12 --store-password-env STORE_PASS
  mtls-kit truststore --url https://partner.example:8443 --own keystore.p12 \\
      --store-password-env STORE_PASS --out truststore.jks --truststore-password-env TRUST_PASS
  mtls-kit config --keystore keystore.p12 --truststore truststore.jks \\
      --url https://partner.example:8443/in --folder /opt/certs --style spring \\
      --store-password-env STORE_PASS --truststore-password-env TRUST_PASS
  mtls-kit inspect truststore.jks --store-password-env TRUST_PASS
  mtls-kit renew mtls-files.zip --key-file new.p12 --key-password-env KEY_PASS --out new.zip
""",
)
def main() -> None:
    """Build Java keystores and truststores for mutual TLS (JKS or PKCS#12).

    Passwords come from an environment variable (--…-password-env NAME), a file
    (--…-password-file PATH) or a hidden prompt; never from a plain argument.
    """


if __name__ == "__main__":
    main()
