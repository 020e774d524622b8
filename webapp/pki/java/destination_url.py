"""The Destination URL rule (issue 20): one home for the page's settings, its live preview,
the connection test and `mtls-kit config`.

The platform posts the user's messages there with the keystore; an http:// address would
send them without TLS, and the keystore would never be used. A typed address without a
scheme is left as typed (the connection test reads it as https://).
"""

from __future__ import annotations

from webapp.translation import N_, _

__all__ = ["MAX_URL_LENGTH", "NOT_HTTPS", "DestinationUrlError", "check_destination_url"]

MAX_URL_LENGTH = 1000  # the form's field cap: far beyond any real address
# Kept in English (N_), translated when raised (issue 23).
NOT_HTTPS = N_(
    "Use an https:// address: the platform sends your messages with your certificate only "
    "over TLS, and an http:// address would send them unprotected."
)
BAD_TEXT = N_("This address is too long or contains invalid characters.")


class DestinationUrlError(ValueError):
    """The typed Destination URL cannot be used; str() is the sentence for the user."""


def check_destination_url(text: str) -> str:
    """The address as it will be saved (trimmed), or DestinationUrlError saying why not."""
    url = text.strip()
    if len(url) > MAX_URL_LENGTH or any(ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise DestinationUrlError(_(BAD_TEXT))
    scheme, separator, _unused = url.partition("://")
    if separator and scheme.lower() != "https":
        raise DestinationUrlError(_(NOT_HTTPS))
    if url.lower().startswith("http:"):  # "http:partner.example", a typo away from http://
        raise DestinationUrlError(_(NOT_HTTPS))
    return url
