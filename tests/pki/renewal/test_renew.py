"""Renewing from last year's zip (issue 21): same names, passwords, alias and format; the new
certificate; the truststore updated; proven by the JDK against a local partner server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import NoEncryption, pkcs12

from tests.support.java import keytool_list, run_mtls_client
from tests.support.last_year import (
    KEY_FILE_PASSWORD,
    LastYearSetup,
    RenewalWorld,
    last_year_zip,
    members,
    new_p12,
)
from tests.support.mtls_server import MtlsServer
from webapp.pki.java import StoreFormat, open_store
from webapp.pki.keyimport import load_key_pairs
from webapp.pki.renewal import (
    BUNDLE_NAME,
    SNIPPET_FILE_NAMES,
    LastYearError,
    Network,
    NotRenewedError,
    open_last_year,
    renew,
)

FORMATS = [(StoreFormat.JKS, StoreFormat.JKS), (StoreFormat.PKCS12, StoreFormat.PKCS12)]


def setup_for(partner: MtlsServer, keystore: StoreFormat, truststore: StoreFormat):
    return LastYearSetup(
        url=partner.url + "/in",
        keystore_format=keystore,
        truststore_format=truststore,
        keystore_name=f"acme-keys{keystore.extension}",
        truststore_name=f"acme-trust{truststore.extension}",
        alias="acme-client",
    )


def new_pair(world: RenewalWorld, *, with_chain: bool = False):
    [pair] = load_key_pairs(new_p12(world, with_chain=with_chain), KEY_FILE_PASSWORD)
    return pair


@pytest.mark.parametrize(("keystore", "truststore"), FORMATS)
def test_renewing_keeps_everything_but_the_certificate_and_java_connects(
    world: RenewalWorld,
    partner: MtlsServer,
    network: Network,
    tmp_path: Path,
    keystore: StoreFormat,
    truststore: StoreFormat,
) -> None:
    setup = setup_for(partner, keystore, truststore)
    old_zip = last_year_zip(world, setup)
    last = open_last_year([(BUNDLE_NAME, old_zip)])

    renewal = renew(last, new_pair(world), network=network)

    old, new = members(old_zip), members(renewal.bundle)
    assert sorted(new) == sorted(old)  # the same members, under the same names
    assert json.loads(new["destination.json"]) == json.loads(old["destination.json"])
    # The keystore: same alias and format, the new certificate with its chain completed
    # from last year's (the new .p12 held the leaf alone).
    opened = open_store(new[setup.keystore_name], setup.keystore_password)
    assert opened.store_type == keystore.java_type
    entry = opened.key_entry()
    assert entry.alias == setup.alias
    assert list(entry.chain) == world.new.full_chain
    assert renewal.chain_added == tuple(world.new.chain)
    # The truststore: the partner's new certificate in, the user's old one out.
    trusted = open_store(new[setup.truststore_name], setup.truststore_password)
    assert trusted.store_type == truststore.java_type
    certs = [e.certificate for e in trusted.trusted_entries]
    assert world.partner.cert in certs and world.new.cert in certs
    assert world.old.cert not in certs
    assert world.partner_old.cert in certs  # kept until the partner has switched over
    assert renewal.connection.outcome == "accepted"
    assert renewal.summary.startswith(f"Renewed: {renewal.validity}; truststore: ")
    assert "2 added, 1 removed, 5 kept" in renewal.summary
    assert "connection test: accepted" in renewal.summary
    assert "README" not in renewal.summary and len(renewal.summary.splitlines()) == 1
    assert f"valid until {_day(world.old.cert)} → {_day(world.new.cert)}" == renewal.validity

    # The JDK is the judge: keytool opens both, and Java completes the handshake with them.
    paths = {}
    for name in (setup.keystore_name, setup.truststore_name):
        paths[name] = tmp_path / name
        paths[name].write_bytes(new[name])
    listing = keytool_list(
        paths[setup.keystore_name], setup.keystore_password, storetype=keystore.java_type
    )
    assert listing.entries == {setup.alias: ("PrivateKeyEntry", 3)}
    trust_listing = keytool_list(
        paths[setup.truststore_name], setup.truststore_password, storetype=truststore.java_type
    )
    assert len(trust_listing.entries) == len(certs)
    result = run_mtls_client(
        "127.0.0.1",
        partner.port,
        paths[setup.keystore_name],
        setup.keystore_password,
        paths[setup.truststore_name],
        setup.truststore_password,
        keystore_type=keystore.java_type,
        truststore_type=truststore.java_type,
    )
    assert result.returncode == 0, result.stderr
    assert result.field("client-certificate") == "CN=Renewal Client,O=mtls-kit tests"
    assert result.field("client-chain-length") == "3"


def _day(cert) -> str:
    when = cert.not_valid_after_utc
    return f"{when.day} {when:%B %Y}"


def test_the_new_readme_and_reminder_speak_of_the_new_certificate(
    world: RenewalWorld, partner: MtlsServer, network: Network
) -> None:
    setup = setup_for(partner, *FORMATS[0])
    last = open_last_year([(BUNDLE_NAME, last_year_zip(world, setup))])

    renewal = renew(last, new_pair(world, with_chain=True), network=network)

    files = members(renewal.bundle)
    readme = files["README.txt"].decode()
    assert f"expires on {world.new.cert.not_valid_after_utc:%d %B %Y}" in readme
    assert "accepted: " in readme  # the connection test with these files
    assert files["acme-client.pem"] == world.new.cert_pem()
    assert b"spring.ssl.bundle.jks.partner." in files[SNIPPET_FILE_NAMES["spring-properties"]]
    assert renewal.chain_added == ()  # the file held its chain already
    details = "\n".join(renewal.details)
    assert "removed (replaced by your new certificate)" in details
    assert "kept (the partner no longer sends it" in details


def test_the_snippet_names_are_those_of_download_all() -> None:
    from webapp.views.wizard import SNIPPET_FILES

    assert SNIPPET_FILE_NAMES == SNIPPET_FILES


def test_last_years_certificate_is_not_a_renewal(
    world: RenewalWorld, partner: MtlsServer, network: Network
) -> None:
    setup = setup_for(partner, *FORMATS[0])
    last = open_last_year([(BUNDLE_NAME, last_year_zip(world, setup))])
    old_p12 = pkcs12.serialize_key_and_certificates(
        b"old",
        world.old.key,  # type: ignore[arg-type]
        world.old.cert,
        None,
        NoEncryption(),
    )
    [old_pair] = load_key_pairs(old_p12, None)

    with pytest.raises(NotRenewedError) as error:
        renew(last, old_pair, network=network)
    assert error.value.field == "new_key_file" and "last year's certificate" in str(error.value)


def test_without_a_url_the_renewal_asks_for_one(
    world: RenewalWorld, partner: MtlsServer, network: Network
) -> None:
    setup = LastYearSetup(url="")
    last = open_last_year([(BUNDLE_NAME, last_year_zip(world, setup))])

    with pytest.raises(LastYearError) as error:
        renew(last, new_pair(world), network=network)
    assert error.value.field == "url"

    renewal = renew(last, new_pair(world), network=network, url=partner.url)
    assert renewal.destination.url == partner.url
    assert renewal.connection.passed
