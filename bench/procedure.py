"""The whole procedure a user follows, over HTTP, step by step, with the time of each step.

import the .p12 → keystore settings → upload the partner's certificates → truststore
settings → finish settings → download all (zip). Each step submits the form found on the
previous page, like a person clicking through; CSRF tokens come from those forms.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from .browser import Browser, HTTPResponse, UploadFile

__all__ = [
    "KEYSTORE_PASSWORD",
    "KEY_DECRYPTING_STEPS",
    "P12_FRIENDLY_NAME",
    "P12_PASSWORD",
    "STEPS",
    "TRUSTSTORE_PASSWORD",
    "Materials",
    "ProcedureError",
    "ProcedureWalk",
    "StepTimes",
    "make_materials",
    "walk_procedure",
    "zip_members",
]

STEPS = (
    "open page",
    "import key pair",
    "keystore settings",
    "upload certificates",
    "truststore settings",
    "finish settings",
    "download all",
)
# Steps whose cost is dominated by reading a private key (PKCS#12 decryption on import; the
# saved key is read back to write the keystore into the zip). The others should be quick.
KEY_DECRYPTING_STEPS = frozenset({"import key pair", "download all"})

P12_PASSWORD = "p12-secret"
KEYSTORE_PASSWORD = "keystore-pass"
TRUSTSTORE_PASSWORD = "truststore-pass"
P12_FRIENDLY_NAME = "client"
# What `openssl pkcs12 -export` writes with OpenSSL 3 defaults (PBES2, PBKDF2-HMAC-SHA256,
# AES-256-CBC, 2048 iterations, SHA-256 MAC): the .p12 an IT team typically hands out.
P12_KDF_ROUNDS = 2048


class ProcedureError(AssertionError):
    """A step did not produce what a user would have seen next."""


@dataclass(frozen=True)
class Materials:
    """What a user brings: their .p12 (with password) and the partner's certificate files."""

    p12: bytes
    p12_password: str
    partner_certificates: tuple[tuple[str, bytes], ...]  # (file name, PEM)
    folder: Path

    @property
    def p12_path(self) -> Path:
        return self.folder / "client.p12"


@dataclass
class StepTimes:
    """Seconds per step, appended by every walk that shares it (append is thread-safe)."""

    seconds: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})


def make_materials(folder: Path, *, key_kind: str = "rsa2048") -> Materials:
    """A throw-away client key pair as a .p12, and a partner CA (root + intermediate)."""
    from tests.support.throwaway_pki import ThrowawayCA

    ours = ThrowawayCA("Our Root CA", key_kind="ec256")
    client = ours.issue_client("Client One", key_kind=key_kind)
    partner = ThrowawayCA("Partner Root CA", key_kind="ec256")
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(P12_KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(P12_PASSWORD.encode())
    )
    p12 = pkcs12.serialize_key_and_certificates(
        P12_FRIENDLY_NAME.encode(), client.key, client.cert, list(client.chain), encryption
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "client.p12").write_bytes(p12)
    partner_files = (
        ("partner-root.pem", partner.root_pem()),
        ("partner-intermediate.pem", partner.intermediate.cert_pem()),
    )
    for name, pem in partner_files:
        (folder / name).write_bytes(pem)
    return Materials(p12, P12_PASSWORD, partner_files, folder)


class ProcedureWalk:
    """One user going through the procedure a step at a time (tests stop storage in between).

    Step i goes to ``bases[i % len(bases)]``: several instances behind a load balancer.
    ``think`` seconds pass before each step after the first (a person reading the page).
    """

    def __init__(
        self,
        browser: Browser,
        bases: Sequence[str],
        materials: Materials,
        times: StepTimes | None = None,
        *,
        think: float = 0.0,
    ) -> None:
        self.browser, self.bases, self.materials = browser, list(bases), materials
        self.times, self.think = times, think
        self.done = 0  # steps completed
        self.page: HTTPResponse | None = None
        self.bundle = b""  # the zip, after the last step

    @property
    def next_step(self) -> str | None:
        return STEPS[self.done] if self.done < len(STEPS) else None

    def attempt(self) -> HTTPResponse:
        """Try the next step; move on only if it worked (200, no error beside a field)."""
        name = self.next_step
        if name is None:
            raise ProcedureError("the procedure is already complete")
        if self.think and self.done:
            time.sleep(self.think)
        base = self.bases[self.done % len(self.bases)]
        started = time.perf_counter()
        response = self._send(name, base)
        elapsed = time.perf_counter() - started
        if _succeeded(name, response):
            if self.times is not None:
                self.times.seconds[name].append(elapsed)
            self.done += 1
            if name == "download all":
                self.bundle = response.body
            else:
                self.page = response
        return response

    def step(self) -> HTTPResponse:
        """The next step, which must work."""
        name = self.next_step
        response = self.attempt()
        if self.next_step == name:
            raise ProcedureError(f"{name}: status {response.status}: {_problem(response)}")
        return response

    def run(self, *, until: str | None = None) -> ProcedureWalk:
        """Do the steps up to (not including) ``until``, or to the end."""
        while self.next_step is not None and self.next_step != until:
            self.step()
        return self

    def _send(self, name: str, base: str) -> HTTPResponse:
        b, m, page = self.browser, self.materials, self.page
        if name == "open page":
            return b.get(base + "/", fragment=False)
        assert page is not None
        if name == "import key pair":
            return b.submit(
                page,
                "import-form",
                {"key_password": m.p12_password},
                base=base,
                files=[UploadFile("key_file", "client.p12", m.p12, "application/x-pkcs12")],
            )
        if name == "keystore settings":
            return b.submit(
                page,
                "keystore-settings",
                {
                    "keystore_password": KEYSTORE_PASSWORD,
                    "confirm_keystore_password": KEYSTORE_PASSWORD,
                },
                base=base,
            )
        if name == "upload certificates":
            return b.submit(
                page,
                "upload-form",
                base=base,
                files=[
                    UploadFile("cert_files", file_name, pem, "application/x-pem-file")
                    for file_name, pem in m.partner_certificates
                ],
            )
        if name == "truststore settings":
            return b.submit(
                page,
                "truststore-settings",
                {
                    "truststore_password": TRUSTSTORE_PASSWORD,
                    "confirm_truststore_password": TRUSTSTORE_PASSWORD,
                },
                base=base,
            )
        if name == "finish settings":
            return b.submit(
                page,
                "finish-settings",
                {"dest_url": "https://partner.example/inbound", "folder": "/opt/platform/certs"},
                base=base,
            )
        return b.get(base + "/finish/bundle.zip", fragment=False)


def walk_procedure(
    browser: Browser,
    bases: Sequence[str],
    materials: Materials,
    times: StepTimes | None = None,
    *,
    think: float = 0.0,
) -> bytes:
    """Do the whole procedure (see ProcedureWalk); return the downloaded zip."""
    return ProcedureWalk(browser, bases, materials, times, think=think).run().bundle


def _succeeded(name: str, response: HTTPResponse) -> bool:
    if response.status != 200:
        return False
    if name == "download all":
        return response.header("Content-Type") == "application/zip"
    # Validation problems come back with status 200 and a message beside the field.
    return 'class="field__error"' not in response.text


def _problem(response: HTTPResponse) -> str:
    found = re.search(r'class="field__error"[^>]*>([^<]*)<', response.text)
    return found.group(1) if found else repr(response.text[:300])


def zip_members(data: bytes) -> dict[str, bytes]:
    """The files in a downloaded zip, by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
