"""Issue 21: plain help for every term the page uses. Each term of templates/_terms.html has
its "What is this?" somewhere on the way (two or three plain sentences, no Java internals),
and the page shows each one at the point where the term comes up."""

from __future__ import annotations

import re

import pytest
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ThrowawayPki

from .procedure import Upload, import_key_pair

TERMS = [
    "truststore",
    "certificate chain",
    "certificate authority",
    "intermediate",
    "CA reply",
    "certificate request",
    "PKCS#12",
    "JKS",
]
# Words that belong to Java's insides, not to a user's plain help.
INTERNALS = re.compile(
    r"\b(keytool|JVM|KeyStore|getInstance|java\.security|X\.509|ASN\.1|PEM|DER|SSLContext|alias)\b",
    re.IGNORECASE,
)


def term_texts(app: Flask) -> dict[str, str]:
    with app.test_request_context():  # the texts are translated: English here
        return dict(app.jinja_env.get_template("_terms.html").module.TERMS)  # type: ignore[attr-defined]


def test_every_term_has_two_or_three_plain_sentences(app: Flask) -> None:
    texts = term_texts(app)
    assert sorted(texts) == sorted(TERMS)
    for term, text in texts.items():
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
        assert 2 <= len(sentences) <= 3, (term, sentences)
        assert not INTERNALS.search(text), (term, text)
        assert len(text.split()) <= 50, (term, text)


@pytest.fixture
def p12(throwaway_pki: ThrowawayPki) -> Upload:
    issued = throwaway_pki.client("ec256")
    data = pkcs12.serialize_key_and_certificates(
        b"me", issued.key, issued.cert, issued.chain, BestAvailableEncryption(b"p12-Terms-pw")
    )
    return Upload(data, "me.p12", "p12-Terms-pw")


def test_each_term_is_explained_where_the_page_uses_it(client: FlaskClient, p12: Upload) -> None:
    pages = [client.get("/").text]
    assert import_key_pair(client, p12).status_code == 200
    pages.append(client.get("/").text)  # the chain, the formats, the certificate request
    client.post("/step/truststore")
    pages.append(client.get("/").text)  # the truststore step open
    generated = client.post(
        "/keystore/generate",
        data={"organisation": "Example Org", "common_name": "orders", "country": "DE"},
    )
    assert generated.status_code in (200, 303)
    client.post("/step/keystore")
    pages.append(client.get("/").text)  # a key made here waits for the CA reply
    shown = set()
    for html in pages:
        shown.update(re.findall(r'data-term="([^"]+)"', html))
    assert shown == set(TERMS), sorted(set(TERMS) - shown)
