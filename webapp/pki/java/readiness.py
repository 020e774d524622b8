"""When a keystore is ready to deploy: the one rule for the page, its downloads, the stepper,
the zip and the command line (issue 20).

"Ready" means Java can use it with this partner, or the user chose knowingly:

- a placeholder certificate (a key generated here, before the CA's reply) is never ready;
- a certificate alone, whose issuer we could not find, is ready only once the user chose
  "Create it with my certificate alone" (it works when the partner already trusts that issuer);
- an expired or not yet valid certificate, or (when renewing) one that expires within the
  reminder window, is ready only once the user confirmed they want it anyway;
- last year's certificate, opened from last year's files (issue 21), is ready only once it
  was renewed or the user said it is still fine.

Each problem names the form field it belongs beside, so the page and the CLI say the same
(the page in the reader's language, the CLI in English: issue 23).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509

from webapp.pki.certs.chains import is_self_signed
from webapp.pki.certs.names import plain_name
from webapp.pki.java.reminder import DEFAULT_LEAD_DAYS
from webapp.translation import N_, _, ngettext, short_date

__all__ = [
    "ALONE_FIELD",
    "ALONE_LABEL",
    "ALONE_NOT_CHOSEN",
    "PLACEHOLDER_FIELD",
    "PLACEHOLDER_MESSAGE",
    "RENEWAL_WINDOW_DAYS",
    "VALIDITY_FIELD",
    "NO_PARTNER_CERTIFICATE",
    "NO_PARTNER_INCLUDED",
    "NOT_RENEWED",
    "NOT_RENEWED_FIELD",
    "StoreProblem",
    "alone_message",
    "keystore_problems",
    "truststore_problems",
    "sent_alone",
    "validity_problem",
]

ALONE_FIELD = "chain_alone"  # the checkbox "Create it with my certificate alone"
ALONE_LABEL = N_("Create it with my certificate alone")
VALIDITY_FIELD = "validity_confirmed"
PLACEHOLDER_FIELD = "placeholder"
NOT_RENEWED_FIELD = "new_key_file"  # issue 21: beside New key pair file (Renew)
# The reminder's lead time: a renewal due within it is a renewal to do now.
RENEWAL_WINDOW_DAYS = DEFAULT_LEAD_DAYS

# The sentences below are kept in English (N_) and translated where they are shown: the
# views that show one of them directly call _() on it (issue 23).
ALONE_NOT_CHOSEN = N_(
    "Tick “Create it with my certificate alone” to create the keystore anyway, or add the "
    "missing certificate under Chain files."
)
PLACEHOLDER_MESSAGE = N_(
    "Your certificate is a placeholder until your certificate authority signs the request: "
    "do not deploy this keystore and do not send this certificate to the partner."
)
# The keystore step, the downloads and the connection test all say this before a key pair.
NO_KEY_PAIR = N_("Import your key pair file first.")
NONE_INCLUDED = N_("Include at least one certificate.")
NOT_RENEWED = N_(
    "This is last year's certificate: renew it with your new key pair file, "
    "or tick “My old certificate is still fine”."
)
NO_PARTNER_CERTIFICATE = N_("Fetch the partner's certificates or upload them first.")
NO_PARTNER_INCLUDED = N_("Include at least one of the partner's certificates.")
EXPIRED = N_("Your certificate has expired: the partner will refuse it.")
NOT_YET_VALID = N_("Your certificate is not valid yet: the partner will refuse it until then.")


@dataclass(frozen=True)
class StoreProblem:
    field: str  # the form field the message belongs beside
    message: str


def sent_alone(chain: Sequence[x509.Certificate]) -> bool:
    """Java would send this certificate without any issuer: one certificate a CA issued
    (a self-signed one is its own root, nothing is missing)."""
    return len(chain) == 1 and not is_self_signed(chain[0])


def alone_message(leaf: x509.Certificate, *, command_line: bool = False) -> str:
    """What sending the certificate alone means, naming the issuer by its subject; we never
    call it an intermediate: we have not seen it, so we cannot know whether it is a root."""
    if command_line:  # the command line stays English (issue 23)
        issuer = plain_name(leaf.issuer) or "its issuer"
        return (
            f"Java will send your certificate alone. That works when the partner already "
            f"trusts ‘{issuer}’. Give --alone to create the keystore anyway; `mtls-kit test` "
            "will tell whether the partner accepts it."
        )
    return _(
        "Java will send your certificate alone. That works when the partner already trusts "
        "‘{issuer}’. Tick “Create it with my certificate alone” to create the keystore "
        "anyway; Test connection in step 3 will tell whether the partner accepts it.",
        issuer=plain_name(leaf.issuer) or _("its issuer"),
    )


def validity_problem(
    leaf: x509.Certificate, *, renewing: bool = False, now: dt.datetime | None = None
) -> str | None:
    """Why this certificate makes the keystore useless or due for renewal, or None.

    `renewing`: the certificate comes from last year's keystore as it was opened; one that
    expires within the reminder window is then not ready until renewed or confirmed.
    """
    when = now or dt.datetime.now(dt.UTC)
    if when > leaf.not_valid_after_utc:
        return _(EXPIRED)
    if when < leaf.not_valid_before_utc:
        return _(NOT_YET_VALID)
    left = leaf.not_valid_after_utc - when
    if renewing and left <= dt.timedelta(days=RENEWAL_WINDOW_DAYS):
        return ngettext(
            "Your certificate expires on {date}, in {n} day: renew it below, or tick the box "
            "to keep it for now.",
            "Your certificate expires on {date}, in {n} days: renew it below, or tick the box "
            "to keep it for now.",
            left.days,
            date=short_date(leaf.not_valid_after_utc),
        )
    return None


def keystore_problems(
    chain: Sequence[x509.Certificate],
    *,
    placeholder: bool = False,
    issuer_missing: bool | None = None,
    alone_confirmed: bool = False,
    validity_confirmed: bool = False,
    renewing: bool = False,
    not_renewed: bool = False,
    now: dt.datetime | None = None,
) -> list[StoreProblem]:
    """Why a keystore holding `chain` (leaf first) is not ready; empty when it is.

    `issuer_missing`: the leaf's issuer was looked for and not found (the page looks in the
    files, Chain files, roots and AIA); None means "Java sends it alone" decides, for callers
    that do not complete chains. A leaf whose root was found stays alone in the keystore
    (servers hold their own roots), and is ready.

    `not_renewed`: last year's files were opened (issue 21) and `chain` is still last year's,
    and the user has not said the old certificate is still fine.
    """
    if not chain:
        return [StoreProblem("key_file", _(NO_KEY_PAIR))]
    if placeholder:
        return [StoreProblem(PLACEHOLDER_FIELD, _(PLACEHOLDER_MESSAGE))]
    problems = []
    missing = sent_alone(chain) if issuer_missing is None else issuer_missing
    if missing and not alone_confirmed:
        problems.append(StoreProblem(ALONE_FIELD, alone_message(chain[0])))
    problem = validity_problem(chain[0], renewing=renewing, now=now)
    if problem is not None and not validity_confirmed:
        problems.append(StoreProblem(VALIDITY_FIELD, problem))
    if not_renewed:
        problems.append(StoreProblem(NOT_RENEWED_FIELD, _(NOT_RENEWED)))
    return problems


def truststore_problems(
    *, partner: int, included: int, partner_included: int
) -> list[StoreProblem]:
    """Why a truststore is not ready: Java trusts the partner's server only through one of
    the partner's certificates; the user's own chain alone is not enough (issue 20).
    `partner`: partner certificates collected; `included`: entries chosen;
    `partner_included`: partner certificates among them."""
    if partner == 0:
        return [StoreProblem("server_url", _(NO_PARTNER_CERTIFICATE))]
    if included == 0:
        return [StoreProblem("certificates", _(NONE_INCLUDED))]
    if partner_included == 0:
        return [StoreProblem("certificates", _(NO_PARTNER_INCLUDED))]
    return []
