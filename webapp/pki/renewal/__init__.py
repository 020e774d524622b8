"""Renew from last year's files (issue 21): open them, then renew with a new key pair.

The facade for the views and the CLI. The intended call from a view (next round), with the
files of the **Last year's files** field and, when asked for, the typed passwords::

    from webapp.pki.renewal import LastYearError, Network, open_last_year, renew

    files = [(f.filename or "", f.read()) for f in request.files.getlist("last_year_files")]
    try:
        last = open_last_year(files, keystore_password=form.get("keystore_password") or None,
                              truststore_password=form.get("truststore_password") or None)
    except LastYearError as error:
        errors[error.field] = str(error)      # ask only for that one field
    ...  # show last.expiries at once; the keystore is NOT ready yet (last year's certificate)
    pair = load_key_pairs(new_key_file, new_key_file_password)[0]
    renewal = renew(last, pair, network=Network(policy, extra_roots, timeout, timeout))
    renewal.summary   # "Renewed: valid until 22 December 2026 → 2 December 2027; ..."
    renewal.details   # for the folded details
    renewal.bundle    # the bytes of mtls-files.zip ("Download all"), BUNDLE_NAME

`renew` raises LastYearError (with `field`: NotRenewedError for last year's certificate) and
partner.FetchError when the partner's chain cannot be fetched; the connection test's outcome
is in `renewal.connection`, whatever it is. Nothing here sees a request or a session.
"""

from webapp.pki.renewal.errors import (
    FIELD_LABELS,
    LastYearError,
    LastYearFilesError,
    NotRenewedError,
    PasswordMissingError,
    PasswordWrongError,
)
from webapp.pki.renewal.last_year import Expiry, LastYear, LastYearStore, open_last_year
from webapp.pki.renewal.renew import Network, renew
from webapp.pki.renewal.result import BUNDLE_NAME, SNIPPET_FILE_NAMES, Renewal
from webapp.pki.renewal.trust import TrustAction, TrustUpdate, TrustUpdateEntry
from webapp.pki.renewal.unzip import MAX_MEMBER_SIZE, MAX_MEMBERS, MAX_RATIO, MAX_TOTAL_SIZE

__all__ = [
    "BUNDLE_NAME",
    "FIELD_LABELS",
    "MAX_MEMBERS",
    "MAX_MEMBER_SIZE",
    "MAX_RATIO",
    "MAX_TOTAL_SIZE",
    "SNIPPET_FILE_NAMES",
    "Expiry",
    "LastYear",
    "LastYearError",
    "LastYearFilesError",
    "LastYearStore",
    "Network",
    "NotRenewedError",
    "PasswordMissingError",
    "PasswordWrongError",
    "Renewal",
    "TrustAction",
    "TrustUpdate",
    "TrustUpdateEntry",
    "open_last_year",
    "renew",
]
