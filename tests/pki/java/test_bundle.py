"""The bundle's README.txt says who renews which certificate (issue 12)."""

from __future__ import annotations

from webapp.pki.certs import describe_certificate
from webapp.pki.java import DestinationConfig, next_steps

DESTINATION = DestinationConfig(url="https://partner.example/in", method="POST",
                                keystore_file="/certs/keystore.jks", keystore_pass="x" * 8,
                                truststore_file="/certs/truststore.jks", truststore_pass="y" * 8)


def test_readme_says_the_user_renews_their_own_and_the_partner_theirs(throwaway_pki):
    from tests.support.throwaway_pki import ThrowawayCA

    client = throwaway_pki.client("ec256")
    own_chain = [describe_certificate(c) for c in client.full_chain]
    partner = ThrowawayCA("Readme Partner Root", key_kind="ec256")
    partner_chain = [describe_certificate(c) for c in partner.issue_server("p.example").full_chain]
    readme = next_steps(keystore_name="keystore.jks", truststore_name="truststore.jks",
                        certificate_name="me.pem", destination=DESTINATION, own=own_chain[0],
                        trusted=[*own_chain, *partner_chain], own_chain=own_chain)
    assert "Your certificate (Shared Client ec256 (mtls-kit tests)) expires on" in readme
    assert "You renew\nit" in readme
    assert "Your certificate authority renews it" in readme
    assert "The partner renews it, not you" in readme
    # The user's own certificate is never listed as one the partner must renew.
    partner_part = readme.split("The first of the partner's certificates")[1]
    assert "Shared Client" not in partner_part
    assert "Readme Partner Root" in partner_part or "p.example" in partner_part


def test_readme_records_the_connection_test_only_when_given(throwaway_pki):
    from webapp.pki.java import ConnectionTestNote

    own = describe_certificate(throwaway_pki.client("ec256").cert)
    common = dict(keystore_name="keystore.jks", truststore_name="truststore.jks",
                  certificate_name="me.pem", destination=DESTINATION, own=own, trusted=[own])
    assert "Connection test" not in next_steps(**common)
    note = ConnectionTestNote(tested_at="30 November 2026, 19:40 UTC",
                              url="https://partner.example", outcome="issuer-not-accepted",
                              headline="The partner's server does not accept your issuer.")
    readme = next_steps(**common, connection_test=note)
    assert ("Tested on 30 November 2026, 19:40 UTC against https://partner.example:\n"
            "issuer-not-accepted: The partner's server does not accept your issuer.") in readme
