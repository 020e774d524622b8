"""The `mtls-kit` command line: the web app's steps for scripts and automation.

Every rule is the web app's own (webapp.pki): the same key import and its limits, the same
store builders, aliases, outbound policy and messages. The commands only read options and
files, ask for passwords the safe way (cli_support) and print results; each group has its
own module (cli_stores, cli_config, cli_inspect, cli_connection), this one joins them.
Exit codes: 0 done, 1 a problem with the input (the page's sentence on stderr), 2 usage.
"""

from __future__ import annotations

import click

from webapp.cli.check import check
from webapp.cli.config import config
from webapp.cli.connection import CONNECTION_TEST, connection_test
from webapp.cli.explain import explain_error
from webapp.cli.inspect import inspect
from webapp.cli.renew import renew_command
from webapp.cli.stores import keystore, truststore

__all__ = ["CONNECTION_TEST", "main"]


@click.group(
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


for command in (
    keystore,
    truststore,
    config,
    inspect,
    connection_test,
    renew_command,
    explain_error,
    check,
):
    main.add_command(command)


if __name__ == "__main__":
    main()
