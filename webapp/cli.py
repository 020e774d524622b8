"""The `mtls-kit` command line: the web app's steps for scripts and automation.

Every rule is the web app's own (webapp.pki): the same key import and its limits, the same
store builders, aliases, outbound policy and messages. This module only reads options and
files, asks for passwords the safe way (cli_support) and prints results.
Exit codes: 0 done, 1 a problem with the input (the page's sentence on stderr), 2 usage.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

import click

from webapp.cli_support import (
    InputProblem,
    emit,
    password_options,
    read_input,
    read_password,
    reports_problems,
    write_output,
)
from webapp.cli_views import (
    certificate_lines,
    choose_format,
    describe_chain,
    fetch_timeout,
    load_own_chain,
    load_pairs,
    open_configured_stores,
    outbound_policy,
    settings_text,
    store_lines,
    stored_key_pair,
)
from webapp.pki.certs import CertificateParseError, dedupe, parse_certificates
from webapp.pki.java import (
    DEFAULT_BUNDLE_NAME,
    HTTP_METHODS,
    AliasError,
    DestinationConfig,
    StoreError,
    StoreFormat,
    build_keystore,
    build_truststore,
    default_file_name,
    detect_format,
    file_path,
    read_store,
    suggest_alias,
    validate_alias,
)
from webapp.pki.keyimport import KeyPairError
from webapp.pki.partner import FetchError, collect_partner_chain, extra_root_paths, parse_target

PROBLEMS = (KeyPairError, StoreError, AliasError, CertificateParseError, FetchError)
CONNECTION_TEST = "webapp.pki.partner.connection_test"
STYLES = ("platform", "spring", "spring-properties", "jvm", "java")

json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
force_option = click.option("--force", is_flag=True, help="Replace --out if it exists.")
format_option = click.option(
    "--format",
    "format_name",
    type=click.Choice(["jks", "pkcs12"], case_sensitive=False),
    help="Store format; default: from the --out extension (.p12/.pfx), else jks.",
)
network_option = click.option(
    "--allow-network",
    multiple=True,
    metavar="CIDR",
    help="Also allow this network (repeatable), as FLASK_FETCH_ALLOWED_NETWORKS does.",
)


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
""",
)
def main() -> None:
    """Build Java keystores and truststores for mutual TLS (JKS or PKCS#12).

    Passwords come from an environment variable (--…-password-env NAME), a file
    (--…-password-file PATH) or a hidden prompt; never from a plain argument.
    """


@main.command(
    epilog="""\b
Example:
  mtls-kit keystore client.pem --extra client.key --alias acme \\
      --out keystore.p12 --store-password-env STORE_PASS --json
"""
)
@click.argument("keypair_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--extra",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A separate key or certificate file that belongs to KEYPAIR_FILE.",
)
@click.option("--alias", help="Name of the key entry; default: from the certificate's name.")
@click.option(
    "--pair",
    type=click.IntRange(min=1),
    help="Which key pair (1, 2...) when the file holds several.",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path))
@format_option
@force_option
@password_options("key", "store")
@json_option
@reports_problems(*PROBLEMS)
def keystore(
    keypair_file: Path,
    extra: Path | None,
    alias: str | None,
    pair: int | None,
    out: Path | None,
    format_name: str | None,
    force: bool,
    as_json: bool,
    **passwords: Any,
) -> None:
    """Build a keystore: one key entry with its full chain (key password = store password)."""
    fmt = choose_format(format_name, out)
    out = out or Path(default_file_name("keystore", fmt))
    pairs = load_pairs(read_input(keypair_file), read_input(extra) if extra else None, passwords)
    if len(pairs) > 1 and pair is None:
        raise InputProblem(
            f"This file holds {len(pairs)} key pairs. Choose one with --pair "
            "NUMBER (see `mtls-kit inspect`)."
        )
    if pair is not None and pair > len(pairs):
        raise InputProblem(f"This file holds only {len(pairs)} key pair(s).")
    chosen = pairs[(pair or 1) - 1]
    java_alias = validate_alias(alias) if alias is not None else suggest_alias(chosen.certificate)
    password = read_password(passwords, "store", new=True, format=fmt)
    assert password is not None
    data = build_keystore(
        alias=java_alias,
        private_key=chosen.private_key,
        chain=chosen.chain,
        password=password,
        format=fmt,
    )
    write_output(out, data, force=force)
    chain = describe_chain(chosen.chain)
    emit(
        as_json,
        {
            "ok": True,
            "file": str(out),
            "format": fmt.value,
            "type": fmt.java_type,
            "alias": java_alias,
            "chain": chain,
        },
        [
            (
                f"Wrote {out} ({fmt.label}): key entry “{java_alias}” with "
                f"{len(chain)} certificate(s)."
            ),
            *certificate_lines(chain),
        ],
    )


@main.command(
    epilog="""\b
Examples:
  mtls-kit truststore --url https://partner.example --out truststore.p12 \\
      --truststore-password-env TRUST_PASS
  mtls-kit truststore --cert partner-root.pem --cert partner-ca.pem \\
      --own client.p12 --key-password-env KEY_PASS --out truststore.jks
"""
)
@click.option("--url", help="Fetch the partner server's certificate chain from this address.")
@click.option(
    "--cert",
    "cert_files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A certificate file to trust: PEM, DER or PKCS#7 (repeatable).",
)
@click.option(
    "--own",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also trust your own chain, from your keystore or key pair file.",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path))
@format_option
@force_option
@network_option
@password_options("truststore", "store", "key")
@json_option
@reports_problems(*PROBLEMS)
def truststore(
    url: str | None,
    cert_files: tuple[Path, ...],
    own: Path | None,
    out: Path | None,
    format_name: str | None,
    force: bool,
    allow_network: tuple[str, ...],
    as_json: bool,
    **passwords: Any,
) -> None:
    """Build a truststore from the partner's server, certificate files and your own chain."""
    if not (url or cert_files or own):
        raise click.UsageError("Give --url, --cert or --own: something to trust.")
    fmt = choose_format(format_name, out)
    out = out or Path(default_file_name("truststore", fmt))
    found: list[tuple[Any, str]] = []
    warnings: list[str] = []
    if url:
        timeout = fetch_timeout()
        chain = collect_partner_chain(
            url,
            policy=outbound_policy(allow_network),
            extra_roots=extra_root_paths(os.environ.get("FLASK_EXTRA_ROOTS")),
            connect_timeout=timeout,
            handshake_timeout=timeout,
        )
        found += [(item.certificate, item.source) for item in chain.certificates]
        warnings += chain.warnings
    for path in cert_files:
        try:
            found += [(cert, "file") for cert in parse_certificates(read_input(path))]
        except CertificateParseError as error:
            raise InputProblem(f"{path}: {error}") from None
    if own:
        found += [(cert, "own") for cert in load_own_chain(read_input(own), passwords)]
    certs = dedupe(cert for cert, _ in found)
    entries: list[tuple[str, Any]] = []
    for cert in certs:
        entries.append((suggest_alias(cert, taken=[alias for alias, _ in entries]), cert))
    password = read_password(passwords, "truststore", new=True, format=fmt)
    assert password is not None
    write_output(out, build_truststore(entries=entries, password=password, format=fmt), force=force)
    described = [{"alias": alias, **describe_chain([cert])[0]} for alias, cert in entries]
    for warning in warnings:
        click.echo(f"Warning: {warning}", err=True)
    emit(
        as_json,
        {
            "ok": True,
            "file": str(out),
            "format": fmt.value,
            "type": fmt.java_type,
            "entries": described,
            "warnings": warnings,
        },
        [
            f"Wrote {out} ({fmt.label}) with {len(entries)} trusted certificate(s):",
            *(f"  {d['alias']}: " + certificate_lines([d])[0].strip() for d in described),
        ],
    )


@main.command(
    epilog="""\b
Example:
  mtls-kit config --keystore keystore.jks --truststore truststore.jks \\
      --url https://partner.example/in --folder /opt/certs --style jvm --mask \\
      --store-password-env STORE_PASS --truststore-password-env TRUST_PASS
"""
)
@click.option(
    "--keystore", "keystore_path", required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option(
    "--truststore",
    "truststore_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
)
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
    target = parse_target(url)  # the fetcher's rule: a usable https address
    typed = url.strip()
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


@main.command(
    epilog="""\b
Examples:
  mtls-kit inspect partner-chain.pem
  mtls-kit inspect keystore.p12 --store-password-env STORE_PASS --json
"""
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@password_options("store", "key")
@json_option
@reports_problems(*PROBLEMS)
def inspect(file: Path, as_json: bool, **passwords: Any) -> None:
    """Show what a key pair file, certificate bundle or store holds, with expiry dates."""
    data = read_input(file)
    fmt = detect_format(data)
    key_file = passwords.get("key_password_env") or passwords.get("key_password_file")
    # A .p12 opened with the key pair file password is read as the page reads key pairs
    # (every key of a keytool-made file); with the store password, as a store.
    if fmt is StoreFormat.JKS or (fmt is StoreFormat.PKCS12 and not key_file):
        password = read_password(passwords, "store")
        assert password is not None
        contents = read_store(data, password)
        entries = [
            {"alias": e.alias, "kind": e.kind, "certificates": describe_chain(e.certificates)}
            for e in contents.entries
        ]
        emit(
            as_json,
            {"ok": True, "kind": "store", "format": fmt.value, "entries": entries},
            [f"{file}: {fmt.label} store with {len(entries)} entry(ies)", *store_lines(entries)],
        )
        return
    if b"PRIVATE KEY" not in data:
        try:
            certs = describe_chain(parse_certificates(data))
        except CertificateParseError:
            certs = []
        if certs:
            emit(
                as_json,
                {"ok": True, "kind": "certificates", "certificates": certs},
                [f"{file}: {len(certs)} certificate(s)", *certificate_lines(certs)],
            )
            return
    pairs = load_pairs(data, None, passwords)
    described = [
        {
            "alias": p.source_alias,
            "kind": "key pair",
            "key": p.key_description,
            "certificates": describe_chain(p.chain),
        }
        for p in pairs
    ]
    emit(
        as_json,
        {"ok": True, "kind": "key pairs", "entries": described},
        [f"{file}: {len(described)} key pair(s)", *store_lines(described)],
    )


@main.command(
    name="test",
    epilog="""\b
Example:
  mtls-kit test https://partner.example/in --keystore keystore.jks \\
      --truststore truststore.jks --store-password-env STORE_PASS \\
      --truststore-password-env TRUST_PASS --json
""",
)
@click.argument("url")
@click.option(
    "--keystore", "keystore_path", required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option(
    "--truststore",
    "truststore_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
)
@network_option
@password_options("store", "truststore")
@json_option
@reports_problems(*PROBLEMS)
def connection_test(
    url: str,
    keystore_path: Path,
    truststore_path: Path,
    allow_network: tuple[str, ...],
    as_json: bool,
    **passwords: Any,
) -> None:
    """Connect to the partner with your keystore and truststore: the mutual-TLS test."""
    try:
        engine = importlib.import_module(CONNECTION_TEST)
    except ModuleNotFoundError as error:
        if error.name != CONNECTION_TEST:
            raise
        raise InputProblem("The connection test is not available in this version.") from None
    pair = stored_key_pair(
        read_store(read_input(keystore_path), read_password(passwords, "store") or "")
    )
    trusted = read_store(read_input(truststore_path), read_password(passwords, "truststore") or "")
    anchors = [
        cert
        for entry in trusted.entries
        if entry.kind == "trustedCertEntry"
        for cert in entry.certificates
    ]
    result = engine.test_connection(
        url, key_pair=pair, trust_anchors=anchors, policy=outbound_policy(allow_network)
    )
    report = {
        "ok": result.outcome == "accepted",
        "outcome": result.outcome,
        "headline": result.headline,
        "next_step": result.next_step,
        "detail": getattr(result, "detail", None),
    }
    emit(as_json, report, [line for line in (result.headline, result.next_step) if line])
    if result.outcome != "accepted":
        sys.exit(1)


if __name__ == "__main__":
    main()
