"""nginx as the partner's server: started on loopback with its own configuration (issue 20).

Debian's nginx (`nginx-light` in CI, /usr/sbin/nginx) runs in the foreground from a temporary
prefix: configuration, certificates, pid file and both logs live in the test's folder, never
in /etc/nginx or /var/log. The port is a free one picked by the kernel just before the start
(a clash with another engineer's server is retried).

`NginxSetup` holds the few directives the interop setups vary: which CA nginx verifies
clients against (and lists), `ssl_verify_client`, `ssl_protocols`, `ssl_crl`,
`ssl_verify_depth`, and a 403 for one subject through a `map` on `$ssl_client_s_dn`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.support.tools import require_tool

__all__ = ["NginxServer", "NginxSetup"]

NGINX = "/usr/sbin/nginx"
START_TIMEOUT = 10.0  # seconds; a cold start on a busy 2-core runner is well under one


@dataclass(frozen=True)
class NginxSetup:
    verify_client: str = "on"  # "on", "optional", "optional_no_ca" or "off"
    client_cas: Sequence[x509.Certificate] = ()  # ssl_client_certificate: verified AND listed
    protocols: str = "TLSv1.2 TLSv1.3"
    crl: bytes | None = None  # PEM CRL(s) for ssl_crl
    verify_depth: int | None = None  # ssl_verify_depth (nginx's default is 1)
    forbidden_subject: str | None = None  # a regex on $ssl_client_s_dn that gets a 403


class NginxServer:
    """`with NginxServer(folder, chain=..., key=..., setup=...) as server:` -> server.port."""

    def __init__(
        self, folder: Path, *, chain: Sequence[x509.Certificate], key: Any, setup: NginxSetup
    ) -> None:
        self.nginx = require_tool("nginx", path=NGINX, why="nginx plays the partner's server")
        self.folder, self.chain, self.key, self.setup = folder, chain, key, setup
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/inbound"

    def log(self) -> str:
        """The error log (nginx says there why it refused a client certificate)."""
        path = self.folder / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __enter__(self) -> NginxServer:
        self._write_files()
        for _ in range(5):  # the free port may be taken between our check and nginx's bind
            self.port = _free_port()
            (self.folder / "nginx.conf").write_text(self._config())
            if self._start():
                return self
        raise AssertionError(f"nginx did not start:\n{self.log()}")

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=5)

    def _start(self) -> bool:
        self._process = subprocess.Popen(
            [self.nginx, "-p", str(self.folder), "-c", "nginx.conf", "-e", "error.log"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return False
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return True
            except OSError:
                time.sleep(0.05)
        self.__exit__()
        return False

    def _write_files(self) -> None:
        pem = serialization.Encoding.PEM
        (self.folder / "server.pem").write_bytes(b"".join(c.public_bytes(pem) for c in self.chain))
        (self.folder / "server.key").write_bytes(
            self.key.private_bytes(
                pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        (self.folder / "client-cas.pem").write_bytes(
            b"".join(c.public_bytes(pem) for c in self.setup.client_cas)
        )
        if self.setup.crl is not None:
            (self.folder / "crl.pem").write_bytes(self.setup.crl)

    def _config(self) -> str:
        s = self.setup
        client = [f"ssl_verify_client {s.verify_client};"]
        if s.client_cas:
            client.append("ssl_client_certificate client-cas.pem;")
        if s.crl is not None:
            client.append("ssl_crl crl.pem;")
        if s.verify_depth is not None:
            client.append(f"ssl_verify_depth {s.verify_depth};")
        deny = f'"~{s.forbidden_subject}" 1;' if s.forbidden_subject else ""
        # As root, the worker would switch to "nobody" and lose the files in the tmp folder.
        user = "user root;" if os.geteuid() == 0 else ""
        temp = " ".join(
            f"{kind}_temp_path temp/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (self.folder / "temp").mkdir(exist_ok=True)
        return f"""
{user}
daemon off;
master_process on;
worker_processes 1;
pid nginx.pid;
error_log error.log info;
events {{ worker_connections 64; }}
http {{
    access_log access.log;
    {temp}
    map $ssl_client_s_dn $denied {{ default 0; {deny} }}
    server {{
        listen 127.0.0.1:{self.port} ssl;
        ssl_certificate server.pem;
        ssl_certificate_key server.key;
        ssl_protocols {s.protocols};
        {" ".join(client)}
        location / {{
            if ($denied) {{ return 403; }}
            default_type text/plain;
            return 200 "client=$ssl_client_s_dn verify=$ssl_client_verify\\n";
        }}
    }}
}}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
