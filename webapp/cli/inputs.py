"""Helpers of the `mtls-kit` commands: opening inputs through the PKI core, describing results."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import click
from cryptography import x509

from webapp.cli.support import InputProblem, read_input, read_password
from webapp.pki.certs import describe_certificate
from webapp.pki.java import (
    DestinationConfig,
    StoreContents,
    StoreFormat,
    consumer_snippets,
    detect_format,
    read_store,
    store_format,
)
from webapp.pki.keyimport import KeyPair, PasswordRequiredError, load_key_pairs
from webapp.pki.keys import unsupported_key_reason
from webapp.pki.partner import OutboundPolicy
from webapp.pki.partner.settings import Settings
from webapp.pki.text import one_line

__all__ = [
    "certificate_lines",
    "choose_format",
    "describe_chain",
    "fetch_timeout",
    "load_own_chain",
    "load_pairs",
    "open_configured_stores",
    "outbound_policy",
    "settings",
    "settings_text",
    "store_lines",
    "stored_key_pair",
]


def load_pairs(data: bytes, extra: bytes | None, params: dict[str, Any]) -> list[KeyPair]:
    """The key pairs in a file, as the page reads them; asks for a password only if needed."""
    given = params.get("key_password_env") or params.get("key_password_file")
    password = read_password(params, "key") if given else None
    try:
        return load_key_pairs(data, password, extra=extra)
    except PasswordRequiredError as error:
        if given or not sys.stdin.isatty():
            raise InputProblem(
                f"{error} Give it with --key-password-env NAME or --key-password-file PATH."
            ) from None
    return load_key_pairs(data, read_password(params, "key"), extra=extra)


def load_own_chain(data: bytes, params: dict[str, Any]) -> list[x509.Certificate]:
    """Your own chain (leaf first) from a keystore (JKS, or PKCS#12 opened with the store
    password) or a key pair file (.p12 with the key pair file password, PEM)."""
    store_password_given = params.get("store_password_env") or params.get("store_password_file")
    found = detect_format(data)
    if found is StoreFormat.JKS or (found is StoreFormat.PKCS12 and store_password_given):
        password = read_password(params, "store")
        return list(stored_key_pair(read_store(data, password or "")).chain)
    pairs = load_pairs(data, None, params)
    if len(pairs) != 1:
        raise InputProblem(
            f"--own: this file holds {len(pairs)} key pairs; give a keystore "
            "or key pair file with just yours."
        )
    return list(pairs[0].chain)


def stored_key_pair(contents: StoreContents) -> KeyPair:
    """The one key entry of a keystore, as the key pair it was built from."""
    keys = [entry for entry in contents.entries if entry.kind == "PrivateKeyEntry"]
    key = keys[0].private_key if len(keys) == 1 else None
    if key is None:
        raise InputProblem("The keystore must hold exactly one key entry.")
    reason = unsupported_key_reason(key)
    if reason is not None:
        raise InputProblem(reason)
    chain = keys[0].certificates
    return KeyPair(key, chain[0], chain, keys[0].alias)  # type: ignore[arg-type]


def settings(allowed: Iterable[str] = ()) -> Settings:
    """The portal's outbound settings (Settings.from_env: proxy, timeout, allowed networks,
    extra roots) plus the --allow-network networks."""
    try:
        configured = Settings.from_env()
    except ValueError as error:
        raise InputProblem(str(error)) from None
    try:
        return configured.with_networks(allowed)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--allow-network") from None


def outbound_policy(allowed: Iterable[str]) -> OutboundPolicy:
    """The portal's policy (networks and proxy) plus --allow-network networks."""
    return settings(allowed).policy


def choose_format(name: str | None, out: Path | None) -> StoreFormat:
    """--format, else what --out's extension says, else JKS; refuse a contradiction."""
    suffix = out.suffix.lower() if out is not None else ""
    by_name = {".jks": StoreFormat.JKS, ".p12": StoreFormat.PKCS12, ".pfx": StoreFormat.PKCS12}.get(
        suffix
    )
    chosen = store_format(name) if name else by_name or StoreFormat.JKS
    if out is not None and by_name is not None and by_name is not chosen:
        raise click.UsageError(
            f"{out.name} is a {by_name.label} file name but --format is "
            f"{chosen.label}: end it in {chosen.extension}, or drop --format."
        )
    return chosen


def open_configured_stores(
    keystore: Path, truststore: Path, params: dict[str, Any]
) -> dict[str, tuple[StoreFormat, str]]:
    """Open both stores with their passwords (a typo must fail here, not on the platform):
    kind -> (format, password)."""
    opened = {}
    for kind, path in (("keystore", keystore), ("truststore", truststore)):
        data = read_input(path)
        password = read_password(params, "store" if kind == "keystore" else kind) or ""
        contents = read_store(data, password)
        wanted = "PrivateKeyEntry" if kind == "keystore" else "trustedCertEntry"
        if not any(entry.kind == wanted for entry in contents.entries):
            what = "key entry" if kind == "keystore" else "trusted certificate"
            raise InputProblem(f"{path}: this {kind} holds no {what}.")
        opened[kind] = (detect_format(data) or StoreFormat.JKS, password)
    return opened


def settings_text(
    destination: DestinationConfig,
    style: str,
    *,
    keystore_format: StoreFormat,
    truststore_format: StoreFormat,
    bundle: str,
    mask: bool,
) -> str:
    """The destination JSON ("platform") or one of the other consumers' snippets."""
    if style == "platform":
        return destination.to_json(mask=mask)
    keys = {
        "spring": "spring-yaml",
        "spring-properties": "spring-properties",
        "jvm": "jvm",
        "java": "java",
    }
    snippets = consumer_snippets(
        destination,
        keystore_format=keystore_format,
        truststore_format=truststore_format,
        bundle=bundle,
        mask=mask,
    )
    return next(s.text for s in snippets if s.key == keys[style])


def fetch_timeout() -> float:
    """Seconds for connect and handshake each: FLASK_FETCH_TIMEOUT, as the portal reads it."""
    return settings().timeout


def describe_chain(certs: Iterable[x509.Certificate]) -> list[dict[str, Any]]:
    """What `inspect` and --json show of each certificate."""
    described = []
    for cert in certs:
        summary = describe_certificate(cert)
        described.append(
            {
                "subject": summary.subject,
                "issuer": summary.issuer,
                "not_after": summary.not_after.date().isoformat(),
                "days_left": summary.days_left,
                "status": summary.status,
                "sha256": summary.sha256_fingerprint,
            }
        )
    return described


def certificate_lines(certs: Sequence[dict[str, Any]], indent: str = "  ") -> list[str]:
    # Names are the file's words: one line each, no escape sequence reaches the terminal.
    return [
        f"{indent}{one_line(c['subject'])} — expires {c['not_after']} ({_days(c['days_left'])})"
        for c in certs
    ]


def store_lines(entries: Sequence[dict[str, Any]]) -> list[str]:
    lines = []
    for entry in entries:
        lines.append(f"  {one_line(entry['alias'] or '(no name)')}: {entry['kind']}")
        lines += certificate_lines(entry["certificates"], indent="    ")
    return lines


def _days(days: int) -> str:
    return f"expired {-days} days ago" if days < 0 else f"{days} days left"
