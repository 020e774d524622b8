"""Helpers of the `mtls-kit` commands: opening inputs through the PKI core, describing results."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import click
from cryptography import x509

from webapp.cli_support import InputProblem, read_password
from webapp.pki.certs import describe_certificate
from webapp.pki.java import StoreContents, StoreFormat, detect_format, read_store
from webapp.pki.keyimport import KeyPair, PasswordRequiredError, load_key_pairs
from webapp.pki.keys import unsupported_key_reason
from webapp.pki.partner import OutboundPolicy

__all__ = [
    "certificate_lines",
    "describe_chain",
    "load_own_chain",
    "load_pairs",
    "outbound_policy",
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
            raise InputProblem(f"{error} Give it with --key-password-env NAME or "
                               "--key-password-file PATH.") from None
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
        raise InputProblem(f"--own: this file holds {len(pairs)} key pairs; give a keystore "
                           "or key pair file with just yours.")
    return list(pairs[0].chain)


def stored_key_pair(contents: StoreContents) -> KeyPair:
    """The one key entry of a keystore, as the key pair it was built from."""
    keys = [entry for entry in contents.entries if entry.kind == "PrivateKeyEntry"]
    if len(keys) != 1 or keys[0].private_key is None:
        raise InputProblem("The keystore must hold exactly one key entry.")
    entry = keys[0]
    reason = unsupported_key_reason(entry.private_key)
    if reason is not None:
        raise InputProblem(reason)
    chain = entry.certificates
    return KeyPair(entry.private_key, chain[0], chain, entry.alias)  # type: ignore[arg-type]


def outbound_policy(allowed: Iterable[str]) -> OutboundPolicy:
    """The portal's policy (FLASK_FETCH_ALLOWED_NETWORKS) plus --allow-network networks."""
    try:
        configured = OutboundPolicy.from_config(os.environ.get("FLASK_FETCH_ALLOWED_NETWORKS"))
    except ValueError as error:
        raise InputProblem(str(error)) from None
    try:
        extra = OutboundPolicy.from_config(list(allowed))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--allow-network") from None
    return OutboundPolicy(configured.allowed_networks + extra.allowed_networks)


def describe_chain(certs: Iterable[x509.Certificate]) -> list[dict[str, Any]]:
    """What `inspect` and --json show of each certificate."""
    described = []
    for cert in certs:
        summary = describe_certificate(cert)
        described.append({
            "subject": summary.subject, "issuer": summary.issuer,
            "not_after": summary.not_after.date().isoformat(), "days_left": summary.days_left,
            "status": summary.status,
            "sha256": summary.sha256_fingerprint,
        })
    return described


def certificate_lines(certs: Sequence[dict[str, Any]], indent: str = "  ") -> list[str]:
    return [f"{indent}{c['subject']} — expires {c['not_after']} "
            f"({_days(c['days_left'])})" for c in certs]


def store_lines(entries: Sequence[dict[str, Any]]) -> list[str]:
    lines = []
    for entry in entries:
        lines.append(f"  {entry['alias'] or '(no name)'}: {entry['kind']}")
        lines += certificate_lines(entry["certificates"], indent="    ")
    return lines


def _days(days: int) -> str:
    return f"expired {-days} days ago" if days < 0 else f"{days} days left"
