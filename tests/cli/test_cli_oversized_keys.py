"""Issue 19, point 1 through the command line: `mtls-kit keystore` with an RSA key over 8,192
bits exits 1 with the same plain sentence as the page, without OpenSSL's seconds-long check."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.support.big_keys import KEY_16K, big_key, pem_with_key, pkcs12_with_key

from .conftest import KEY_ENV, KEY_PASS, STORE_ENV, mtls_kit


def timed(*args: str | Path, cwd: Path):
    started = time.perf_counter()
    run = mtls_kit(*args, cwd=cwd)
    return run, time.perf_counter() - started


@pytest.mark.parametrize("form", ["pem", "p12"])
def test_keystore_refuses_an_oversized_key(tmp_path: Path, form: str):
    key = big_key(KEY_16K)
    source = tmp_path / f"big.{form}"
    source.write_bytes(pem_with_key(key) if form == "pem" else pkcs12_with_key(key, KEY_PASS))
    # Starting Python and importing the app costs the same with any input: the refusal itself
    # must add less than a second (the key check alone would add ~30 s for this key).
    help_run, startup = timed("--help", cwd=tmp_path)
    assert help_run.returncode == 0, help_run
    run, elapsed = timed(
        "keystore", source, *KEY_ENV, *STORE_ENV, "--out", tmp_path / "out.jks", cwd=tmp_path
    )
    assert run.returncode == 1, run
    assert "This key is 15,636 bits; RSA keys over 8,192 bits are not accepted" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "out.jks").exists()
    assert elapsed - startup < 1.0, f"refusing took {elapsed:.2f} s ({startup:.2f} s to start)"
