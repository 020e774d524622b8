"""The finished bundle: every file the user needs, and a README.txt in plain words
(written by readme.py, in the reader's language; the member names never change)."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Sequence

from webapp.pki.certs.describe import CertificateSummary
from webapp.pki.java.destination import DestinationConfig
from webapp.pki.java.file_names import FileNameError, check_distinct, safe_file_name
from webapp.pki.java.readme import ConnectionTestNote, next_steps
from webapp.pki.java.reminder import ExpiryReminder
from webapp.translation import _

__all__ = ["ConnectionTestNote", "FileNameError", "build_bundle", "next_steps"]

File = tuple[str, bytes]


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
        other_files=[name for name, _unused in extras],
        connection_test=connection_test,
    )
    return _zip((keystore, truststore, config, certificate), readme, reminder, extras)


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
    names = [name.lower() for name, _unused in (keystore, truststore, config, certificate, *extras)]
    names += ["readme.txt"] + (["reminder.ics"] if reminder is not None else [])
    if len(set(names)) != len(names):
        raise FileNameError(
            _("Two of the files would have the same name. Choose different file names.")
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


def _store_extension(name: str) -> str:
    """Keep a store's own extension (.jks, or .p12/.pfx for PKCS#12: issue 14)."""
    lowered = name.lower()
    return next((ext for ext in (".p12", ".pfx", ".jks") if lowered.endswith(ext)), ".jks")
