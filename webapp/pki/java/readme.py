"""The bundle's README.txt in plain words, in the reader's language (issue 23).

Each paragraph is one text to translate, its line breaks written into it, so the English
README stays exactly as it was and a translation wraps its own lines. File names, the
destination.json keys and the outcome code stay as they are. Every value (a certificate's
name, a typed path or URL) is put on one line before it goes into a paragraph, and every
line goes through one_line again: a value can never add a line of its own (issue 19).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from webapp.pki.certs.describe import CertificateSummary
from webapp.pki.java.destination import DestinationConfig
from webapp.pki.java.reminder import ExpiryReminder
from webapp.pki.text import one_line, one_line_each
from webapp.translation import _, long_date

__all__ = ["ConnectionTestNote", "next_steps"]

# The file-list column: destination.json and its description, then the indent below it.
_CONFIG_COLUMN = "destination.json    "
_STEP_INDENT = "   "


@dataclass(frozen=True)
class ConnectionTestNote:
    """The last connection test with these files (issue 11), for the README."""

    tested_at: str  # as people read it, e.g. "30 November 2026, 19:40 UTC"
    url: str
    outcome: str  # the outcome code, e.g. "accepted"
    headline: str  # its plain sentence


def next_steps(
    *,
    keystore_name: str,
    truststore_name: str,
    certificate_name: str,
    destination: DestinationConfig,
    own: CertificateSummary,
    trusted: Sequence[CertificateSummary],
    own_chain: Sequence[CertificateSummary] = (),
    reminder: ExpiryReminder | None = None,
    other_files: Sequence[str] = (),
    connection_test: ConnectionTestNote | None = None,
) -> str:
    """The README.txt: where the files go, what to send to whom, when things expire.

    Each expiry names who renews it (issue 12): the user renews their own certificate, their
    certificate authority its own certificates, the partner theirs. Every line goes through
    one_line: names from certificates (the partner's, fetched from their server) and typed
    values can never add a line of their own (issue 19).
    """
    ours = {s.sha256_fingerprint for s in (own, *own_chain)}
    partner = [s for s in trusted if s.sha256_fingerprint not in ours]
    own_authorities = [s for s in own_chain if s.sha256_fingerprint != own.sha256_fingerprint]
    names = (one_line(keystore_name), one_line(truststore_name), one_line(certificate_name))
    lines = _files(*names) + _steps(*names, destination)
    lines += _expiry_lines(own, own_authorities, partner)
    lines += _optional_sections(reminder, other_files, connection_test)
    return "\n".join(one_line_each(lines)) + "\n"


def _paragraph(text: str, *, first: str = "", rest: str = "") -> list[str]:
    """A translated paragraph as lines: `first` before its first line, `rest` before the
    others (a numbered step's indent, the file list's column)."""
    head, *tail = text.split("\n")
    return [first + head, *(rest + line for line in tail)]


def _heading(title: str, underline: str) -> list[str]:
    return [title, underline * len(title)]


def _files(keystore_name: str, truststore_name: str, certificate_name: str) -> list[str]:
    """What each file is."""
    return [
        *_heading(_("Your mutual TLS files"), "="),
        "",
        keystore_name
        + "     "
        + _("your key pair (private key + certificate chain). Keep it secret."),
        truststore_name
        + "   "
        + _("the certificates you trust: the partner's server chain and your own."),
        *_paragraph(
            _(
                "the settings for the platform's HTTPS destination. It holds both\n"
                "passwords: store it like a password; delete copies you do not need."
            ),
            first=_CONFIG_COLUMN,
            rest=" " * len(_CONFIG_COLUMN),
        ),
        certificate_name
        + "  "
        + _("your certificate (public). This is the file to send to the partner."),
        "",
    ]


def _steps(
    keystore_name: str,
    truststore_name: str,
    certificate_name: str,
    destination: DestinationConfig,
) -> list[str]:
    """The steps to put the files in place."""
    steps = [
        _(
            "Copy {keystore} and {truststore} to the platform's server, to the paths\n"
            "named in destination.json ({keystore_path} and {truststore_path}).",
            keystore=keystore_name,
            truststore=truststore_name,
            keystore_path=one_line(destination.keystore_file),
            truststore_path=one_line(destination.truststore_file),
        ),
        _(
            "Add keystoreFile, keystorePass, truststoreFile and truststorePass from\n"
            "destination.json to the JSON of the destination for {url}.",
            url=one_line(destination.url) or _("the partner URL"),
        ),
        _(
            "Email {certificate} to the partner's server administrator, so their server\n"
            "accepts your connections. Never send the keystore or a password.",
            certificate=certificate_name,
        ),
        _(
            "Send a test message. If the partner refuses the connection, check with them "
            "that they\ninstalled your certificate."
        ),
    ]
    lines = _heading(_("Next steps"), "-")
    for number, step in enumerate(steps, start=1):
        lines += _paragraph(step, first=f"{number}. ", rest=_STEP_INDENT)
    return [*lines, ""]


def _expiry_lines(
    own: CertificateSummary,
    own_authorities: Sequence[CertificateSummary],
    partner: Sequence[CertificateSummary],
) -> list[str]:
    """When things expire, and who renews each (issue 12)."""
    lines = _heading(_("When things expire"), "-")
    lines += _paragraph(
        _(
            "Your certificate ({name}) expires on {date}. You renew\n"
            "it: ask your certificate authority or IT team for a new one, build a new "
            "keystore with\nit, and send the new certificate to the partner before the old "
            "one expires.",
            name=one_line(own.subject_name),
            date=long_date(own.not_after),
        )
    )
    if own_authorities:
        soonest_ca = min(own_authorities, key=lambda s: s.not_after)
        lines += ["", *_paragraph(_own_authority(soonest_ca))]
    if partner:
        soonest = min(partner, key=lambda s: s.not_after)
        text = _(
            "The first of the partner's certificates to expire is {name}, on\n"
            "{date}. The partner renews it, not you; when they do, fetch\n"
            "their certificates again with this tool and build a new truststore.",
            name=one_line(soonest.subject_name),
            date=long_date(soonest.not_after),
        )
        lines += ["", *_paragraph(text)]
    return lines


def _own_authority(authority: CertificateSummary) -> str:
    return _(
        "Your certificate authority's certificate {name} expires on\n"
        "{date}. Your certificate authority renews it; then build\n"
        "both stores again.",
        name=one_line(authority.subject_name),
        date=long_date(authority.not_after),
    )


def _optional_sections(
    reminder: ExpiryReminder | None,
    other_files: Sequence[str],
    connection_test: ConnectionTestNote | None,
) -> list[str]:
    """The parts only some bundles have: the reminder, other Java setups, the last test."""
    lines: list[str] = []
    if reminder is not None:
        lines += ["", reminder.readme_sentence()]
    if other_files:
        lines += ["", *_heading(_("Settings for other Java setups"), "-")]
        lines += _paragraph(
            _(
                "The same files and passwords for a Spring Boot service, any Java "
                "application or\nyour own code: {files}.",
                files=one_line(", ".join(other_files)),
            )
        )
        lines += [_("They hold the passwords too (all but the code sample): keep them as safe.")]
    if connection_test is not None:
        lines += ["", *_heading(_("Connection test"), "-")]
        lines += [
            _(
                "Tested on {when} against {url}:",
                when=one_line(connection_test.tested_at),
                url=one_line(connection_test.url),
            ),
            f"{connection_test.outcome}: {connection_test.headline}",
        ]
    return lines
