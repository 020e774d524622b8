"""Explain a Java error in plain words: which cause, which side refused, what to do (issue 22).

The facade the page and `mtls-kit explain` call: `explain(text)` gives an Explanation;
`what_the_files_show(cause, files)` adds what the session's own files say about it.
"""

from webapp.pki.explain.facts import SavedFiles, what_the_files_show
from webapp.pki.explain.reading import (
    MAX_PASTE,
    EmptyPaste,
    Explanation,
    PasteTooLarge,
    explain,
)
from webapp.pki.explain.rules import RULES, UNKNOWN, Rule

__all__ = [
    "MAX_PASTE",
    "RULES",
    "UNKNOWN",
    "EmptyPaste",
    "Explanation",
    "PasteTooLarge",
    "Rule",
    "SavedFiles",
    "explain",
    "what_the_files_show",
]

CODES = tuple(dict.fromkeys([rule.code for rule in RULES] + [UNKNOWN]))
