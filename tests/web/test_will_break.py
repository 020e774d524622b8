"""The Finish step after opening last year's files: "What will break when" lists the dates of
the user's own certificate and the partner's certificates in the truststore (issue 22)."""

from __future__ import annotations

import datetime as dt
import re

from flask.testing import FlaskClient

from tests.support.connection_scenarios import make_pki
from tests.support.throwaway_pki import NOW
from webapp.pki.java import build_keystore, build_truststore

from .page import Page
from .procedure import page_of
from .renewal_support import open_keystore, open_truststore

PASSWORD = "old-Store-pw-1"


def test_opened_files_list_what_will_break_and_when(client: FlaskClient) -> None:
    pki = make_pki()
    own = pki.client_ca.issue_client(
        # 90 days: outside the 30-day renewal window, so the opened keystore is ready and the
        # Finish step (where the list is) opens without renewing first (issue 20, item 8).
        "Renew Me",
        key_kind="ec256",
        not_after=NOW + dt.timedelta(days=90),
    )
    keystore = build_keystore(
        alias="me", private_key=own.key, chain=own.full_chain, password=PASSWORD
    )
    partner = [pki.server.cert, pki.server_ca.root.cert]
    truststore = build_truststore(
        entries=[("partner", partner[0]), ("partner-root", partner[1])], password=PASSWORD
    )
    assert not page_of(open_keystore(client, keystore, PASSWORD, name="old.jks")).errors()
    assert not page_of(open_truststore(client, truststore, PASSWORD, name="trust.jks")).errors()
    page = Page(client.get("/").text)
    section = page.by_id("will-break-title")
    assert section is not None and section.text == "What will break when"
    items = [" ".join(e.text.split()) for e in page.elements if e.tag == "li"]
    texts = [t for t in items if re.match(r"\d\d \w+ \d{4} \((in \d+ days|already passed)\): ", t)]
    expected = sorted(
        [
            (own.cert, "Your certificate ‘Renew Me"),
            *((c, "The partner's certificate") for c in partner),
        ],
        key=lambda pair: pair[0].not_valid_after_utc,
    )
    assert len(texts) == 3
    for text, (cert, start) in zip(texts, expected, strict=True):
        assert text.startswith(f"{cert.not_valid_after_utc:%d %B %Y}")
        assert start in text
    assert "(in 89 days)" in texts[0] or "(in 90 days)" in texts[0]
    assert page.links().get("explain it here") == "/explain"


def test_nothing_is_listed_without_opened_files(client: FlaskClient) -> None:
    page = Page(client.get("/").text)
    assert page.by_id("will-break-title") is None
