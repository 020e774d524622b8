"""Last year's stores written by the JDK's keytool, not by us: they open, and the renewal
keeps their format, names and alias (issue 21)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.support.java import keytool_list, run_mtls_client
from tests.support.keytool_stores import KEY_PASSWORD, STORE_PASSWORD, KeytoolStores
from tests.support.mtls_server import MtlsServer
from tests.support.throwaway_pki import Issued, ThrowawayCA
from webapp.pki.java import DestinationConfig, StoreFormat, open_store
from webapp.pki.keyimport import KeyPair
from webapp.pki.partner import OutboundPolicy
from webapp.pki.renewal import Network, PasswordMissingError, open_last_year, renew


def destination(url: str, keystore: str, truststore: str) -> bytes:
    return (
        DestinationConfig(
            url=url,
            method="POST",
            keystore_file=f"C:\\integration\\certs\\{keystore}",
            keystore_pass=STORE_PASSWORD,
            truststore_file=f"C:\\integration\\certs\\{truststore}",
            truststore_pass=STORE_PASSWORD,
        )
        .to_json()
        .encode()
    )


@pytest.mark.parametrize("suffix", ["jks", "p12"])
def test_keytool_stores_renew_in_their_own_format(
    keytool_stores: KeytoolStores,
    lifecycle_ca: ThrowawayCA,
    lifecycle_server: Issued,
    tmp_path: Path,
    suffix: str,
) -> None:
    fmt = StoreFormat.JKS if suffix == "jks" else StoreFormat.PKCS12
    server = MtlsServer(
        chain=lifecycle_server.full_chain[:-1],
        key=lifecycle_server.key,
        trusted_client_cas=[lifecycle_ca.root.cert],
        listed_cas=[lifecycle_ca.root.cert],
    )
    keystore, truststore = f"imported.{suffix}", f"truststore.{suffix}"
    with server:
        files = [
            (keystore, keytool_stores.files[keystore]),
            (truststore, keytool_stores.files[truststore]),
            ("destination.json", destination(server.url, keystore, truststore)),
        ]
        last = open_last_year(files)
        assert last.folder == "C:\\integration\\certs"
        assert last.keystore.format is fmt and last.truststore.format is fmt
        new = lifecycle_ca.issue_client(
            "Last Year Client",
            key_kind="ec256",
            not_after=dt.datetime.now(dt.UTC) + dt.timedelta(days=400),
        )
        pair = KeyPair(new.key, new.cert, tuple(new.full_chain))  # type: ignore[arg-type]
        network = Network(
            OutboundPolicy.from_config(["127.0.0.0/8"]),
            extra_roots=[keytool_stores.path("root.pem")],
        )

        renewal = renew(last, pair, network=network)

        assert renewal.connection.outcome == "accepted"
        for name, data in (renewal.keystore, renewal.truststore):
            (tmp_path / name).write_bytes(data)
        assert (renewal.keystore[0], renewal.truststore[0]) == (keystore, truststore)
        listing = keytool_list(tmp_path / keystore, STORE_PASSWORD, storetype=fmt.java_type)
        assert listing.entries == {last.alias: ("PrivateKeyEntry", 3)}
        assert open_store(renewal.keystore[1], STORE_PASSWORD).key_entry().certificate == new.cert
        keytool_list(tmp_path / truststore, STORE_PASSWORD, storetype=fmt.java_type)
        result = run_mtls_client(
            "127.0.0.1",
            server.port,
            tmp_path / keystore,
            STORE_PASSWORD,
            tmp_path / truststore,
            STORE_PASSWORD,
            keystore_type=fmt.java_type,
            truststore_type=fmt.java_type,
        )
    assert result.returncode == 0, result.stderr


def test_a_key_with_its_own_password_asks_for_the_key_password(
    keytool_stores: KeytoolStores,
) -> None:
    files = [
        ("own-key-password.jks", keytool_stores.files["own-key-password.jks"]),
        ("truststore.jks", keytool_stores.files["truststore.jks"]),
        (
            "destination.json",
            destination("https://partner.example", "own-key-password.jks", "truststore.jks"),
        ),
    ]

    with pytest.raises(PasswordMissingError) as error:
        open_last_year(files)
    assert error.value.field == "key_password"

    last = open_last_year(files, key_password=KEY_PASSWORD)
    assert last.alias == "client"
