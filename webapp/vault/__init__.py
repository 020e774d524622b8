"""Server-side session storage for partial work, encrypted at rest ("the vault").

No Flask in here: the web layer puts the token ``new_session()`` returns in a cookie and
passes the cookie value back in::

    vault = open_vault(f"sqlite:///{instance_path}/vault.db", secret=secret_bytes)
    token = vault.new_session()                       # -> cookie value
    state = vault.load(request.cookies.get("vault"))  # None: no/expired/bad session
    vault.update(token, lambda state: state.update(alias="client-one"))
    vault.delete(token)                               # "Start over", after download

See vault.py for the API, tokens.py for the token format.
"""

from .backend import VaultStats
from .errors import SessionGone, VaultUnavailable
from .sealing import MAX_STATE_BYTES, StateTooLarge
from .vault import DEFAULT_IDLE_TIMEOUT, Loaded, StaleVersion, Vault, open_vault

__all__ = [
    "DEFAULT_IDLE_TIMEOUT",
    "Loaded",
    "MAX_STATE_BYTES",
    "SessionGone",
    "StaleVersion",
    "StateTooLarge",
    "Vault",
    "VaultStats",
    "VaultUnavailable",
    "open_vault",
]
