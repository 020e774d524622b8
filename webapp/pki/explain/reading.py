"""Read a pasted Java error and pick the rule that explains it (precedence: rules.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from webapp.pki.explain.rules import RULES, UNKNOWN_RULE, Rule
from webapp.translation import _

__all__ = ["MAX_PASTE", "EmptyPaste", "Explanation", "PasteTooLarge", "explain"]

# A stack trace is a few KB and a javax.net.debug handshake log ~25 KB; 64 KB holds either
# with room to spare, and keeps the regular expressions' work per request small.
MAX_PASTE = 64 * 1024
MAX_SHOWN_LINE = 400  # characters of the deciding line shown back
# A stack frame, also behind a log prefix: never the line that decides.
_FRAME = re.compile(r"(?:^|\s)(?:at [\w$./<>]+\(|\.\.\. \d+ more$)")
_EXCEPTION = re.compile(r"\b(?:[\w$]+\.)+[\w$]*(?:Exception|Error)\b(?::.*)?")


class PasteTooLarge(ValueError):
    def __init__(self) -> None:
        super().__init__(
            _(
                "This text is longer than {n} KB. Paste the exception with its "
                "“Caused by:” lines, or the last part of the log.",
                n=MAX_PASTE // 1024,
            )
        )


class EmptyPaste(ValueError):
    def __init__(self) -> None:
        super().__init__(_("Paste the Java error message first."))


@dataclass(frozen=True)
class Explanation:
    """The answer, its words in the reader's language (English outside a request)."""

    cause: str  # the data-cause code
    headline: str
    side: str  # which side refused
    why: str
    next_step: str
    partner_kit: bool
    matched: str  # the line of the paste that decided it ("" for unknown without one)
    recognised: tuple[str, ...] = ()  # for unknown: the exceptions we saw

    def as_json(self) -> dict[str, str]:
        """What `mtls-kit explain --json` prints."""
        return {
            "cause": self.cause,
            "headline": self.headline,
            "next_step": self.next_step,
            "matched": self.matched,
        }


def explain(text: str) -> Explanation:
    """The cause of the Java error in `text` (a stack trace, log lines or a debug log).

    Raises PasteTooLarge or EmptyPaste (plain sentences for beside the field)."""
    if len(text.encode("utf-8", "replace")) > MAX_PASTE:
        raise PasteTooLarge()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise EmptyPaste()
    candidates = [line for line in lines if not _FRAME.match(line)]
    for rule in RULES:
        line = _deciding_line(rule, candidates, text)
        if line is not None:
            return _explanation(rule, line)
    recognised = tuple(
        dict.fromkeys(_shown(m.group(0)) for m in map(_EXCEPTION.search, lines) if m)
    )
    return _unknown(recognised[-3:])


def _deciding_line(rule: Rule, lines: list[str], text: str) -> str | None:
    """The line matched by the rule's most telling pattern (the first in its list); among
    equals the last one, which in a "Caused by:" chain is the deepest cause."""
    if any(re.search(p, text, re.IGNORECASE) is None for p in rule.requires):
        return None
    for pattern in rule.patterns:
        found = [line for line in lines if re.search(pattern, line, re.IGNORECASE)]
        if found:
            return found[-1]
    return None


def _shown(line: str) -> str:
    return line if len(line) <= MAX_SHOWN_LINE else line[: MAX_SHOWN_LINE - 1] + "…"


def _explanation(rule: Rule, line: str) -> Explanation:
    headline, side, why, next_step = rule.words()
    return Explanation(
        cause=rule.code,
        headline=headline,
        side=side,
        why=why,
        next_step=next_step,
        partner_kit=rule.partner_kit,
        matched=_shown(line),
    )


def _unknown(recognised: tuple[str, ...]) -> Explanation:
    rule = UNKNOWN_RULE
    headline, side, why, next_step = rule.words()
    if recognised:  # the exception names are Java's words, never translated
        why += " " + _("What we recognised: {names}.", names="; ".join(recognised))
    else:
        why += " " + _("We found no Java exception in it.")
    return Explanation(
        cause=rule.code,
        headline=headline,
        side=side,
        why=why,
        next_step=next_step,
        partner_kit=False,
        matched=recognised[-1] if recognised else "",
        recognised=recognised,
    )
