"""Opening last year's files (issue 21): the zip or the loose files, passwords by field."""

from __future__ import annotations

import json

import jks
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.support.last_year import LastYearSetup, RenewalWorld, last_year_files, last_year_zip
from tests.support.throwaway_pki import Issued
from webapp.pki.certs.describe import fingerprint_sha256
from webapp.pki.java import StoreFormat
from webapp.pki.renewal import (
    LastYearError,
    LastYearFilesError,
    PasswordMissingError,
    PasswordWrongError,
    open_last_year,
)

URL = "https://partner.example:8443/in"
FORMATS = [
    (StoreFormat.JKS, StoreFormat.JKS),
    (StoreFormat.PKCS12, StoreFormat.PKCS12),
    (StoreFormat.PKCS12, StoreFormat.JKS),
]


def setup_for(keystore: StoreFormat, truststore: StoreFormat) -> LastYearSetup:
    return LastYearSetup(
        url=URL,
        keystore_format=keystore,
        truststore_format=truststore,
        keystore_name=f"acme-keys{keystore.extension}",
        truststore_name=f"acme-trust{truststore.extension}",
        alias="acme client" if keystore is StoreFormat.PKCS12 else "acme-client",
    )


@pytest.mark.parametrize(("keystore", "truststore"), FORMATS)
def test_the_zip_restores_names_formats_alias_url_method_and_folder(
    world: RenewalWorld, keystore: StoreFormat, truststore: StoreFormat
) -> None:
    setup = setup_for(keystore, truststore)

    last = open_last_year([("mtls-files.zip", last_year_zip(world, setup))])

    assert last.from_zip
    assert (last.keystore.file_name, last.keystore.format) == (setup.keystore_name, keystore)
    assert (last.truststore.file_name, last.truststore.format) == (
        setup.truststore_name,
        truststore,
    )
    assert last.alias == setup.alias
    assert last.destination == setup.destination  # URL, method, paths and both passwords
    assert (last.destination.url, last.destination.method) == (URL, "PUT")
    assert last.folder == "/opt/integration/certs"
    assert last.bundle_name == "partner" and last.reminder_lead_days == 30
    assert last.own_chain[0] == world.old.cert


def test_what_expires_when_yours_first_then_the_partners(world: RenewalWorld) -> None:
    last = open_last_year([("mtls-files.zip", last_year_zip(world, setup_for(*FORMATS[0])))])

    first = last.expiries[0]
    assert first.owner == "own" and first.summary.common_name == "Renewal Client"
    assert 19 <= first.summary.days_left <= 20
    by_owner = {
        owner: {e.summary.sha256_fingerprint for e in last.expiries if e.owner == owner}
        for owner in ("own", "own_ca", "partner")
    }
    assert by_owner == {
        "own": {fingerprint_sha256(world.old.cert)},
        "own_ca": {fingerprint_sha256(c) for c in world.old.chain},
        "partner": {fingerprint_sha256(c) for c in world.partner_old.full_chain},
    }
    days = [e.summary.not_after for e in last.expiries]
    assert days == sorted(days)


@pytest.mark.parametrize(("keystore", "truststore"), FORMATS)
def test_loose_files_under_other_names_are_told_apart_by_content(
    world: RenewalWorld, keystore: StoreFormat, truststore: StoreFormat
) -> None:
    setup = setup_for(keystore, truststore)
    files = last_year_files(world, setup)
    # Copied off the platform under names of their own: destination.json's names do not
    # match, so the stores are told apart by what they hold.
    given = [
        ("platform-config.json", files["destination.json"]),
        ("copy-b.bin", files[setup.truststore_name]),
        ("copy-a.bin", files[setup.keystore_name]),
    ]

    last = open_last_year(given)

    assert not last.from_zip
    assert last.keystore.format is keystore and last.truststore.format is truststore
    # The names the platform knows them by, from destination.json, not the copies' names.
    assert (last.keystore.file_name, last.truststore.file_name) == (
        setup.keystore_name,
        setup.truststore_name,
    )
    assert last.alias == setup.alias and last.destination == setup.destination


def test_loose_files_with_the_platform_names_match_destination_json(world: RenewalWorld) -> None:
    setup = setup_for(StoreFormat.JKS, StoreFormat.PKCS12)
    files = last_year_files(world, setup)

    last = open_last_year(list(reversed(list(files.items()))))

    assert last.keystore.file_name == setup.keystore_name
    assert last.truststore.opened.trusted_entries


def _without(config: bytes, *keys: str, **changes: str) -> bytes:
    values = json.loads(config)
    for key in keys:
        del values[key]
    values.update(changes)
    return json.dumps(values).encode()


def test_a_missing_password_is_asked_for_by_its_field(world: RenewalWorld) -> None:
    setup = setup_for(StoreFormat.PKCS12, StoreFormat.JKS)
    files = last_year_files(world, setup)
    files["destination.json"] = _without(files["destination.json"], "truststorePass")

    with pytest.raises(PasswordMissingError) as missing:
        open_last_year(list(files.items()))
    assert missing.value.field == "truststore_password"
    assert setup.truststore_name in str(missing.value)

    last = open_last_year(list(files.items()), truststore_password=setup.truststore_password)
    assert last.destination.truststore_pass == setup.truststore_password
    assert last.destination.keystore_pass == setup.keystore_password  # from destination.json


@pytest.mark.parametrize("fmt", [StoreFormat.JKS, StoreFormat.PKCS12])
def test_a_wrong_password_names_its_field_and_a_typed_one_replaces_it(
    world: RenewalWorld, fmt: StoreFormat
) -> None:
    setup = setup_for(fmt, fmt)
    files = last_year_files(world, setup)
    files["destination.json"] = _without(files["destination.json"], keystorePass="changed-since")

    with pytest.raises(PasswordWrongError) as wrong:
        open_last_year(list(files.items()))
    assert wrong.value.field == "keystore_password"
    assert "destination.json" in str(wrong.value)

    with pytest.raises(PasswordWrongError) as typo:
        open_last_year(list(files.items()), keystore_password="still-wrong")
    assert typo.value.field == "keystore_password" and "This keystore password" in str(typo.value)

    last = open_last_year(list(files.items()), keystore_password=setup.keystore_password)
    assert last.destination.keystore_pass == setup.keystore_password  # the one that opened it


@pytest.mark.parametrize("fmt", [StoreFormat.JKS, StoreFormat.PKCS12])
def test_without_destination_json_both_passwords_are_asked_for(
    world: RenewalWorld, fmt: StoreFormat
) -> None:
    setup = setup_for(fmt, fmt)
    files = last_year_files(world, setup)
    stores = [(setup.keystore_name, files[setup.keystore_name])]
    stores.append((setup.truststore_name, files[setup.truststore_name]))

    with pytest.raises(PasswordMissingError) as first:
        open_last_year(stores)
    assert first.value.field == "keystore_password"
    assert "there is no destination.json" in str(first.value)
    with pytest.raises(PasswordMissingError) as second:
        open_last_year(stores, keystore_password=setup.keystore_password)
    assert second.value.field == "truststore_password"

    last = open_last_year(
        stores,
        keystore_password=setup.keystore_password,
        truststore_password=setup.truststore_password,
    )
    assert last.destination.url == "" and last.destination.keystore_file == setup.keystore_name


@pytest.mark.parametrize(
    ("drop", "says"),
    [("keystore", "no keystore"), ("truststore", "no truststore")],
)
def test_a_missing_store_is_named(world: RenewalWorld, drop: str, says: str) -> None:
    setup = setup_for(StoreFormat.JKS, StoreFormat.JKS)
    files = last_year_files(world, setup)
    del files[setup.keystore_name if drop == "keystore" else setup.truststore_name]

    with pytest.raises(LastYearFilesError) as error:
        open_last_year(list(files.items()))
    assert error.value.field == "last_year_files" and says in str(error.value)


def test_other_files_only_is_a_sentence_not_a_crash() -> None:
    with pytest.raises(LastYearFilesError) as error:
        open_last_year([("notes.txt", b"hello"), ("destination.json", b"{not json")])
    assert "no keystore or truststore" in str(error.value)


def test_a_damaged_store_is_named_by_its_file(world: RenewalWorld) -> None:
    setup = setup_for(StoreFormat.JKS, StoreFormat.JKS)
    files = last_year_files(world, setup)
    files[setup.truststore_name] = files[setup.truststore_name][:-40] + b"\0" * 40

    with pytest.raises(LastYearError) as error:
        open_last_year(list(files.items()))
    # A JKS whose integrity hash fails reads as a wrong password, by design of the format.
    assert error.value.field in ("truststore_password", "last_year_files")
    assert setup.truststore_name in str(error.value)


def test_a_keystore_with_two_keys_asks_which_alias(world: RenewalWorld) -> None:
    setup = setup_for(StoreFormat.JKS, StoreFormat.JKS)
    files = last_year_files(world, setup)
    other = world.user_ca.issue_client("Second Client", key_kind="ec256")
    entries = [
        jks.PrivateKeyEntry.new(alias, [_der(c) for c in issued.full_chain], _pkcs8(issued))
        for alias, issued in (("acme-client", world.old), ("second", other))
    ]
    files[setup.keystore_name] = jks.KeyStore.new("jks", entries).saves(setup.keystore_password)

    with pytest.raises(LastYearError) as error:
        open_last_year(list(files.items()))
    assert error.value.field == "alias" and "“second”" in str(error.value)

    last = open_last_year(list(files.items()), alias="acme-client")
    assert last.alias == "acme-client" and last.own_chain[0] == world.old.cert


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _pkcs8(issued: Issued) -> bytes:
    return issued.key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
