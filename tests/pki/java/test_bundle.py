"""The bundle's README.txt says who renews which certificate (issue 12)."""

from __future__ import annotations

from webapp.pki.certs import describe_certificate
from webapp.pki.java import DestinationConfig
from webapp.pki.java.bundle import next_steps

DESTINATION = DestinationConfig(
    url="https://partner.example/in",
    method="POST",
    keystore_file="/certs/keystore.jks",
    keystore_pass="x" * 8,
    truststore_file="/certs/truststore.jks",
    truststore_pass="y" * 8,
)


def test_readme_says_the_user_renews_their_own_and_the_partner_theirs(throwaway_pki):
    from tests.support.throwaway_pki import ThrowawayCA

    client = throwaway_pki.client("ec256")
    own_chain = [describe_certificate(c) for c in client.full_chain]
    partner = ThrowawayCA("Readme Partner Root", key_kind="ec256")
    partner_chain = [describe_certificate(c) for c in partner.issue_server("p.example").full_chain]
    readme = next_steps(
        keystore_name="keystore.jks",
        truststore_name="truststore.jks",
        certificate_name="me.pem",
        destination=DESTINATION,
        own=own_chain[0],
        trusted=[*own_chain, *partner_chain],
        own_chain=own_chain,
    )
    assert "Your certificate (Shared Client ec256 (mtls-kit tests)) expires on" in readme
    assert "You renew\nit" in readme
    assert "Your certificate authority renews it" in readme
    assert "The partner renews it, not you" in readme
    # The user's own certificate is never listed as one the partner must renew.
    partner_part = readme.split("The first of the partner's certificates")[1]
    assert "Shared Client" not in partner_part
    assert "Readme Partner Root" in partner_part or "p.example" in partner_part


def _bundle_with(extra_files, throwaway_pki):
    import io
    import zipfile

    from webapp.pki.java import build_bundle

    own = describe_certificate(throwaway_pki.client("ec256").cert)
    data = build_bundle(
        keystore=("keystore.p12", b"k"),
        truststore=("truststore.jks", b"t"),
        config=("destination.json", b"{}"),
        certificate=("me.pem", b"c"),
        destination=DESTINATION,
        own=own,
        trusted=[own],
        extra_files=extra_files,
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_extra_files_go_into_the_zip_under_safe_names_and_the_readme_names_them(throwaway_pki):
    members = _bundle_with(
        [("spring-ssl-bundle.yaml", b"y"), ("../../evil.txt", b"e"), ("CON.txt", b"c")],
        throwaway_pki,
    )
    assert members["spring-ssl-bundle.yaml"] == b"y"
    assert members["evil.txt"] == b"e" and members["CON-file.txt"] == b"c"
    assert "keystore.p12" in members
    readme = members["README.txt"].decode()
    assert "Settings for other Java setups" in readme and "spring-ssl-bundle.yaml" in readme


def test_an_extra_file_may_not_take_another_members_name(throwaway_pki):
    import pytest

    from webapp.pki.java import FileNameError

    with pytest.raises(FileNameError, match="same name"):
        _bundle_with([("README.txt", b"x")], throwaway_pki)
    with pytest.raises(FileNameError, match="same name"):
        _bundle_with([("Keystore.P12", b"x")], throwaway_pki)


def test_readme_records_the_connection_test_only_when_given(throwaway_pki):
    from webapp.pki.java import ConnectionTestNote

    own = describe_certificate(throwaway_pki.client("ec256").cert)
    common = dict(
        keystore_name="keystore.jks",
        truststore_name="truststore.jks",
        certificate_name="me.pem",
        destination=DESTINATION,
        own=own,
        trusted=[own],
    )
    assert "Connection test" not in next_steps(**common)
    note = ConnectionTestNote(
        tested_at="30 November 2026, 19:40 UTC",
        url="https://partner.example",
        outcome="issuer-not-accepted",
        headline="The partner's server does not accept your issuer.",
    )
    readme = next_steps(**common, connection_test=note)
    assert (
        "Tested on 30 November 2026, 19:40 UTC against https://partner.example:\n"
        "issuer-not-accepted: The partner's server does not accept your issuer."
    ) in readme
