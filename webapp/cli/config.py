"""`mtls-kit config`: the settings that point a Java application at the two stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from webapp.cli.inputs import open_configured_stores, settings_text
from webapp.cli.options import PROBLEMS, force_option, json_option, store_paths_options
from webapp.cli.support import emit, password_options, reports_problems, write_output
from webapp.pki.java import DEFAULT_BUNDLE_NAME, HTTP_METHODS, DestinationConfig, file_path
from webapp.pki.java.destination_url import check_destination_url
from webapp.pki.partner import parse_target

STYLES = ("platform", "spring", "spring-properties", "jvm", "java")


@click.command(
    epilog="""\b
Example:
  mtls-kit config --keystore keystore.jks --truststore truststore.jks \\
      --url https://partner.example/in --folder /opt/certs --style jvm --mask \\
      --store-password-env STORE_PASS --truststore-password-env TRUST_PASS
"""
)
@store_paths_options
@click.option("--url", required=True, help="The partner's address the platform posts to.")
@click.option(
    "--method",
    type=click.Choice(HTTP_METHODS, case_sensitive=False),
    default="POST",
    show_default=True,
)
@click.option(
    "--folder", help="Folder of the two files on the target server; default: where they are now."
)
@click.option(
    "--style",
    type=click.Choice(STYLES),
    default="platform",
    show_default=True,
    help="platform: the destination JSON; spring: an SSL bundle (YAML); "
    "jvm: javax.net.ssl options.",
)
@click.option("--bundle-name", default=DEFAULT_BUNDLE_NAME, show_default=True)
@click.option("--mask", is_flag=True, help="Show •••••••• instead of the passwords.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the settings to this file (owner-only) instead of printing them.",
)
@force_option
@password_options("store", "truststore")
@json_option
@reports_problems(*PROBLEMS, ValueError)
def config(
    keystore_path: Path,
    truststore_path: Path,
    url: str,
    method: str,
    folder: str | None,
    style: str,
    bundle_name: str,
    mask: bool,
    out: Path | None,
    force: bool,
    as_json: bool,
    **passwords: Any,
) -> None:
    """Print the settings that point a Java application at the two stores."""
    typed = check_destination_url(url)  # the page's rule: https only (issue 20)
    target = parse_target(typed)  # the fetcher's rule: a usable server address
    url = typed if typed.lower().startswith("https://") else target.url
    formats = open_configured_stores(keystore_path, truststore_path, passwords)
    place = (lambda p: file_path(folder, p.name)) if folder else (lambda p: str(p.resolve()))
    destination = DestinationConfig(
        url=url,
        method=method.upper(),
        keystore_file=place(keystore_path),
        keystore_pass=formats["keystore"][1],
        truststore_file=place(truststore_path),
        truststore_pass=formats["truststore"][1],
    )
    text = settings_text(
        destination,
        style,
        keystore_format=formats["keystore"][0],
        truststore_format=formats["truststore"][0],
        bundle=bundle_name,
        mask=mask,
    )
    if out:
        write_output(out, text.encode("utf-8"), force=force)
    result = {
        "ok": True,
        "style": style,
        "file": str(out) if out else None,
        "keystore": {"file": destination.keystore_file, "format": formats["keystore"][0].value},
        "truststore": {
            "file": destination.truststore_file,
            "format": formats["truststore"][0].value,
        },
    }
    if not out:
        result["text"] = text
    emit(as_json, result, [f"Wrote {out}."] if out else [text.rstrip("\n")])
