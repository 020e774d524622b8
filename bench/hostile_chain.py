"""A hostile TLS server against the chain fetch (issue 10, hole 1).

The server sends a leaf plus two groups of CA certificates that all sign each other; the old
chain search took 44.7 s for 13 certificates. `collect_partner_chain` must answer within a
second, with a result (13, 20) or a plain refusal (30, over the server certificate cap).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from webapp.pki.partner import FetchError, OutboundPolicy
from webapp.pki.partner.collect import collect_partner_chain

__all__ = ["HostileChainResult", "measure_hostile_chains", "render_hostile_chains"]

SIZES = (13, 20, 30)  # 20: the most a server may send (fetch.MAX_SERVER_CERTIFICATES)
LIMIT_SECONDS = 1.0


@dataclass(frozen=True)
class HostileChainResult:
    certificates: int
    seconds: float
    outcome: str  # "result: N entries" or the plain message


def measure_hostile_chains(folder: Path) -> list[HostileChainResult]:
    from tests.support.cross_signed import write_cross_signed_server_files
    from tests.support.tls_server import LocalTLSServer

    policy = OutboundPolicy.from_config(["127.0.0.0/8"])
    results = []
    for total in SIZES:
        chain, key = write_cross_signed_server_files(folder, total)
        with LocalTLSServer(chain, key) as server:
            started = time.perf_counter()
            try:
                collected = collect_partner_chain(
                    server.address, policy=policy, connect_timeout=5, handshake_timeout=5
                )
                outcome = f"result: {len(collected.certificates)} certificates listed"
            except FetchError as exc:
                outcome = f"refused: {exc}"
            results.append(HostileChainResult(total, time.perf_counter() - started, outcome))
    return results


def render_hostile_chains(results: list[HostileChainResult]) -> str:
    lines = [
        "",
        "## Hostile chain fetch (cross-signed groups)",
        "",
        "| certificates sent | time | answer |",
        "|---|---|---|",
    ]
    for r in results:
        verdict = "ok" if r.seconds < LIMIT_SECONDS else f"OVER {LIMIT_SECONDS:.0f} s"
        lines.append(f"| {r.certificates} | {r.seconds * 1000:.0f} ms ({verdict}) | {r.outcome} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        print(render_hostile_chains(measure_hostile_chains(Path(scratch))))
