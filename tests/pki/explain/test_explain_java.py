"""The rule table against real JDK 17 output: every generated text maps to its code.

The texts come from tests/support/java_errors.py (the JDK client and keytool failing on
purpose against the connection-test failure setups), as printed, inside platform logs and as
javax.net.debug excerpts.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import time

import pytest

from tests.support.connection_scenarios import make_pki
from tests.support.java import JAVA_ENV
from tests.support.java_errors import java_error_texts, variants
from tests.support.tools import require_tool
from webapp.pki.explain import (
    CODES,
    MAX_PASTE,
    EmptyPaste,
    PasteTooLarge,
    SavedFiles,
    explain,
    what_the_files_show,
)

pytestmark = pytest.mark.java


@pytest.fixture(scope="module")
def texts():
    return java_error_texts()


def test_every_generated_text_maps_to_its_code(texts):
    wrong = []
    for item in texts:
        for variant, text in variants(item):
            found = explain(text)
            if found.cause != item.expected:
                wrong.append(f"{item.name} ({variant}): {found.cause}, matched {found.matched!r}")
            assert found.matched and found.matched in text.replace("\t", "")  # a real line
    assert not wrong, "\n".join(wrong)


def test_every_code_has_a_generated_text(texts):
    covered = {item.expected for item in texts}
    wanted = set(CODES) - {"unknown"}
    if not any(item.name.startswith("nginx") for item in texts):
        wanted -= {"forbidden"}  # only nginx answers 403 here; by hand it may be missing
    assert covered == wanted


def test_the_deciding_line_is_the_deepest_cause(texts):
    (expired,) = [t for t in texts if t.name == "partner certificate expired"]
    found = explain(expired.text)
    assert found.cause == "expired"
    assert found.matched.startswith("Caused by: java.security.cert.CertificateExpiredException")
    assert "PKIX path validation failed" in expired.text  # and still not server-not-trusted


def test_a_store_password_beats_the_unrecoverable_key_below_it(texts):
    (item,) = [t for t in texts if t.name == "JKS, wrong store password"]
    assert "UnrecoverableKeyException" in item.text
    assert explain(item.text).cause == "wrong-store-password"


def test_two_errors_in_one_log_the_earlier_step_wins(texts):
    by_name = {t.name: t.text for t in texts}
    log = by_name["read timed out"] + "\n" + by_name["PKIX, server root missing"]
    assert explain(log).cause == "server-not-trusted"


def test_an_error_we_do_not_know_says_what_it_recognised(tmp_path):
    keytool = require_tool("keytool", why="a real JDK text that is not a TLS problem")
    run = subprocess.run(
        [keytool, "-list", "-keystore", str(tmp_path / "missing.jks"), "-storepass", "x"],
        capture_output=True,
        text=True,
        env=JAVA_ENV,
        timeout=60,
    )
    found = explain(run.stdout + run.stderr)
    assert found.cause == "unknown"
    assert "java.lang.Exception: Keystore file does not exist" in found.why
    assert found.matched.startswith("java.lang.Exception: Keystore file does not exist")


def test_plain_text_without_an_exception_is_unknown():
    found = explain("the platform says it cannot deliver")
    assert (found.cause, found.matched) == ("unknown", "")
    assert "We found no Java exception" in found.why


@pytest.mark.parametrize(
    ("text", "error"),
    [("", EmptyPaste), ("  \n\t\n", EmptyPaste), ("x" * (MAX_PASTE + 1), PasteTooLarge)],
)
def test_empty_or_huge_pastes_are_refused_plainly(text, error):
    with pytest.raises(error) as raised:
        explain(text)
    assert str(raised.value).startswith(("Paste the Java error", "This text is longer than 64 KB"))


def test_the_json_form_has_the_four_fields(texts):
    (item,) = [t for t in texts if t.name == "certificate_required"]
    assert explain(item.text).as_json() == {
        "cause": "issuer-not-accepted",
        "headline": "The partner's server asked for a certificate, and Java sent none.",
        "next_step": explain(item.text).next_step,
        "matched": "javax.net.ssl.SSLHandshakeException: "
        "Received fatal alert: certificate_required",
    }
    assert "partner kit" in explain(item.text).next_step


def test_the_files_say_the_truststore_lacks_the_partners_issuer():
    pki = make_pki()
    partner = (pki.server.cert, pki.server_ca.intermediate.cert)
    lacking = SavedFiles(trusted=(pki.other_ca.root.cert,), partner_chain=partner)
    [said] = what_the_files_show("server-not-trusted", lacking)
    assert said.startswith(
        "Your truststore does not contain the certificate that issued the partner's current "
        "server certificate"
    )
    assert said.endswith("fetch again.")
    holding = SavedFiles(trusted=(pki.server_ca.intermediate.cert,), partner_chain=partner)
    [said] = what_the_files_show("server-not-trusted", holding)
    assert "may have changed its certificate since" in said


def test_the_files_give_the_dates_of_an_expired_own_certificate():
    pki = make_pki()
    files = SavedFiles(own_chain=tuple(pki.expired_client.full_chain))
    end = pki.expired_client.cert.not_valid_after_utc
    assert what_the_files_show("expired", files, now=end + dt.timedelta(days=1)) == [
        f"Your certificate expired on {end:%d %B %Y}."
    ]
    said = what_the_files_show("rejected", files, now=end + dt.timedelta(days=1))
    assert said[1] == f"Your certificate expired on {end:%d %B %Y}; renew it first."
    assert what_the_files_show("timeout", files) == []


def test_the_files_name_the_destination_when_the_partner_cannot_be_reached():
    files = SavedFiles(destination_host="partner.example")
    for cause in ("unreachable", "timeout"):
        [said] = what_the_files_show(cause, files)
        assert said.startswith("Your settings here send the platform to partner.example")
    assert what_the_files_show("unreachable", SavedFiles()) == []


@pytest.mark.parametrize(
    "hostile",
    ["TrustAnchor " * 5400, "No name matching " * 3800, "KeyStore " * 7000, "a" * 65000],
)
def test_a_hostile_paste_is_read_quickly(hostile):
    started = time.perf_counter()
    explain(hostile)
    assert time.perf_counter() - started < 1.0  # ~0.05 s on a quiet machine
