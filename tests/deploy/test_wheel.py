"""The app as a package: a wheel built from the repository, installed outside the checkout,
serves the page and its static files under gunicorn started from another folder.

No network: the wheel is built with the test venv's setuptools (--no-build-isolation) and
installed with --no-deps into a folder of its own; the dependencies come from the test venv.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.servers import ROOT, free_port
from tests.i18n.catalogues import catalogue

START_TIMEOUT = 30.0
# What a wheel is built from; the rest of the checkout (venv, tests, screenshots) stays out.
SOURCES = ("pyproject.toml", "setup.py", "README.md", "webapp", "templates", "static")
# The worker reports where its app came from (post_worker_init runs after the app loaded).
REPORTING_CONFIG = """
import json, os, sys
def post_worker_init(worker):
    app = worker.wsgi
    with open(os.environ["WHEEL_TEST_REPORT"], "w") as report:
        json.dump({"module": sys.modules["webapp"].__file__, "templates": app.template_folder,
                   "static": app.static_folder, "instance": app.instance_path}, report)
"""


def require_setuptools() -> None:
    if importlib.util.find_spec("setuptools") is None:
        reason = "setuptools is not installed in the test venv (pip install -e '.[test]')"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


def run(*args: str | Path, cwd: Path) -> None:
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, f"{args[:4]} failed:\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel's contents installed in a folder of their own (pip install --target)."""
    require_setuptools()
    # Built from a copy, so the build leaves no build/ or *.egg-info in the checkout.
    source = tmp_path_factory.mktemp("source")
    # Compiled catalogues stay behind: the wheel build must compile its own (issue 23).
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("*.mo"))
        else:
            shutil.copy2(ROOT / name, source / name)
    wheels = tmp_path_factory.mktemp("wheels")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    run(
        *pip,
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "-w",
        wheels,
        source,
        cwd=source,
    )
    (wheel,) = wheels.glob("mtls_kit-*.whl")
    target = tmp_path_factory.mktemp("site")
    run(*pip, "install", "--no-deps", "--no-index", "--target", target, wheel, cwd=target)
    return target


@pytest.fixture(scope="module")
def served(
    installed: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict, Path]]:
    """gunicorn from the test venv, run from an empty folder, importing webapp from the
    installed folder only; yields the base URL, where the worker's app came from, and the
    FLASK_INSTANCE_PATH it was given."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "report_config.py").write_text(REPORTING_CONFIG)
    report = elsewhere / "report.json"
    port = free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "GUNICORN_", "PYTHON"))
    }
    env.update(
        PYTHONPATH=str(installed),
        WHEEL_TEST_REPORT=str(report),
        FLASK_INSTANCE_PATH=str(elsewhere / "instance"),
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with open(elsewhere / "gunicorn.log", "wb") as log:
        process = subprocess.Popen(
            [
                str(gunicorn),
                "--config",
                "report_config.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "webapp:create_app()",
            ],
            cwd=elsewhere,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not report.exists() or not report.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    "gunicorn did not start the installed app:\n"
                    + (elsewhere / "gunicorn.log").read_text(errors="replace")[-3000:]
                )
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", json.loads(report.read_text()), elsewhere / "instance"
    finally:
        process.terminate()
        process.wait(timeout=30)


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    deadline = time.monotonic() + 10
    while True:  # the worker may report before it accepts
        try:
            request = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_the_wheel_carries_templates_and_static_files(installed: Path) -> None:
    package = installed / "webapp"
    assert (package / "templates" / "base.html").is_file()
    assert (package / "py.typed").is_file()
    for language in ("de", "fr", "es"):  # compiled by the build (setup.py), not copied
        assert (package / "translations" / language / "LC_MESSAGES" / "messages.mo").is_file()
    assert (package / "templates" / "keystore" / "_step.html").is_file()
    assert sorted(p.name for p in (package / "static").iterdir()) == sorted(
        p.name for p in (ROOT / "static").iterdir()
    )
    # Every package of the checkout ships: sub-packages need no edit of the build config.
    packages = {p.parent.relative_to(ROOT) for p in (ROOT / "webapp").rglob("__init__.py")}
    assert all((installed / p / "__init__.py").is_file() for p in packages)


def test_the_installed_app_serves_the_page_and_static_files(
    installed: Path, served: tuple[str, dict, Path]
) -> None:
    base, origin, instance = served
    # The project venv's editable install points at the checkout: it must not have been used.
    for folder in ("module", "templates", "static"):
        assert Path(origin[folder]).is_relative_to(installed / "webapp"), origin
    assert origin["instance"] == str(instance)  # FLASK_INSTANCE_PATH
    assert (instance / "secret_key").is_file()

    status, page = get(base + "/")
    assert status == 200
    assert b"Set up mutual TLS in three steps" in page
    # In German from outside the checkout: the wheel carries the compiled catalogues.
    german = catalogue("de").get("Set up mutual TLS in three steps")
    assert german is not None and german.string
    status, page = get(base + "/", {"Accept-Language": "de-DE"})
    assert status == 200
    assert b'<html lang="de">' in page
    assert str(german.string).encode() in page
    status, script = get(base + "/static/htmx-4.0.1.min.js")
    assert status == 200
    assert script == (ROOT / "static" / "htmx-4.0.1.min.js").read_bytes()
