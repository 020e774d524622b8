"""One rule of the explain table, the codes it answers with, and how its words are shown.

A rule's words are msgids (issue 23): the table is built at import, outside any request, so
`Rule.words` translates them when the answer is made. `why` and `next_step` are one or more
whole sentences each, translated one by one and joined with a space; some are the connection
test's own sentences (webapp.pki.partner.outcomes), translated by that module's msgids.
"""

from __future__ import annotations

from dataclasses import dataclass

from webapp.pki.partner import outcomes as o
from webapp.translation import N_, _

__all__ = [
    "EXPIRED",
    "KEY_PASSWORD_MISMATCH",
    "NETWORK",
    "NOT_A_KEYSTORE",
    "PARTNER",
    "PROTOCOL_MISMATCH",
    "TIMEOUT",
    "UNKNOWN",
    "WRONG_STORE_PASSWORD",
    "YOU",
    "Rule",
    "alert_words",
]

WRONG_STORE_PASSWORD = "wrong-store-password"
KEY_PASSWORD_MISMATCH = "key-password-mismatch"
NOT_A_KEYSTORE = "not-a-keystore"
EXPIRED = "expired"
PROTOCOL_MISMATCH = "protocol-mismatch"
TIMEOUT = "timeout"
UNKNOWN = "unknown"

YOU = N_("Your platform (Java)")
PARTNER = N_("The partner's server")
NETWORK = N_("The network")


def alert_words(name: str) -> tuple[str, str]:
    """The connection test's own words for a TLS alert: (plain sentence, next step)."""
    words = o.translate_alert(f"alert {name}")
    assert words is not None
    return words[1], words[2]


@dataclass(frozen=True)
class Rule:
    code: str  # the data-cause code
    patterns: tuple[str, ...]  # any one matching a line decides (see `requires`)
    headline: str  # msgid
    side: str  # which side refused: YOU, PARTNER or NETWORK (msgids)
    why: tuple[str, ...]  # msgids, each one whole sentence
    next_step: tuple[str, ...]
    partner_kit: bool = False  # the partner kit is part of the next step
    requires: tuple[str, ...] = ()  # all of these must appear somewhere in the paste too

    def words(self) -> tuple[str, str, str, str]:
        """(headline, side, why, next step) in the reader's language, for the answer."""
        return _(self.headline), _(self.side), _sentences(self.why), _sentences(self.next_step)


def _sentences(msgids: tuple[str, ...]) -> str:
    return " ".join(_(msgid) for msgid in msgids)
