"""With a terminal attached and no password option, mtls-kit asks: hidden, new ones twice."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time
from pathlib import Path

from tests.cli.conftest import KEY_PASS, PASSWORD_ENV, STORE_PASS, command
from webapp.pki.java import read_store

TIMEOUT = 60.0


def expect(master: int, text: str, seen: bytearray) -> None:
    """Read the terminal until `text` appears (the prompt), or fail after TIMEOUT."""
    deadline = time.monotonic() + TIMEOUT
    while text.encode() not in seen:
        assert time.monotonic() < deadline, f"no {text!r} in {bytes(seen)!r}"
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                seen += os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
    assert text.encode() in seen, bytes(seen)


def test_passwords_are_asked_at_the_terminal_hidden(inputs: Path, tmp_path: Path) -> None:
    master, slave = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k not in PASSWORD_ENV}
    environment["LC_ALL"] = "C.UTF-8"
    process = subprocess.Popen(
        [*command(), "keystore", str(inputs / "client.p12"), "--out", "keystore.p12"],
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
        # The .p12 needs a password: asked only once reading it without one has failed.
        expect(master, "Key pair file password: ", seen)
        os.write(master, KEY_PASS.encode() + b"\n")
        expect(master, "Keystore password: ", seen)
        os.write(master, STORE_PASS.encode() + b"\n")
        expect(master, "Repeat for confirmation: ", seen)
        os.write(master, STORE_PASS.encode() + b"\n")
        stdout, _ = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    assert process.returncode == 0, bytes(seen)
    assert b"Wrote keystore.p12 (PKCS#12)" in stdout
    # Echo was off: what was typed never shows on the terminal.
    assert KEY_PASS.encode() not in seen and STORE_PASS.encode() not in seen
    assert read_store((tmp_path / "keystore.p12").read_bytes(), STORE_PASS).aliases == (
        "shared-client-ec256",
    )
