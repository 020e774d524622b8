"""The finished bundle: every file the user needs, and a README.txt in plain words."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from webapp.pki.certs.describe import CertificateSummary
from webapp.pki.java.destination import DestinationConfig
from webapp.pki.java.file_names import FileNameError, check_distinct, safe_file_name
from webapp.pki.java.reminder import ExpiryReminder
from webapp.pki.text import one_line_each

__all__ = ["ConnectionTestNote", "FileNameError", "build_bundle", "next_steps"]

File = tuple[str, bytes]


@dataclass(frozen=True)
class ConnectionTestNote:
    """The last connection test with these files (issue 11), for the README."""

    tested_at: str  # as people read it, e.g. "30 November 2026, 19:40 UTC"
    url: str
    outcome: str  # the outcome code, e.g. "accepted"
    headline: str  # its plain sentence


def build_bundle(
    *,
    keystore: File,
    truststore: File,
    config: File,
    certificate: File,
    destination: DestinationConfig,
    own: CertificateSummary,
    trusted: Sequence[CertificateSummary],
    own_chain: Sequence[CertificateSummary] = (),
    reminder: ExpiryReminder | None = None,
    extra_files: Sequence[File] = (),
    connection_test: ConnectionTestNote | None = None,
) -> bytes:
    """A zip of the keystore, truststore, config, the user's certificate and README.txt
    (and reminder.ics, when a `reminder` is given: issue 13; and `extra_files`, such as the
    settings for other Java consumers: issue 14).

    Member names always pass the safe-name rule (never raw input: an alias or a saved name
    cannot become "../x" or "/etc/..."); the keystore and truststore must have different
    names, else FileNameError (two members of one name, one file on the platform).
    """
    keystore, truststore, config, certificate, extras = _safe_members(
        keystore, truststore, config, certificate, extra_files, reminder=reminder
    )
    readme = next_steps(
        keystore_name=keystore[0],
        truststore_name=truststore[0],
        certificate_name=certificate[0],
        destination=destination,
        own=own,
        trusted=trusted,
        own_chain=own_chain,
        reminder=reminder,
        other_files=[name for name, _ in extras],
        connection_test=connection_test,
    )
    return _zip((keystore, truststore, config, certificate), readme, reminder, extras)


def next_steps(
    *,
    keystore_name: str,
    truststore_name: str,
    certificate_name: str,
    destination: DestinationConfig,
    own: CertificateSummary,
    trusted: Sequence[CertificateSummary],
    own_chain: Sequence[CertificateSummary] = (),
    reminder: ExpiryReminder | None = None,
    other_files: Sequence[str] = (),
    connection_test: ConnectionTestNote | None = None,
) -> str:
    """The README.txt: where the files go, what to send to whom, when things expire.

    Each expiry names who renews it (issue 12): the user renews their own certificate, their
    certificate authority its own certificates, the partner theirs. Every line goes through
    one_line: names from certificates (the partner's, fetched from their server) and typed
    values can never add a line of their own (issue 19).
    """
    ours = {s.sha256_fingerprint for s in (own, *own_chain)}
    partner = [s for s in trusted if s.sha256_fingerprint not in ours]
    own_authorities = [s for s in own_chain if s.sha256_fingerprint != own.sha256_fingerprint]
    lines = _files_and_steps(keystore_name, truststore_name, certificate_name, destination)
    lines += _expiry_lines(own, own_authorities, partner)
    lines += _optional_sections(reminder, other_files, connection_test)
    return "\n".join(one_line_each(lines)) + "\n"


def _safe_members(
    keystore: File,
    truststore: File,
    config: File,
    certificate: File,
    extra_files: Sequence[File],
    *,
    reminder: ExpiryReminder | None,
) -> tuple[File, File, File, File, list[File]]:
    """The members under safe, distinct names (the rule in build_bundle's docstring)."""
    check_distinct(keystore[0], truststore[0])
    keystore = (
        safe_file_name(
            keystore[0], fallback="keystore.jks", extension=_store_extension(keystore[0])
        ),
        keystore[1],
    )
    truststore = (
        safe_file_name(
            truststore[0], fallback="truststore.jks", extension=_store_extension(truststore[0])
        ),
        truststore[1],
    )
    config = (safe_file_name(config[0], fallback="destination.json", extension=".json"), config[1])
    certificate = (
        safe_file_name(certificate[0], fallback="certificate.pem", extension=".pem"),
        certificate[1],
    )
    extras = [
        (
            safe_file_name(
                name, fallback=f"file-{index}.txt", extension=os.path.splitext(name)[1].lower()
            ),
            data,
        )
        for index, (name, data) in enumerate(extra_files, start=1)
    ]
    names = [name.lower() for name, _ in (keystore, truststore, config, certificate, *extras)]
    names += ["readme.txt"] + (["reminder.ics"] if reminder is not None else [])
    if len(set(names)) != len(names):
        raise FileNameError(
            "Two of the files would have the same name. Choose different file names."
        )
    return keystore, truststore, config, certificate, extras


def _zip(
    files: Sequence[File],
    readme: str,
    reminder: ExpiryReminder | None,
    extras: Sequence[File],
) -> bytes:
    """The zip: `files` (stores, config, certificate), README.txt, reminder.ics, the extras."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
        archive.writestr("README.txt", readme.encode())
        if reminder is not None:
            archive.writestr("reminder.ics", reminder.ics())
        for name, data in extras:
            archive.writestr(name, data)
    return buffer.getvalue()


def _files_and_steps(
    keystore_name: str,
    truststore_name: str,
    certificate_name: str,
    destination: DestinationConfig,
) -> list[str]:
    """What each file is, and the steps to put them in place."""
    return [
        "Your mutual TLS files",
        "=====================",
        "",
        f"{keystore_name}     your key pair (private key + certificate chain). Keep it secret.",
        f"{truststore_name}   the certificates you trust: the partner's server chain and your own.",
        "destination.json    the settings for the platform's HTTPS destination. It holds both",
        "                    passwords: store it like a password; delete copies you do not need.",
        f"{certificate_name}  your certificate (public). This is the file to send to the partner.",
        "",
        "Next steps",
        "----------",
        f"1. Copy {keystore_name} and {truststore_name} to the platform's server, to the paths",
        f"   named in destination.json ({destination.keystore_file} and "
        f"{destination.truststore_file}).",
        "2. Add keystoreFile, keystorePass, truststoreFile and truststorePass from",
        "   destination.json to the JSON of the destination for "
        f"{destination.url or 'the partner URL'}.",
        f"3. Email {certificate_name} to the partner's server administrator, so their server",
        "   accepts your connections. Never send the keystore or a password.",
        "4. Send a test message. If the partner refuses the connection, check with them that they",
        "   installed your certificate.",
        "",
    ]


def _expiry_lines(
    own: CertificateSummary,
    own_authorities: Sequence[CertificateSummary],
    partner: Sequence[CertificateSummary],
) -> list[str]:
    """When things expire, and who renews each (issue 12)."""
    lines = [
        "When things expire",
        "------------------",
        f"Your certificate ({own.subject_name}) expires on {own.not_after:%d %B %Y}. You renew",
        "it: ask your certificate authority or IT team for a new one, build a new keystore with",
        "it, and send the new certificate to the partner before the old one expires.",
    ]
    if own_authorities:
        soonest_ca = min(own_authorities, key=lambda s: s.not_after)
        lines += [
            "",
            f"Your certificate authority's certificate {soonest_ca.subject_name} expires on",
            f"{soonest_ca.not_after:%d %B %Y}. Your certificate authority renews it; then build",
            "both stores again.",
        ]
    if partner:
        soonest = min(partner, key=lambda s: s.not_after)
        lines += [
            "",
            f"The first of the partner's certificates to expire is {soonest.subject_name}, on",
            f"{soonest.not_after:%d %B %Y}. The partner renews it, not you; when they do, fetch",
            "their certificates again with this tool and build a new truststore.",
        ]
    return lines


def _optional_sections(
    reminder: ExpiryReminder | None,
    other_files: Sequence[str],
    connection_test: ConnectionTestNote | None,
) -> list[str]:
    """The parts only some bundles have: the reminder, other Java setups, the last test."""
    lines: list[str] = []
    if reminder is not None:
        lines += ["", reminder.readme_sentence()]
    if other_files:
        lines += [
            "",
            "Settings for other Java setups",
            "------------------------------",
            "The same files and passwords for a Spring Boot service, any Java application or",
            f"your own code: {', '.join(other_files)}.",
            "They hold the passwords too (all but the code sample): keep them as safe.",
        ]
    if connection_test is not None:
        lines += [
            "",
            "Connection test",
            "---------------",
            f"Tested on {connection_test.tested_at} against {connection_test.url}:",
            f"{connection_test.outcome}: {connection_test.headline}",
        ]
    return lines


def _store_extension(name: str) -> str:
    """Keep a store's own extension (.jks, or .p12/.pfx for PKCS#12: issue 14)."""
    lowered = name.lower()
    return next((ext for ext in (".p12", ".pfx", ".jks") if lowered.endswith(ext)), ".jks")
