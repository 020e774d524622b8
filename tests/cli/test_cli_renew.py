"""`mtls-kit renew` (issue 21, Build item 5) as a user runs it: a subprocess, passwords in the
environment, a local partner server, the JDK to judge the result."""

from __future__ import annotations

import io
import json
import os
import pty
import stat
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import (
    KEY_ENV,
    KEY_PASS,
    PASSWORD_ENV,
    STORE_PASS,
    TRUST_ENV,
    TRUST_PASS,
    command,
    mtls_kit,
)
from tests.cli.test_cli_prompt import TIMEOUT, expect
from tests.conftest import ThrowawayPki
from tests.support.java import run_mtls_client
from tests.support.last_year import (
    LastYearSetup,
    RenewalWorld,
    last_year_files,
    last_year_zip,
    members,
    new_p12,
)
from tests.support.mtls_server import MtlsServer
from tests.support.throwaway_pki import ThrowawayCA
from webapp.pki.java import StoreFormat

LOOPBACK = ("--allow-network", "127.0.0.0/8")


@pytest.fixture(scope="module")
def world(throwaway_pki: ThrowawayPki) -> RenewalWorld:
    return RenewalWorld.make(throwaway_pki.ca, throwaway_pki.server)


@pytest.fixture(scope="module")
def partner(world: RenewalWorld) -> Iterator[MtlsServer]:
    with world.server() as server:
        yield server


@pytest.fixture
def env(throwaway_pki: ThrowawayPki) -> dict[str, str]:
    """The partner's private root as the operator configures it (FLASK_EXTRA_ROOTS)."""
    return {"FLASK_EXTRA_ROOTS": str(throwaway_pki.root_pem)}


def setup_for(partner: MtlsServer, fmt: StoreFormat = StoreFormat.JKS) -> LastYearSetup:
    # The CLI suite's distinctive passwords, so that its helper finds any that leaks.
    return LastYearSetup(
        url=partner.url + "/in",
        keystore_format=fmt,
        truststore_format=fmt,
        keystore_name=f"acme-keys{fmt.extension}",
        truststore_name=f"acme-trust{fmt.extension}",
        keystore_password=STORE_PASS,
        truststore_password=TRUST_PASS,
    )


def write_inputs(world: RenewalWorld, setup: LastYearSetup, folder: Path) -> Path:
    (folder / "last-year.zip").write_bytes(last_year_zip(world, setup))
    (folder / "new.p12").write_bytes(new_p12(world, password=KEY_PASS))
    return folder / "last-year.zip"


@pytest.mark.parametrize("fmt", [StoreFormat.JKS, StoreFormat.PKCS12])
def test_renew_from_the_zip_writes_the_new_zip_and_java_connects(
    world: RenewalWorld,
    partner: MtlsServer,
    env: dict[str, str],
    tmp_path: Path,
    fmt: StoreFormat,
) -> None:
    setup = setup_for(partner, fmt)
    old_zip = write_inputs(world, setup, tmp_path)

    run = mtls_kit(
        "renew",
        old_zip,
        "--key-file",
        "new.p12",
        *KEY_ENV,
        "--out",
        "new.zip",
        *LOOPBACK,
        "--json",
        cwd=tmp_path,
        env=env,
    )

    assert run.returncode == 0, run.stderr
    report = run.json()
    assert report["ok"] is True and report["connection_test"]["outcome"] == "accepted"
    assert report["keystore"] == {
        "file": setup.keystore_name,
        "format": fmt.value,
        "alias": setup.alias,
    }
    assert report["truststore"]["format"] == fmt.value
    assert report["validity"]["old"] < report["validity"]["new"]
    assert "→" in report["summary"] and "connection test: accepted" in report["summary"]
    actions = {c["action"] for c in report["truststore"]["changes"]}
    assert {"added", "replaced", "kept"} <= actions
    new_zip = tmp_path / "new.zip"
    assert stat.S_IMODE(new_zip.stat().st_mode) == 0o600
    old, new = members(old_zip.read_bytes()), members(new_zip.read_bytes())
    assert sorted(new) == sorted(old)
    assert json.loads(new["destination.json"]) == json.loads(old["destination.json"])
    for name in (setup.keystore_name, setup.truststore_name):
        (tmp_path / name).write_bytes(new[name])
    result = run_mtls_client(
        "127.0.0.1",
        partner.port,
        tmp_path / setup.keystore_name,
        STORE_PASS,
        tmp_path / setup.truststore_name,
        TRUST_PASS,
        keystore_type=fmt.java_type,
        truststore_type=fmt.java_type,
    )
    assert result.returncode == 0, result.stderr
    assert result.field("client-certificate") == "CN=Renewal Client,O=mtls-kit tests"


def test_renew_from_the_loose_files_prints_the_summary(
    world: RenewalWorld, partner: MtlsServer, env: dict[str, str], tmp_path: Path
) -> None:
    setup = setup_for(partner)
    write_inputs(world, setup, tmp_path)
    for name, data in last_year_files(world, setup).items():
        (tmp_path / name).write_bytes(data)

    run = mtls_kit(
        "renew",
        setup.keystore_name,
        setup.truststore_name,
        "destination.json",
        "--key-file",
        "new.p12",
        *KEY_ENV,
        "--out",
        "new.zip",
        *LOOPBACK,
        cwd=tmp_path,
        env=env,
    )

    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "Wrote new.zip."
    assert lines[1].startswith("Renewed: valid until ") and " → " in lines[1]
    assert "truststore: 2 added, 1 removed, 5 kept" in lines[1]
    assert lines[1].endswith("connection test: accepted.")
    assert any("removed (replaced by your new certificate)" in line for line in lines)


def test_a_password_destination_json_lacks_is_asked_for_by_its_option(
    world: RenewalWorld, partner: MtlsServer, env: dict[str, str], tmp_path: Path
) -> None:
    setup = setup_for(partner)
    write_inputs(world, setup, tmp_path)
    files = last_year_files(world, setup)
    config = json.loads(files["destination.json"])
    del config["truststorePass"]
    files["destination.json"] = json.dumps(config).encode()
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    args = [
        "renew",
        *files,
        "--key-file",
        "new.p12",
        *KEY_ENV,
        "--out",
        "new.zip",
        *LOOPBACK,
    ]

    missing = mtls_kit(*args, cwd=tmp_path, env=env)
    assert missing.returncode == 1
    assert "truststore password" in missing.stderr and "--truststore-password-env" in missing.stderr
    assert not (tmp_path / "new.zip").exists()

    given = mtls_kit(*args, *TRUST_ENV, "--json", cwd=tmp_path, env=env)
    assert given.returncode == 0, given.stderr
    written = members((tmp_path / "new.zip").read_bytes())
    assert json.loads(written["destination.json"])["truststorePass"] == TRUST_PASS


def test_an_existing_out_needs_force(
    world: RenewalWorld, partner: MtlsServer, env: dict[str, str], tmp_path: Path
) -> None:
    old_zip = write_inputs(world, setup_for(partner), tmp_path)
    (tmp_path / "new.zip").write_bytes(b"keep me")
    args = ["renew", old_zip, "--key-file", "new.p12", *KEY_ENV, "--out", "new.zip", *LOOPBACK]

    refused = mtls_kit(*args, cwd=tmp_path, env=env)
    assert refused.returncode == 1 and "--force" in refused.stderr
    assert (tmp_path / "new.zip").read_bytes() == b"keep me"

    forced = mtls_kit(*args, "--force", cwd=tmp_path, env=env)
    assert forced.returncode == 0, forced.stderr
    assert zipfile.is_zipfile(tmp_path / "new.zip")


def test_loopback_is_refused_without_allow_network(
    world: RenewalWorld, partner: MtlsServer, env: dict[str, str], tmp_path: Path
) -> None:
    old_zip = write_inputs(world, setup_for(partner), tmp_path)

    run = mtls_kit(
        "renew",
        old_zip,
        "--key-file",
        "new.p12",
        *KEY_ENV,
        "--out",
        "new.zip",
        cwd=tmp_path,
        env=env,
    )

    assert run.returncode == 1 and run.stderr.strip()
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "new.zip").exists()


def test_a_failed_connection_test_is_exit_1_with_the_zip_written(
    world: RenewalWorld, env: dict[str, str], tmp_path: Path
) -> None:
    # A partner that accepts another authority only: the test says so, the files are built.
    other = ThrowawayCA("Renew Other Root", key_kind="ec256")
    strict = MtlsServer(
        chain=world.partner.full_chain[:-1],
        key=world.partner.key,
        verify="required",
        trusted_client_cas=[other.root.cert],
        listed_cas=[other.root.cert],
    )
    with strict:
        old_zip = write_inputs(world, setup_for(strict), tmp_path)
        run = mtls_kit(
            "renew",
            old_zip,
            "--key-file",
            "new.p12",
            *KEY_ENV,
            "--out",
            "new.zip",
            *LOOPBACK,
            "--json",
            cwd=tmp_path,
            env=env,
        )

    assert run.returncode == 1
    report = run.json()
    assert report["ok"] is False and report["connection_test"]["outcome"] == "issuer-not-accepted"
    assert "do not deploy" in run.stderr
    assert zipfile.is_zipfile(tmp_path / "new.zip")


def test_a_hostile_zip_is_exit_1_with_a_sentence(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../keystore.jks", b"\xfe\xed\xfe\xed")
    (tmp_path / "evil.zip").write_bytes(buffer.getvalue())
    (tmp_path / "new.p12").write_bytes(b"unused")

    run = mtls_kit(
        "renew",
        "evil.zip",
        "--key-file",
        "new.p12",
        *KEY_ENV,
        "--out",
        "new.zip",
        "--json",
        cwd=tmp_path,
    )

    assert run.returncode == 1
    assert "outside its own folder" in run.json()["error"]


def test_no_key_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "last.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    run = mtls_kit("renew", "last.zip", "--out", "new.zip", cwd=tmp_path)
    assert run.returncode == 2 and "--key-file" in run.stderr


def test_at_a_terminal_only_the_wrong_password_is_asked_for(
    world: RenewalWorld, partner: MtlsServer, env: dict[str, str], tmp_path: Path
) -> None:
    setup = setup_for(partner)
    write_inputs(world, setup, tmp_path)
    files = last_year_files(world, setup)
    config = json.loads(files["destination.json"])
    config["truststorePass"] = "changed on the platform"
    files["destination.json"] = json.dumps(config).encode()
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    master, slave = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k not in PASSWORD_ENV}
    environment.update({"LC_ALL": "C.UTF-8", "MTLS_KEY_PASS": KEY_PASS, **env})
    process = subprocess.Popen(
        [
            *command(),
            "renew",
            *files,
            "--key-file",
            "new.p12",
            *KEY_ENV,
            "--out",
            "new.zip",
            *LOOPBACK,
        ],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=slave,
        cwd=tmp_path,
        env=environment,
        start_new_session=True,
    )
    os.close(slave)
    seen = bytearray()
    try:
        expect(master, "Truststore password: ", seen)
        os.write(master, TRUST_PASS.encode() + b"\n")
        stdout, _ = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    assert process.returncode == 0, bytes(seen)
    assert b"does not open acme-trust.jks" in seen
    assert b"Keystore password" not in seen  # destination.json's opened the keystore
    assert TRUST_PASS.encode() not in seen and b"connection test: accepted" in stdout
    written = json.loads(members((tmp_path / "new.zip").read_bytes())["destination.json"])
    assert written["truststorePass"] == TRUST_PASS  # the one that opens the truststore


def test_files_without_a_url_ask_for_url(
    world: RenewalWorld, partner: MtlsServer, env: dict[str, str], tmp_path: Path
) -> None:
    setup = LastYearSetup(url="", keystore_password=STORE_PASS, truststore_password=TRUST_PASS)
    old_zip = write_inputs(world, setup, tmp_path)
    args = ["renew", old_zip, "--key-file", "new.p12", *KEY_ENV, "--out", "new.zip", *LOOPBACK]

    asked = mtls_kit(*args, cwd=tmp_path, env=env)
    assert asked.returncode == 1 and "--url URL" in asked.stderr

    given = mtls_kit(*args, "--url", partner.url + "/in", "--json", cwd=tmp_path, env=env)
    assert given.returncode == 0, given.stderr
    assert given.json()["destination"]["url"] == partner.url + "/in"
    assert given.json()["destination"]["keystorePass"] == "••••••••"
