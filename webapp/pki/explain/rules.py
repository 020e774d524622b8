"""The rule table: one rule per cause, its patterns and its plain words (issue 22).

Rules are listed in PRECEDENCE order and the first one with a matching line wins. The order
follows what stops Java first, not where a line sits in the paste: a store that cannot be
opened stops the platform before it connects (and its "Caused by:
UnrecoverableKeyException" must not read as a key password problem); an expired certificate
is the deepest cause of a "PKIX path validation failed"; the server's identity is checked
before the client certificate is ever sent; network failures come last, because a refusal
by the partner often ends in a reset or a broken pipe too.

There is one cause per code; a code has a second rule where the evidence or the side that
refused differs (an expired certificate seen by Java or by the partner's server; "Java sent
no certificate" read from a javax.net.debug log or from the server's alert).

Patterns are case-insensitive regular expressions searched in each line, so log prefixes
(timestamps, levels, thread and logger names) and javax.net.debug decorations do not matter.
Repetitions are bounded: a 64 KB paste of "TrustAnchor TrustAnchor …" must not cost seconds.

The table is in two parts, in this order: rules_platform (what Java itself refuses) and
rules_partner (what the partner's server or the network refuses). Their words are msgids,
translated when the answer is made (rule.Rule.words).
"""

from __future__ import annotations

from webapp.pki.explain.rule import (
    EXPIRED,
    KEY_PASSWORD_MISMATCH,
    NETWORK,
    NOT_A_KEYSTORE,
    PARTNER,
    PROTOCOL_MISMATCH,
    TIMEOUT,
    UNKNOWN,
    WRONG_STORE_PASSWORD,
    YOU,
    Rule,
)
from webapp.pki.explain.rules_partner import PARTNER_RULES, UNKNOWN_RULE
from webapp.pki.explain.rules_platform import PLATFORM_RULES

__all__ = [
    "EXPIRED",
    "KEY_PASSWORD_MISMATCH",
    "NETWORK",
    "NOT_A_KEYSTORE",
    "PARTNER",
    "PROTOCOL_MISMATCH",
    "RULES",
    "TIMEOUT",
    "UNKNOWN",
    "WRONG_STORE_PASSWORD",
    "YOU",
    "Rule",
    "UNKNOWN_RULE",
]

# In PRECEDENCE order (see above): the first rule with a matching line wins.
RULES: tuple[Rule, ...] = (*PLATFORM_RULES, *PARTNER_RULES)
