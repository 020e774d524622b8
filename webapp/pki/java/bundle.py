"""The finished bundle: every file the user needs, and a README.txt in plain words."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

from webapp.pki.certs.describe import CertificateSummary
from webapp.pki.java.destination import DestinationConfig
from webapp.pki.java.file_names import FileNameError, check_distinct, safe_file_name

__all__ = ["FileNameError", "build_bundle", "next_steps"]

File = tuple[str, bytes]


def build_bundle(*, keystore: File, truststore: File, config: File, certificate: File,
                 destination: DestinationConfig, own: CertificateSummary,
                 trusted: Sequence[CertificateSummary]) -> bytes:
    """A zip of the keystore, truststore, config, the user's certificate and README.txt.

    Member names always pass the safe-name rule (never raw input: an alias or a saved name
    cannot become "../x" or "/etc/..."); the keystore and truststore must have different
    names, else FileNameError (two members of one name, one file on the platform).
    """
    check_distinct(keystore[0], truststore[0])
    keystore = (safe_file_name(keystore[0], fallback="keystore.jks", extension=".jks"),
                keystore[1])
    truststore = (safe_file_name(truststore[0], fallback="truststore.jks", extension=".jks"),
                  truststore[1])
    config = (safe_file_name(config[0], fallback="destination.json", extension=".json"),
              config[1])
    certificate = (safe_file_name(certificate[0], fallback="certificate.pem", extension=".pem"),
                   certificate[1])
    names = [name.lower() for name, _ in (keystore, truststore, config, certificate)]
    if len(set(names + ["readme.txt"])) != 5:
        raise FileNameError("Two of the files would have the same name. "
                            "Choose different file names.")
    readme = next_steps(keystore_name=keystore[0], truststore_name=truststore[0],
                        certificate_name=certificate[0], destination=destination,
                        own=own, trusted=trusted)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in (keystore, truststore, config, certificate):
            archive.writestr(name, data)
        archive.writestr("README.txt", readme.encode())
    return buffer.getvalue()


def next_steps(*, keystore_name: str, truststore_name: str, certificate_name: str,
               destination: DestinationConfig, own: CertificateSummary,
               trusted: Sequence[CertificateSummary]) -> str:
    """The README.txt: where the files go, what to send to whom, when things expire."""
    soonest = min(trusted, key=lambda s: s.not_after) if trusted else None
    lines = [
        "Your mutual TLS files",
        "=====================",
        "",
        f"{keystore_name}     your key pair (private key + certificate chain). Keep it secret.",
        f"{truststore_name}   the certificates you trust: the partner's server chain and your own.",
        "destination.json    the settings for the platform's HTTPS destination. It holds both",
        "                    passwords: store it like a password and delete copies you do not need.",
        f"{certificate_name}  your certificate (public). This is the file to send to the partner.",
        "",
        "Next steps",
        "----------",
        f"1. Copy {keystore_name} and {truststore_name} to the platform's server, to the paths",
        f"   named in destination.json ({destination.keystore_file} and {destination.truststore_file}).",
        "2. Add keystoreFile, keystorePass, truststoreFile and truststorePass from destination.json",
        f"   to the JSON of the destination for {destination.url or 'the partner URL'}.",
        f"3. Email {certificate_name} to the partner's server administrator, so their server accepts",
        "   your connections. Never send the keystore or a password.",
        "4. Send a test message. If the partner refuses the connection, check with them that they",
        "   installed your certificate.",
        "",
        "When things expire",
        "------------------",
        f"Your certificate ({own.common_name or own.subject}) expires on {own.not_after:%d %B %Y}."
        " Renew it before then and build a new keystore.",
    ]
    if soonest is not None:
        lines.append(
            f"The first trusted certificate to expire is {soonest.common_name or soonest.subject},"
            f" on {soonest.not_after:%d %B %Y}. The partner must renew it; then rebuild the truststore."
        )
    return "\n".join(lines) + "\n"
