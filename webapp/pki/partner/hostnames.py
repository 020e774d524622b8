"""Does a server certificate name the host we connect to, judged the way Java's HTTPS client does.

The platform that will really connect is Java, with endpoint identification "HTTPS"
(sun.security.util.HostnameChecker, TYPE_TLS; read in JDK 17/25 sources). Its rules, which we
follow so that the tool and the platform agree:

- An IP literal matches only subjectAltName iPAddress entries, compared as addresses
  (never the common name).
- A DNS name matches the subjectAltName dNSName entries. Only when the certificate has NO
  dNSName entry at all does Java fall back to the most specific (last) common name.
- Wildcards: only in the left-most label, where '*' may stand for any run of characters,
  including a partial label ("f*.example.net" matches "foo.example.net"); the rest of the
  name must match exactly. "*" and "*." never match, nor does a pattern with no dot after
  its last '*'.

One deliberate difference: Java refuses "*.<public suffix>" only for chains that end at a
JDK cacerts root (it consults the public suffix list). We have no suffix list, so we refuse
every wildcard followed by a single label ("*.com", "*.internal"); no sane CA issues those.

pyca `service-identity` was considered: it follows RFC 6125 strictly (no CN fallback, no
partial wildcards), so it would call names Java accepts mismatched.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import unicodedata

from cryptography import x509
from cryptography.x509.oid import NameOID

from webapp.pki.partner.targets import DNS_LABEL

__all__ = ["hostname_matches"]


def hostname_matches(cert: x509.Certificate, host: str) -> bool:
    """Would Java's HTTPS hostname check accept `cert` for `host` (a name or IP literal)?"""
    host = host.strip().strip("[]")
    try:
        wanted_ip = ipaddress.ip_address(host)
    except ValueError:
        wanted_ip = None
    san = _subject_alt_names(cert)
    if wanted_ip is not None:
        return san is not None and wanted_ip in san.get_values_for_type(x509.IPAddress)
    name = _ascii_name(host)
    if name is None:
        return False
    patterns = [] if san is None else san.get_values_for_type(x509.DNSName)
    if patterns:
        return any(_pattern_matches(pattern, name) for pattern in patterns)
    common_names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not common_names:
        return False
    most_specific = common_names[-1].value
    if not isinstance(most_specific, str):
        return False
    if unicodedata.normalize("NFKC", most_specific) != most_specific:
        return False  # Java: "Not a formal name"
    return _pattern_matches(most_specific, name)


def _subject_alt_names(cert: x509.Certificate) -> x509.SubjectAlternativeName | None:
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):  # ValueError: malformed extensions
        return None


def _ascii_name(text: str) -> str | None:
    try:
        name = text.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    if not name or not all(DNS_LABEL.match(label) for label in name.split(".")):
        return None
    return name


def _pattern_matches(pattern: str, name: str) -> bool:
    if pattern in ("*", "*.") or "*" in pattern.partition(".")[2]:
        return False  # wildcards outside the left-most label never match in Java
    first, dot, rest = pattern.rstrip(".").partition(".")
    if "*" not in first:
        return _ascii_name(pattern) == name
    if not dot or "." not in rest:
        return False  # "*com", and "*.com" (see the module docstring)
    rest_ascii = _ascii_name(rest)
    if rest_ascii is None or not _ascii_name(first.replace("*", "z")):
        return False
    name_first, _, name_rest = name.partition(".")
    # fnmatch treats [ and ? specially; a valid label cannot contain them (checked above).
    return name_rest == rest_ascii and fnmatch.fnmatchcase(name_first, first.lower())
