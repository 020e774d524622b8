"""Tell last year's files apart by their content: stores, destination.json, the settings.

The user may bring the zip of "Download all" or the files as deployed on the platform, under
any names. A store is told by its first bytes (pki.sniff), destination.json by its keys;
the settings files only lend the Spring bundle name and the reminder's lead time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from webapp.pki.java.destination import HTTP_METHODS, DestinationConfig
from webapp.pki.java.snippets import DEFAULT_BUNDLE_NAME
from webapp.pki.renewal.errors import LastYearFilesError
from webapp.pki.renewal.unzip import MAX_MEMBERS, is_zip, read_zip
from webapp.pki.sniff import java_keystore_kind, looks_like_pkcs12
from webapp.translation import _

__all__ = ["Recognised", "base_name", "recognise"]

File = tuple[str, bytes]

# destination.json is six short strings; anything much larger is not ours.
_MAX_CONFIG_SIZE = 64 * 1024
_CONFIG_KEYS = ("url", "method", "keystoreFile", "keystorePass", "truststoreFile", "truststorePass")
_SPRING_BUNDLE = re.compile(rb"^spring\.ssl\.bundle\.jks\.([a-z0-9][a-z0-9-]{0,62})\.", re.M)
_REMINDER_LEAD = re.compile(rb"^UID:[^\r\n]*-(\d{1,3})@mtls-kit", re.M)


@dataclass
class Recognised:
    """What the files turned out to be; `stores` in the order given."""

    stores: list[File] = field(default_factory=list)
    destination: DestinationConfig | None = None
    from_zip: bool = False
    bundle_name: str = DEFAULT_BUNDLE_NAME
    reminder_lead_days: int | None = None


def recognise(files: Sequence[File]) -> Recognised:
    """Unpack last year's zip (at most one) and sort every file by what it holds."""
    if len(files) > MAX_MEMBERS:
        raise LastYearFilesError(
            _(
                "Choose at most {count} files: last year's zip, or the keystore, the "
                "truststore and destination.json.",
                count=MAX_MEMBERS,
            )
        )
    zips = [data for _name, data in files if is_zip(data)]
    if len(zips) > 1:
        raise LastYearFilesError(_("Choose one zip: last year's “Download all” file."))
    found = Recognised(from_zip=bool(zips))
    loose = [(name, data) for name, data in files if not is_zip(data)]
    for name, data in [*(read_zip(zips[0]) if zips else []), *loose]:
        _sort(found, base_name(name), data)
    return found


def _sort(found: Recognised, name: str, data: bytes) -> None:
    if java_keystore_kind(data) or looks_like_pkcs12(data):
        found.stores.append((name, data))
        return
    destination = _destination(data)
    if destination is not None:
        if found.destination is not None and found.destination != destination:
            raise LastYearFilesError(
                _("These files hold two different destination.json files. Give only last year's.")
            )
        found.destination = destination
        return
    if match := _SPRING_BUNDLE.search(data):
        found.bundle_name = match.group(1).decode()
    elif match := _REMINDER_LEAD.search(data):
        found.reminder_lead_days = int(match.group(1))


def _destination(data: bytes) -> DestinationConfig | None:
    """destination.json as the platform reads it, or None when `data` is something else."""
    if len(data) > _MAX_CONFIG_SIZE or not data.lstrip().startswith(b"{"):
        return None
    try:
        values = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(values, dict) or not any(k in values for k in _CONFIG_KEYS[2:]):
        return None
    text = {key: values.get(key) for key in _CONFIG_KEYS}
    if any(value is not None and not isinstance(value, str) for value in text.values()):
        raise LastYearFilesError(
            _("destination.json is damaged: its values must be text. Give last year's copy.")
        )
    method = (text["method"] or "POST").upper()
    return DestinationConfig(
        url=(text["url"] or "").strip(),
        method=method if method in HTTP_METHODS else "POST",
        keystore_file=text["keystoreFile"] or "",
        keystore_pass=text["keystorePass"] or "",
        truststore_file=text["truststoreFile"] or "",
        truststore_pass=text["truststorePass"] or "",
    )


def base_name(path: str) -> str:
    """The file name of a path on Unix or Windows ("C:\\certs\\keystore.jks" → keystore.jks)."""
    return re.split(r"[\\/]", path.strip())[-1]
