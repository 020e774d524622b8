"""The destination config snippet the integration platform reads (JSON, double quotes)."""

from __future__ import annotations

import json
from dataclasses import dataclass

__all__ = ["DestinationConfig", "HTTP_METHODS", "file_path"]

# The platform's HTTPS destinations send messages; these are the methods it accepts.
HTTP_METHODS = ("POST", "PUT", "PATCH", "GET", "DELETE")


def file_path(folder: str, file_name: str) -> str:
    """Join the folder the operator will use on the platform's server with a file name.

    The platform may run on Windows or Unix: keep whichever separator the folder already uses.
    """
    folder = folder.strip()
    if not folder:
        return file_name
    separator = "\\" if "\\" in folder and "/" not in folder else "/"
    return folder.rstrip("/\\") + separator + file_name


@dataclass(frozen=True)
class DestinationConfig:
    url: str
    method: str
    keystore_file: str
    keystore_pass: str
    truststore_file: str
    truststore_pass: str

    def as_dict(self, *, mask: bool = False) -> dict[str, str]:
        hidden = "••••••••"
        return {
            "url": self.url,
            "method": self.method,
            "keystoreFile": self.keystore_file,
            "keystorePass": hidden if mask else self.keystore_pass,
            "truststoreFile": self.truststore_file,
            "truststorePass": hidden if mask else self.truststore_pass,
        }

    def to_json(self, *, mask: bool = False) -> str:
        return json.dumps(self.as_dict(mask=mask), indent=2, ensure_ascii=False) + "\n"
