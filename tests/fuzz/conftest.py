"""Hypothesis settings for the fuzz suite, its seed files, and the closing tally.

`make test` prints the tally (cases run, 5xx seen, slowest case) in pytest's terminal summary,
so CI output shows it whatever the -s/-q options.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from tests.fuzz.record import TALLY
from tests.fuzz.seeds import SeedFiles, build_seed_files

# Reproducible in CI (derandomize, no example database), and the 2-second rule as
# Hypothesis's own deadline too.
settings.register_profile(
    "fuzz",
    deadline=2000,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)


@pytest.fixture(scope="session")
def seeds() -> SeedFiles:
    return build_seed_files()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TALLY.cases:
        return
    terminalreporter.section("fuzz suite (issue 4)")
    terminalreporter.write_line(f"fuzz cases run: {TALLY.cases}")
    terminalreporter.write_line(f"fuzz 5xx responses seen: {TALLY.server_errors}")
    terminalreporter.write_line(
        f"fuzz slowest case: {TALLY.slowest_ms:.0f} ms ({TALLY.slowest_name})"
    )
