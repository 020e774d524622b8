"""`mtls-kit keystore` and `mtls-kit truststore`: build the two Java stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from cryptography import x509

from webapp.cli.inputs import (
    certificate_lines,
    choose_format,
    describe_chain,
    load_own_chain,
    load_pairs,
    settings,
)
from webapp.cli.options import (
    PROBLEMS,
    force_option,
    format_option,
    json_option,
    network_option,
    written_store,
)
from webapp.cli.support import (
    InputProblem,
    emit,
    password_options,
    read_input,
    read_password,
    reports_problems,
    write_output,
)
from webapp.pki.certs import CertificateParseError, dedupe, parse_certificates
from webapp.pki.java import (
    build_keystore,
    build_truststore,
    default_file_name,
    readiness,
    suggest_alias,
    validate_alias,
)
from webapp.pki.partner import collect_partner_chain


@click.command(
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
@click.option(
    "--alone",
    is_flag=True,
    help="Create it with my certificate alone, when the file holds none of its issuers "
    "(works when the partner already trusts the issuer).",
)
@click.option(
    "--allow-expired",
    is_flag=True,
    help="Create it even though the certificate has expired or is not valid yet (a test).",
)
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
    alone: bool,
    allow_expired: bool,
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
    refuse_unready(chosen.chain, alone=alone, allow_expired=allow_expired)
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
        {**written_store(out, fmt), "alias": java_alias, "chain": chain},
        [
            (
                f"Wrote {out} ({fmt.label}): key entry “{java_alias}” with "
                f"{len(chain)} certificate(s)."
            ),
            *certificate_lines(chain),
        ],
    )


def refuse_unready(
    chain: tuple[x509.Certificate, ...], *, alone: bool, allow_expired: bool
) -> None:
    """The page's rule for "ready" (pki.java.readiness), in the command line's words."""
    problems = readiness.keystore_problems(
        chain, alone_confirmed=alone, validity_confirmed=allow_expired
    )
    messages = [
        readiness.alone_message(chain[0], command_line=True)
        if p.field == readiness.ALONE_FIELD
        else f"{p.message} Give --allow-expired to create it anyway (for a test)."
        for p in problems
    ]
    if messages:
        raise InputProblem(" ".join(messages))


@click.command(
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
    found, warnings = certificates_to_trust(
        url, cert_files, own, allow_network=allow_network, passwords=passwords
    )
    # The page's rule (pki.java.readiness): your own chain alone trusts no partner server.
    partner = dedupe(cert for cert, source in found if source != "own")
    if readiness.truststore_problems(
        partner=len(partner), included=len(found), partner_included=len(partner)
    ):
        raise InputProblem(
            "Give --url or --cert too: your own chain alone does not let Java trust the "
            "partner's server."
        )
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
        {**written_store(out, fmt), "entries": described, "warnings": warnings},
        [
            f"Wrote {out} ({fmt.label}) with {len(entries)} trusted certificate(s):",
            *(f"  {d['alias']}: " + certificate_lines([d])[0].strip() for d in described),
        ],
    )


def certificates_to_trust(
    url: str | None,
    cert_files: tuple[Path, ...],
    own: Path | None,
    *,
    allow_network: tuple[str, ...],
    passwords: dict[str, Any],
) -> tuple[list[tuple[x509.Certificate, str]], list[str]]:
    """(certificate, source) for everything the user named, and the fetch's warnings.

    The source says where each came from ("own" for the user's chain, which alone trusts no
    partner server); duplicates are left for the caller, which counts them that way."""
    found: list[tuple[x509.Certificate, str]] = []
    warnings: list[str] = []
    if url:
        outbound = settings(allow_network)
        chain = collect_partner_chain(
            url,
            policy=outbound.policy,
            extra_roots=outbound.extra_roots,
            connect_timeout=outbound.timeout,
            handshake_timeout=outbound.timeout,
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
    return found, warnings
