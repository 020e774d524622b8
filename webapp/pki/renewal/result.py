"""What a renewal made, said in one line and in details, and its zip ("Download all")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from webapp.pki.certs.describe import describe_certificate
from webapp.pki.certs.names import plain_name
from webapp.pki.java.bundle import ConnectionTestNote, build_bundle
from webapp.pki.java.destination import DestinationConfig
from webapp.pki.java.file_names import safe_file_name
from webapp.pki.java.reminder import DEFAULT_LEAD_DAYS, ReminderError, expiry_reminder
from webapp.pki.java.snippets import consumer_snippets
from webapp.pki.keyimport.keypair import KeyPair
from webapp.pki.partner import outcomes as o
from webapp.pki.partner.outcomes import ConnectionTestResult
from webapp.pki.renewal.last_year import LastYear
from webapp.pki.renewal.trust import TrustUpdate
from webapp.translation import N_, _, locale_code, long_date, long_datetime, ngettext

__all__ = ["BUNDLE_NAME", "SNIPPET_FILE_NAMES", "Renewal", "day", "renewal_bundle"]

File = tuple[str, bytes]

BUNDLE_NAME = "mtls-files.zip"  # as "Download all" names it (views/files.bundle_file)
# The zip members of the other consumers' settings; the same as views.wizard.SNIPPET_FILES
# (a test holds the two together), kept here so the CLI never imports the web layer.
SNIPPET_FILE_NAMES = {
    "spring-yaml": "spring-ssl-bundle.yaml",
    "spring-properties": "spring-ssl-bundle.properties",
    "jvm": "jvm-options.txt",
    "java": "SslContextExample.java",
}
# The connection test's outcome in the summary: in English the code itself, as it always
# read ("connection test: accepted"); translated where the line is written.
_OUTCOME_WORDS = {
    o.ACCEPTED: N_("accepted"),
    o.SERVER_NOT_TRUSTED: N_("server-not-trusted"),
    o.HOSTNAME_MISMATCH: N_("hostname-mismatch"),
    o.CLIENT_CERT_NOT_REQUESTED: N_("client-cert-not-requested"),
    o.ISSUER_NOT_ACCEPTED: N_("issuer-not-accepted"),
    o.REJECTED: N_("rejected"),
    o.CERTIFICATE_EXPIRED: N_("certificate-expired"),
    o.UNREACHABLE: N_("unreachable"),
    o.FORBIDDEN: N_("forbidden"),
}


@dataclass(frozen=True)
class Renewal:
    """The renewed keystore and truststore, the tested result and the new zip."""

    last_year: LastYear
    key_pair: KeyPair = field(repr=False)
    keystore: File = field(repr=False)
    truststore: File = field(repr=False)
    destination: DestinationConfig = field(repr=False)  # last year's, with both passwords
    trust: TrustUpdate
    partner_warnings: tuple[str, ...]
    chain_added: tuple[x509.Certificate, ...]  # issuers found by chain completion
    connection: ConnectionTestResult
    bundle: bytes = field(default=b"", repr=False)

    @property
    def old_not_after(self) -> dt.datetime:
        return self.last_year.own_chain[0].not_valid_after_utc

    @property
    def new_not_after(self) -> dt.datetime:
        return self.key_pair.certificate.not_valid_after_utc

    @property
    def validity(self) -> str:
        return _(
            "valid until {old} → {new}", old=day(self.old_not_after), new=day(self.new_not_after)
        )

    @property
    def outcome_words(self) -> str:
        """The connection test's outcome, in words (the code stays in `connection`)."""
        outcome = self.connection.outcome
        return _(_OUTCOME_WORDS[outcome]) if outcome in _OUTCOME_WORDS else outcome

    @property
    def summary(self) -> str:
        """The one line: old → new validity, truststore changes, connection test outcome."""
        trust = self.trust
        return _(
            "Renewed: valid until {old} → {new}; truststore: {added} added, {removed} removed, "
            "{kept} kept; connection test: {outcome}.",
            old=day(self.old_not_after),
            new=day(self.new_not_after),
            added=trust.count("added"),
            removed=trust.count("replaced", "expired"),
            kept=trust.count("kept", "kept_no_longer_sent"),
            outcome=self.outcome_words,
        )

    @property
    def details(self) -> tuple[str, ...]:
        """What a folded "Details" shows: each store, each trust change, the test."""
        last = self.last_year
        ks_name, ts_name = self.keystore[0], self.truststore[0]
        count = len(self.key_pair.chain)
        lines = [
            _(
                "Your certificate {name}: valid until {old} → {new}.",
                name=plain_name(self.key_pair.certificate.subject),
                old=day(self.old_not_after),
                new=day(self.new_not_after),
            ),
            ngettext(
                "{file} ({format}): key entry “{alias}” with {n} certificate(s), the same "
                "password as last year.",
                "{file} ({format}): key entry “{alias}” with {n} certificate(s), the same "
                "password as last year.",
                count,
                file=ks_name,
                format=last.keystore.format.label,
                alias=last.alias,
            ),
        ]
        if self.chain_added:
            names = ", ".join(plain_name(c.subject) for c in self.chain_added)
            lines.append(_("Chain completed with: {names}.", names=names))
        lines.append(
            _(
                "{file} ({format}), the same password as last year:",
                file=ts_name,
                format=last.truststore.format.label,
            )
        )
        lines += self._trust_lines()
        lines += [_("Warning: {warning}", warning=warning) for warning in self.partner_warnings]
        test = self.connection
        lines.append(
            _(
                "Connection test against {url}: {outcome}. {headline}",
                url=test.url,
                outcome=self.outcome_words,
                headline=test.headline,
            )
        )
        if test.next_step and not test.passed:
            lines.append(test.next_step)
        return tuple(lines)

    def _trust_lines(self) -> list[str]:
        """One indented line per truststore entry: what happened to it, and whose it is."""
        lines = []
        for entry in self.trust.entries:
            names = {
                "action": entry.words,
                "alias": entry.alias,
                "name": plain_name(entry.certificate.subject),
                "date": day(entry.certificate.not_valid_after_utc),
            }
            line = (
                _("{action}: “{alias}” {name} (yours, valid until {date})", **names)
                if entry.own
                else _("{action}: “{alias}” {name} (partner, valid until {date})", **names)
            )
            lines.append("  " + line)
        return lines


def day(when: dt.datetime) -> str:
    """A date as people write it: "2 December 2027" (in English), the locale's long date
    elsewhere ("2. Dezember 2027")."""
    if locale_code() == "en":
        return f"{when.day} {when:%B %Y}"
    return long_date(when)


def renewal_bundle(renewal: Renewal) -> bytes:
    """The new zip, from the same builder and with the same members as "Download all"."""
    last, pair = renewal.last_year, renewal.key_pair
    destination = renewal.destination
    snippets = consumer_snippets(
        destination,
        keystore_format=last.keystore.format,
        truststore_format=last.truststore.format,
        bundle=last.bundle_name,
    )
    partner = renewal.trust.partner_certificates
    try:
        reminder = expiry_reminder(
            own=pair.chain, partner=partner, lead_days=last.reminder_lead_days or DEFAULT_LEAD_DAYS
        )
    except ReminderError:
        reminder = None
    test = renewal.connection
    certificate_name = safe_file_name(last.alias, fallback="certificate.pem", extension=".pem")
    return build_bundle(
        keystore=renewal.keystore,
        truststore=renewal.truststore,
        config=("destination.json", destination.to_json().encode()),
        certificate=(certificate_name, pair.certificate.public_bytes(serialization.Encoding.PEM)),
        destination=destination,
        own=describe_certificate(pair.certificate),
        trusted=[describe_certificate(cert) for _alias, cert in renewal.trust.kept_entries],
        own_chain=[describe_certificate(cert) for cert in pair.chain],
        reminder=reminder,
        extra_files=[(SNIPPET_FILE_NAMES[s.key], s.text.encode()) for s in snippets],
        connection_test=ConnectionTestNote(
            tested_at=long_datetime(test.tested_at),
            url=test.url,
            outcome=test.outcome,
            headline=test.headline,
        ),
    )
