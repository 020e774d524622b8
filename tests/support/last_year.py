"""Last year's files for the renewal tests (issue 21), made with the app's own builders.

The user's key pair expires in 20 days; the new one (same CA, same name) in a year. The
partner is the shared throw-away PKI's 127.0.0.1 server: last year's truststore holds the
partner certificate it used then, which it no longer sends. The zip is built exactly as
"Download all" builds it (views/files.bundle_file): build_bundle with destination.json,
the certificate, the reminder and the four settings files.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass

from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

from tests.support.mtls_server import MtlsServer
from tests.support.throwaway_pki import Issued, ThrowawayCA
from webapp.pki.certs import describe_certificate
from webapp.pki.java import (
    DestinationConfig,
    StoreFormat,
    build_bundle,
    build_keystore,
    build_truststore,
    consumer_snippets,
    expiry_reminder,
    file_path,
    safe_file_name,
    suggest_alias,
)
from webapp.pki.renewal import SNIPPET_FILE_NAMES

__all__ = [
    "KEY_FILE_PASSWORD",
    "LastYearSetup",
    "RenewalWorld",
    "last_year_files",
    "last_year_zip",
    "members",
    "new_p12",
]

NOW = dt.datetime.now(dt.UTC)
KEY_FILE_PASSWORD = "new-Key-file-pw 1"  # throw-away passwords for throw-away keys


@dataclass(frozen=True)
class RenewalWorld:
    user_ca: ThrowawayCA
    old: Issued  # last year's key pair: expires in 20 days
    new: Issued  # this year's: same CA, same name, a year
    partner_ca: ThrowawayCA
    partner_old: Issued  # the server certificate the partner used last year
    partner: Issued  # the one it sends now (CN=127.0.0.1)

    @classmethod
    def make(cls, partner_ca: ThrowawayCA, partner: Issued) -> RenewalWorld:
        user_ca = ThrowawayCA("Renewal User Root", key_kind="ec256")
        old = user_ca.issue_client(
            "Renewal Client",
            key_kind="ec256",
            not_before=NOW - dt.timedelta(days=345),
            not_after=NOW + dt.timedelta(days=20),
        )
        new = user_ca.issue_client("Renewal Client", key_kind="ec256")
        partner_old = partner_ca.issue_server("127.0.0.1", key_kind="ec256")
        return cls(user_ca, old, new, partner_ca, partner_old, partner)

    def server(self) -> MtlsServer:
        """The partner's server: its chain without the root; accepts the user's CA only."""
        return MtlsServer(
            chain=self.partner.full_chain[:-1],
            key=self.partner.key,
            verify="required",
            trusted_client_cas=[self.user_ca.root.cert],
            listed_cas=[self.user_ca.root.cert],
        )


@dataclass(frozen=True)
class LastYearSetup:
    """How last year's files were made: names, formats, passwords, URL and folder."""

    url: str
    keystore_format: StoreFormat = StoreFormat.JKS
    truststore_format: StoreFormat = StoreFormat.JKS
    keystore_name: str = "keystore.jks"
    truststore_name: str = "truststore.jks"
    alias: str = "acme-client"
    keystore_password: str = "ks-Pass-2025"
    truststore_password: str = "ts-Pass-2025"
    method: str = "PUT"
    folder: str = "/opt/integration/certs"

    @property
    def destination(self) -> DestinationConfig:
        return DestinationConfig(
            url=self.url,
            method=self.method,
            keystore_file=file_path(self.folder, self.keystore_name),
            keystore_pass=self.keystore_password,
            truststore_file=file_path(self.folder, self.truststore_name),
            truststore_pass=self.truststore_password,
        )


def last_year_files(world: RenewalWorld, setup: LastYearSetup) -> dict[str, bytes]:
    """The keystore, the truststore and destination.json, as deployed on the platform."""
    keystore = build_keystore(
        alias=setup.alias,
        private_key=world.old.key,
        chain=world.old.full_chain,
        password=setup.keystore_password,
        format=setup.keystore_format,
    )
    trusted = [*world.partner_old.full_chain, *world.old.full_chain]  # partner's, then own
    entries: list[tuple[str, object]] = []
    for cert in trusted:
        entries.append((suggest_alias(cert, taken=[a for a, _ in entries]), cert))
    truststore = build_truststore(
        entries=entries,  # type: ignore[arg-type]
        password=setup.truststore_password,
        format=setup.truststore_format,
    )
    return {
        setup.keystore_name: keystore,
        setup.truststore_name: truststore,
        "destination.json": setup.destination.to_json().encode(),
    }


def last_year_zip(world: RenewalWorld, setup: LastYearSetup) -> bytes:
    """mtls-files.zip as "Download all" made it last year."""
    files = last_year_files(world, setup)
    destination = setup.destination
    partner = world.partner_old.full_chain
    snippets = consumer_snippets(
        destination,
        keystore_format=setup.keystore_format,
        truststore_format=setup.truststore_format,
    )
    return build_bundle(
        keystore=(setup.keystore_name, files[setup.keystore_name]),
        truststore=(setup.truststore_name, files[setup.truststore_name]),
        config=("destination.json", files["destination.json"]),
        certificate=(
            safe_file_name(setup.alias, fallback="certificate.pem", extension=".pem"),
            world.old.cert_pem(),
        ),
        destination=destination,
        own=describe_certificate(world.old.cert),
        trusted=[describe_certificate(c) for c in [*partner, *world.old.full_chain]],
        own_chain=[describe_certificate(c) for c in world.old.full_chain],
        reminder=expiry_reminder(own=world.old.full_chain, partner=partner),
        extra_files=[(SNIPPET_FILE_NAMES[s.key], s.text.encode()) for s in snippets],
    )


def new_p12(
    world: RenewalWorld, *, with_chain: bool = False, password: str = KEY_FILE_PASSWORD
) -> bytes:
    """This year's key pair file; by default the leaf alone, as some CAs hand it out."""
    return pkcs12.serialize_key_and_certificates(
        b"Renewal Client",
        world.new.key,  # type: ignore[arg-type]
        world.new.cert,
        world.new.chain if with_chain else None,
        BestAvailableEncryption(password.encode()),
    )


def members(zip_bytes: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
