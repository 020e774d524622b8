"""The command line's contract: messages, exit codes, --json, passwords, files."""

from __future__ import annotations

import importlib.util
import json
import os
import stat
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from tests.cli.conftest import (
    KEY_ENV,
    KEY_PASS,
    STORE_ENV,
    STORE_PASS,
    TRUST_ENV,
    TRUST_PASS,
    mtls_kit,
    mtls_kit_process,
)
from tests.support.config_formats import read_block_yaml, read_shell_words
from tests.support.throwaway_pki import ThrowawayCA
from webapp import cli
from webapp.pki.java import read_store
from webapp.pki.keyimport import WrongPasswordError

COMMANDS = ("keystore", "truststore", "config", "inspect", "test", "renew", "explain", "check")


def build_pair(
    inputs: Path, folder: Path, keystore: str = "keystore.p12", truststore: str = "truststore.jks"
) -> tuple[Path, Path]:
    assert (
        mtls_kit(
            "keystore", inputs / "client.p12", *KEY_ENV, "--out", keystore, *STORE_ENV, cwd=folder
        ).returncode
        == 0
    )
    assert (
        mtls_kit(
            "truststore",
            "--cert",
            inputs / "root.pem",
            "--own",
            keystore,
            *STORE_ENV,
            "--out",
            truststore,
            *TRUST_ENV,
            cwd=folder,
        ).returncode
        == 0
    )
    return folder / keystore, folder / truststore


def test_help_shows_examples(tmp_path: Path) -> None:
    for args in [(), *((name,) for name in COMMANDS)]:
        run = mtls_kit(*args, "--help", cwd=tmp_path)
        assert run.returncode == 0
        assert "Example" in run.stdout and "mtls-kit " in run.stdout


def test_wrong_key_password_is_exit_1_with_the_page_message(inputs: Path, tmp_path: Path) -> None:
    # A subprocess smoke test: the installed script's exit code and streams.
    run = mtls_kit_process(
        "keystore",
        inputs / "client.p12",
        "--key-password-env",
        "MTLS_STORE_PASS",
        "--out",
        "k.jks",
        *STORE_ENV,
        cwd=tmp_path,
    )
    assert (run.returncode, run.stderr.strip()) == (1, str(WrongPasswordError()))
    assert run.stdout == ""
    assert not (tmp_path / "k.jks").exists()
    as_json = mtls_kit_process(
        "keystore",
        inputs / "client.p12",
        "--key-password-env",
        "MTLS_STORE_PASS",
        "--out",
        "k.jks",
        *STORE_ENV,
        "--json",
        cwd=tmp_path,
    )
    assert as_json.returncode == 1
    assert as_json.json() == {"ok": False, "error": str(WrongPasswordError())}


def test_a_wrong_store_password_is_exit_1(inputs: Path, tmp_path: Path) -> None:
    keystore, _ = build_pair(inputs, tmp_path)
    run = mtls_kit("inspect", keystore, "--store-password-env", "MTLS_TRUST_PASS", cwd=tmp_path)
    assert (run.returncode, run.stderr.strip()) == (1, "The password does not open this store.")


def test_passwords_are_never_plain_arguments(inputs: Path, tmp_path: Path) -> None:
    # A subprocess smoke test: what a real argv (visible in `ps`) may and may not hold.
    plain = mtls_kit_process("keystore", inputs / "client.p12", "--password", "x", cwd=tmp_path)
    assert plain.returncode == 2 and "No such option" in plain.stderr
    # No terminal to ask at, and no password given: a usage error, not a silent default.
    missing = mtls_kit_process(
        "keystore", inputs / "client.p12", *KEY_ENV, "--out", "k.jks", cwd=tmp_path
    )
    assert missing.returncode == 2
    assert "--store-password-env NAME or --store-password-file PATH" in missing.stderr
    unset = mtls_kit_process(
        "keystore", inputs / "client.p12", "--key-password-env", "NOT_SET_X", cwd=tmp_path
    )
    assert (unset.returncode, unset.stderr.strip()) == (
        1,
        "The environment variable NOT_SET_X is not set.",
    )


def test_password_files_and_the_page_password_rule(inputs: Path, tmp_path: Path) -> None:
    (tmp_path / "key.txt").write_text(KEY_PASS + "\n", encoding="utf-8")
    (tmp_path / "short.txt").write_text("abc\n", encoding="utf-8")
    short = mtls_kit(
        "keystore",
        inputs / "client.p12",
        "--key-password-file",
        "key.txt",
        "--store-password-file",
        "short.txt",
        cwd=tmp_path,
    )
    assert (short.returncode, short.stderr.strip()) == (
        1,
        "The keystore password cannot be used: Use at least 6 characters.",
    )
    run = mtls_kit(
        "keystore",
        inputs / "client.p12",
        "--key-password-file",
        "key.txt",
        "--store-password-env",
        "MTLS_STORE_PASS",
        "--json",
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert run.json()["file"] == "keystore.jks"  # the default name for the default format
    entry = read_store((tmp_path / "keystore.jks").read_bytes(), STORE_PASS).entry(
        "shared-client-ec256"
    )  # suggest_alias, as the page proposes it
    assert entry.kind == "PrivateKeyEntry"


def test_existing_files_are_kept_unless_forced(inputs: Path, tmp_path: Path) -> None:
    (tmp_path / "keystore.p12").write_bytes(b"precious")
    run = mtls_kit(
        "keystore",
        inputs / "client.p12",
        *KEY_ENV,
        "--out",
        "keystore.p12",
        *STORE_ENV,
        cwd=tmp_path,
    )
    assert run.returncode == 1 and "already exists" in run.stderr
    assert (tmp_path / "keystore.p12").read_bytes() == b"precious"
    forced = mtls_kit(
        "keystore",
        inputs / "client.p12",
        *KEY_ENV,
        "--out",
        "keystore.p12",
        *STORE_ENV,
        "--force",
        cwd=tmp_path,
    )
    assert forced.returncode == 0, forced.stderr
    assert read_store((tmp_path / "keystore.p12").read_bytes(), STORE_PASS).aliases


def test_pem_key_pair_with_extra_file_and_contradicting_format(
    inputs: Path, tmp_path: Path
) -> None:
    run = mtls_kit(
        "keystore",
        inputs / "client-chain.pem",
        "--extra",
        inputs / "client.key",
        "--alias",
        "acme",
        "--out",
        "acme.p12",
        *STORE_ENV,
        "--json",
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert (run.json()["format"], run.json()["alias"]) == ("pkcs12", "acme")
    clash = mtls_kit(
        "keystore",
        inputs / "client.p12",
        *KEY_ENV,
        "--out",
        "x.jks",
        "--format",
        "pkcs12",
        *STORE_ENV,
        cwd=tmp_path,
    )
    assert clash.returncode == 2 and "end it in .p12" in clash.stderr


def test_inspect_describes_stores_key_pairs_and_certificates(inputs: Path, tmp_path: Path) -> None:
    keystore, truststore = build_pair(inputs, tmp_path)
    store = mtls_kit("inspect", keystore, *STORE_ENV, "--json", cwd=tmp_path).json()
    assert store["format"] == "pkcs12"
    [entry] = store["entries"]
    assert (entry["kind"], len(entry["certificates"])) == ("PrivateKeyEntry", 3)
    assert entry["certificates"][0]["days_left"] > 300
    trust = mtls_kit(
        "inspect", truststore, "--store-password-env", "MTLS_TRUST_PASS", "--json", cwd=tmp_path
    ).json()
    assert trust["format"] == "jks"
    # The root (--cert), then the own leaf and intermediate (its root already there).
    assert [e["kind"] for e in trust["entries"]] == ["trustedCertEntry"] * 3
    pairs = mtls_kit("inspect", inputs / "client.p12", *KEY_ENV, "--json", cwd=tmp_path).json()
    assert pairs["kind"] == "key pairs" and pairs["entries"][0]["alias"] == "Shared Client"
    assert len(pairs["entries"][0]["certificates"]) == 3
    pem = mtls_kit("inspect", inputs / "client-chain.pem", "--json", cwd=tmp_path).json()
    assert pem["kind"] == "certificates" and len(pem["certificates"]) == 3
    text = mtls_kit("inspect", inputs / "client-chain.pem", cwd=tmp_path)
    assert "CN=Shared Client ec256,O=mtls-kit tests — expires" in text.stdout


def test_config_styles_match_the_files(inputs: Path, tmp_path: Path) -> None:
    keystore, truststore = build_pair(inputs, tmp_path)
    common = (
        "config",
        "--keystore",
        keystore,
        "--truststore",
        truststore,
        "--url",
        "https://partner.example:8443/in",
        *STORE_ENV,
        *TRUST_ENV,
    )
    platform = mtls_kit(*common, cwd=tmp_path, secrets_may_show=True)
    assert platform.returncode == 0, platform.stderr
    assert json.loads(platform.stdout) == {
        "url": "https://partner.example:8443/in",
        "method": "POST",
        "keystoreFile": str(keystore),
        "keystorePass": STORE_PASS,
        "truststoreFile": str(truststore),
        "truststorePass": TRUST_PASS,
    }
    spring = mtls_kit(*common, "--style", "spring", cwd=tmp_path, secrets_may_show=True)
    bundle = read_block_yaml(spring.stdout)["spring"]["ssl"]["bundle"]["jks"]["partner"]
    for store, path, password in (
        ("keystore", keystore, STORE_PASS),
        ("truststore", truststore, TRUST_PASS),
    ):
        assert bundle[store]["location"] == f"file:{path}"
        assert bundle[store]["password"] == password
        assert read_store(path.read_bytes(), bundle[store]["password"]).entries
    assert (bundle["keystore"]["type"], bundle["truststore"]["type"]) == ("PKCS12", "JKS")
    jvm = mtls_kit(
        *common, "--style", "jvm", "--folder", "/opt/certs", cwd=tmp_path, secrets_may_show=True
    )
    assert "-Djavax.net.ssl.keyStore=/opt/certs/keystore.p12" in read_shell_words(jvm.stdout)
    masked = mtls_kit(*common, "--style", "spring-properties", "--mask", "--json", cwd=tmp_path)
    assert masked.json()["keystore"]["format"] == "pkcs12"
    assert "••••••••" in masked.json()["text"]  # and no password: mtls_kit checked
    wrong = mtls_kit(
        "config",
        "--keystore",
        keystore,
        "--truststore",
        truststore,
        "--url",
        "https://partner.example",
        *STORE_ENV,
        "--truststore-password-env",
        "MTLS_STORE_PASS",
        cwd=tmp_path,
    )
    assert (wrong.returncode, wrong.stderr.strip()) == (1, "The password does not open this store.")


def test_connection_test_says_when_it_is_not_available(inputs: Path, tmp_path: Path) -> None:
    keystore, truststore = build_pair(inputs, tmp_path)
    run = mtls_kit(
        "test",
        "https://partner.example",
        "--keystore",
        keystore,
        "--truststore",
        truststore,
        *STORE_ENV,
        *TRUST_ENV,
        "--json",
        cwd=tmp_path,
    )
    if importlib.util.find_spec(cli.CONNECTION_TEST) is None:
        assert run.returncode == 1
        assert run.stderr.strip() == "The connection test is not available in this version."
        assert run.json()["ok"] is False
    else:  # the engine has arrived: the command must use it, not report it missing
        assert "not available in this version" not in run.stderr


def test_connection_test_wiring_hands_the_engine_our_stores(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keystore, truststore = build_pair(inputs, tmp_path)
    calls: list[dict[str, Any]] = []

    def test_connection(url: str, **kwargs: Any) -> SimpleNamespace:
        calls.append({"url": url, **kwargs})
        return SimpleNamespace(
            outcome="issuer-not-accepted",
            headline="The partner refused.",
            next_step="Send them your certificate.",
            detail="alert 48",
        )

    monkeypatch.setitem(
        sys.modules, cli.CONNECTION_TEST, SimpleNamespace(test_connection=test_connection)
    )
    monkeypatch.setenv("MTLS_STORE_PASS", STORE_PASS)
    monkeypatch.setenv("MTLS_TRUST_PASS", TRUST_PASS)
    result = CliRunner().invoke(
        cli.main,
        [
            "test",
            "https://127.0.0.1:1",
            "--keystore",
            str(keystore),
            "--truststore",
            str(truststore),
            *STORE_ENV,
            *TRUST_ENV,
            "--allow-network",
            "127.0.0.0/8",
            "--json",
        ],
    )
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "ok": False,
        "outcome": "issuer-not-accepted",
        "headline": "The partner refused.",
        "next_step": "Send them your certificate.",
        "detail": "alert 48",
        "http_status": None,  # the engine's result had none (no HTTP answer was read)
    }
    [call] = calls
    assert call["key_pair"].certificate.subject.rfc4514_string() == (
        "CN=Shared Client ec256,O=mtls-kit tests"
    )
    assert len(call["key_pair"].chain) == 3 and len(call["trust_anchors"]) == 3
    assert call["policy"].refusal_reason("127.0.0.1") is None


def test_pkcs12_store_passwords_follow_javas_rule(inputs: Path, tmp_path: Path) -> None:
    env = {"MTLS_NEW_PASS": "pässwörd-€-1"}
    refused = mtls_kit(
        "keystore",
        inputs / "client.p12",
        *KEY_ENV,
        "--out",
        "k.p12",
        "--store-password-env",
        "MTLS_NEW_PASS",
        cwd=tmp_path,
        env=env,
    )
    assert refused.returncode == 1
    assert refused.stderr.startswith("The keystore password cannot be used: For a PKCS#12 store")
    assert not (tmp_path / "k.p12").exists()
    jks = mtls_kit(
        "keystore",
        inputs / "client.p12",
        *KEY_ENV,
        "--out",
        "k.jks",
        "--store-password-env",
        "MTLS_NEW_PASS",
        cwd=tmp_path,
        env=env,
    )
    assert jks.returncode == 0, jks.stderr


def test_force_replaces_a_symlink_and_an_open_mode_instead_of_writing_through(
    inputs: Path, tmp_path: Path
) -> None:
    """Issue 19: --force followed a symlink at --out and kept an existing file's 0644."""
    target = tmp_path / "elsewhere.txt"
    target.write_bytes(b"not yours to overwrite")
    (tmp_path / "keystore.p12").symlink_to(target)
    (tmp_path / "truststore.jks").write_bytes(b"old")
    os.chmod(tmp_path / "truststore.jks", 0o644)
    keystore, truststore = build_pair_forced(inputs, tmp_path)
    assert target.read_bytes() == b"not yours to overwrite"  # the link was not followed
    for path in (keystore, truststore):
        assert not path.is_symlink()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert read_store(keystore.read_bytes(), STORE_PASS).aliases
    assert read_store(truststore.read_bytes(), TRUST_PASS).aliases
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "elsewhere.txt",
        "keystore.p12",
        "truststore.jks",
    ]  # no temporary file left behind


def build_pair_forced(inputs: Path, folder: Path) -> tuple[Path, Path]:
    keystore = mtls_kit(
        "keystore", inputs / "client.p12", *KEY_ENV, "--out", "keystore.p12", *STORE_ENV,
        "--force", cwd=folder,
    )  # fmt: skip
    assert keystore.returncode == 0, keystore.stderr
    truststore = mtls_kit(
        "truststore", "--cert", inputs / "root.pem", "--own", "keystore.p12", *STORE_ENV,
        "--out", "truststore.jks", *TRUST_ENV, "--force", cwd=folder,
    )  # fmt: skip
    assert truststore.returncode == 0, truststore.stderr
    return folder / "keystore.p12", folder / "truststore.jks"


def test_without_force_a_symlink_at_out_counts_as_existing(inputs: Path, tmp_path: Path) -> None:
    (tmp_path / "keystore.p12").symlink_to(tmp_path / "missing-target")
    run = mtls_kit(
        "keystore", inputs / "client.p12", *KEY_ENV, "--out", "keystore.p12", *STORE_ENV,
        cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 1 and "already exists" in run.stderr
    assert not (tmp_path / "missing-target").exists()


def test_inspect_prints_a_hostile_name_on_its_own_line_without_escapes(tmp_path: Path) -> None:
    """Names from a file go through the one sanitiser (issue 19) before the terminal too:
    CR/LF would forge lines, ESC sequences retitle or recolour the terminal."""
    hostile = "Partner\x1b]0;pwned\x07\r\nOK: all certificates valid"
    issued = ThrowawayCA("Inspect Root", key_kind="ec256").issue_client(hostile, key_kind="ec256")
    (tmp_path / "partner.pem").write_bytes(issued.cert_pem())
    run = mtls_kit("inspect", "partner.pem", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("partner.pem: 1 certificate")
    assert "\x1b" not in run.stdout and "\r" not in run.stdout
    assert not any(line.startswith("OK:") for line in lines)
