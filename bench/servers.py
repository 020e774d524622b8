"""Real servers on loopback for benchmarks and deployment tests: redis-server and gunicorn.

Both are started as separate processes exactly as an operator would run them, on a free
port, and stopped by their own process id.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

__all__ = ["AppServer", "ROOT", "RedisServer", "free_port", "rss_bytes"]

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONFIG = ROOT / "gunicorn.conf.py"
# Importing cryptography and Flask in every worker takes a second or two on a busy machine.
START_TIMEOUT = 30.0


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A throw-away redis-server on 127.0.0.1.

    ``persistent=True`` turns on the append-only file (fsync on every write) in ``folder``, so
    the data survives a stop and start, as with a production Redis that is restarted.
    """

    def __init__(
        self,
        folder: Path,
        *,
        persistent: bool = False,
        binary: str | None = None,
        port: int | None = None,
    ) -> None:
        self.binary = binary or shutil.which("redis-server") or "redis-server"
        self.folder = folder
        self.persistent = persistent
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        persistence = (
            ["--appendonly", "yes", "--appendfsync", "always"]
            if self.persistent
            else ["--appendonly", "no"]
        )
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                *persistence,
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while not self.answers_ping():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Shut down cleanly (SIGTERM: Redis flushes its append-only file first)."""
        if self.process is not None:
            if self.process.poll() is None:
                self.resume()  # a stopped process cannot act on SIGTERM
                self.process.terminate()
                self.process.wait(timeout=30)
            self.process = None

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open but nothing answers."""
        if self.process is not None:
            self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)

    def answers_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class AppServer:
    """The app under gunicorn with gunicorn.conf.py, configured only through the environment.

    stdout (JSON request logs) and stderr (gunicorn's log) go to files in ``log_folder``.
    """

    def __init__(
        self,
        log_folder: Path,
        *,
        env: Mapping[str, str],
        port: int | None = None,
        name: str = "app",
    ) -> None:
        self.port = port or free_port()
        self.env = env
        self.stdout_path = log_folder / f"{name}-{self.port}.stdout"
        self.stderr_path = log_folder / f"{name}-{self.port}.stderr"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> AppServer:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "GUNICORN_"))}
        env.pop("WEB_CONCURRENCY", None)
        env.update({"HOST": "127.0.0.1", "PORT": str(self.port), **self.env})
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.stdout_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                [str(gunicorn), "--config", str(GUNICORN_CONFIG), "webapp:create_app()"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=err,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while not self._healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"gunicorn did not start on port {self.port}:\n"
                    + self.stderr_path.read_text(errors="replace")[-2000:]
                )
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        """Graceful shutdown (SIGTERM to the master, which stops its workers)."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self.process = None

    def worker_pids(self) -> list[int]:
        """The gunicorn worker processes (children of the master)."""
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def get(self, path: str) -> tuple[int, bytes]:
        """One plain request on a fresh connection (for probes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def stdout_text(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def stderr_text(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def _healthy(self) -> bool:
        try:
            return self.get("/healthz")[0] == 200
        except OSError:
            return False

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def rss_bytes(pid: int) -> int:
    """Resident set size of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise LookupError(f"no VmRSS for process {pid}")
