"""The explain page (issue 22): every generated JDK text shows its data-cause, with and
without htmx; the paste is escaped, limited in size, and never stored; the session's files
add what they show."""

from __future__ import annotations

import socket

import pytest

from tests.support.java_errors import java_error_texts, variants
from tests.support.tls_server import LocalTLSServer
from tests.web.page import Page
from webapp.pki.explain import MAX_PASTE

from .procedure import HTMX

pytestmark = pytest.mark.java


def answer_of(client, text: str, *, htmx: bool = True) -> Page:
    response = client.post("/explain", data={"java_error": text}, headers=HTMX if htmx else {})
    assert response.status_code == 200, response.text[:300]
    assert "HX-Request" in response.headers.get("Vary", "")
    return Page(response.text)


def cause_of(page: Page) -> str | None:
    found = [e for e in page.elements if "data-cause" in e.attrs]
    assert len(found) <= 1
    return found[0].attrs["data-cause"] if found else None


def test_the_form_is_linked_from_the_header_and_has_its_label(client):
    page = Page(client.get("/explain").text)
    assert page.label_for("java_error") == "Java error message"
    assert page.by_id("java_error").tag == "textarea"
    assert any(e.tag == "button" and e.text.strip() == "Explain" for e in page.elements)
    index = Page(client.get("/").text)
    assert index.links().get("Explain a Java error") == "/explain"


def test_every_generated_text_shows_its_cause(client):
    wrong = []
    for item in java_error_texts():
        for variant, text in variants(item):
            page = answer_of(client, text)
            if cause_of(page) != item.expected:
                wrong.append(f"{item.name} ({variant}): {cause_of(page)}")
    assert not wrong, "\n".join(wrong)


def test_without_javascript_the_whole_page_comes_back_with_the_answer(client):
    (item,) = [t for t in java_error_texts() if t.name == "JKS, key password differs"]
    page = answer_of(client, item.text, htmx=False)
    assert page.is_full_page
    assert cause_of(page) == "key-password-mismatch"
    assert (
        "java.security.UnrecoverableKeyException: Cannot recover key"
        in page.by_id("explain-answer").text
    )
    assert page.by_id("explain-answer-title").text == (
        "The platform opened the keystore but cannot unlock the key in it."
    )


def test_the_paste_is_escaped(client):
    hostile = (
        '<script>alert(1)</script> javax.net.ssl.SSLHandshakeException: "x" <b>bad_certificate'
    )
    response = client.post("/explain", data={"java_error": hostile}, headers=HTMX)
    assert "<script>alert(1)</script>" not in response.text and "<b>bad" not in response.text
    assert "&lt;script&gt;" in response.text
    assert cause_of(Page(response.text)) == "rejected"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Paste the Java error message first."),
        ("x" * (MAX_PASTE + 1), "This text is longer than 64 KB."),
    ],
)
def test_empty_or_huge_pastes_get_a_message_beside_the_field(client, text, message):
    page = answer_of(client, text)
    assert message in (page.error("java_error") or "")
    assert page.by_id("java_error").attrs.get("aria-invalid") == "true"
    assert cause_of(page) is None
    assert "x" * 100 not in page.html  # a huge paste is not echoed back


def test_the_answer_says_what_the_fetched_chain_shows(client, throwaway_pki):
    """After a fetch, a PKIX error is compared with what the partner's server sent here."""
    pki = throwaway_pki
    (item,) = [t for t in java_error_texts() if t.name == "PKIX, server root missing"]
    before = answer_of(client, item.text)
    assert "What your files here show" not in before.html  # a new session has no files
    with LocalTLSServer(pki.server_chain, pki.server_key) as server:
        fetched = client.post(
            "/truststore/fetch", headers=HTMX, data={"server_url": server.address}
        )
    assert fetched.status_code == 200 and not Page(fetched.text).errors()
    answer = answer_of(client, item.text).by_id("explain-answer").text
    # The fetch trusts the server's own certificate too (the truststore step's default).
    assert "Your truststore holds the partner's server certificate itself" in answer
    assert "fetch again and compare" in answer


def test_a_first_visit_is_answered_while_the_session_storage_is_down(tmp_path, throwaway_pki):
    """The explanation needs no saved work: without a session it never asks the storage."""
    from tests.conftest import app_config_for
    from webapp import create_app

    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    config = app_config_for(
        tmp_path, throwaway_pki, VAULT_URL=f"redis://127.0.0.1:{port}/0", VAULT_STORAGE_TIMEOUT=0.5
    )
    app = create_app(config)
    (item,) = [t for t in java_error_texts() if t.name == "connection refused"]
    page = answer_of(app.test_client(), item.text)
    assert cause_of(page) == "unreachable"
