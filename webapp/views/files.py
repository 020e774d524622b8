"""The files the user downloads, built fresh from the saved state on every download.

Nothing built is stored: a download always reflects the latest choices, and the only copy of
the key material on the server stays the encrypted one in the vault. Each store is built from
its plan (plans.py), the same one that tells the page the store is ready.
"""

from __future__ import annotations

import io
import logging
import os

from flask import Response, send_file

from ..pki.java import (
    AliasError,
    ExpiryReminder,
    ReminderError,
    StoreError,
    build_bundle,
    build_keystore,
    build_truststore,
    expiry_reminder,
    safe_file_name,
)
from ..pki.keyimport import KeyPair, KeyPairError
from ..state import State
from .certificates import certificate, summary
from .connection_panel import readme_note
from .plan_cache import keystore_plan, truststore_plan
from .plans import (
    KeystorePlan,
    TruststorePlan,
    chain_file_name,
    is_placeholder,
    plan_keystore,
    sendable_chain,
)
from .wizard import SNIPPET_FILES, Wizard

File = tuple[str, bytes]
log = logging.getLogger(__name__)


def attachment(built: File, mimetype: str) -> Response:
    """Hand a built file to the browser as a download under its chosen name.

    Every download name passes safe_file_name here, whatever built it (issue 19: an alias
    from an opened store named the request "../../evil.csr", and CR/LF in it gave a 500)."""
    name, data = built
    # No extension argument: a name the user typed keeps its own ("Store.JKS" stays that).
    name = safe_file_name(name, fallback="download" + os.path.splitext(name)[1].lower())
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


def keystore_file(state: State, *, keep_placeholder: bool = False) -> File | None:
    """The keystore if it is ready; with keep_placeholder, also the one that keeps a key
    generated here until the CA answers (never in the zip)."""
    plan = plan_keystore(state, keep_placeholder=True) if keep_placeholder else keystore_plan(state)
    if not isinstance(plan, KeystorePlan):
        return None
    try:
        pair = KeyPair.from_pem_bundle(plan.candidate.bundle)
        data = build_keystore(
            alias=plan.alias,
            private_key=pair.private_key,
            chain=pair.chain,
            password=plan.password,
            format=plan.format,
        )
    except (KeyPairError, StoreError, AliasError, ValueError) as exc:
        # A saved key the plan accepted but Java cannot hold: not ready, never a 500.
        log.warning("keystore not buildable: %s", type(exc).__name__)
        return None
    return plan.filename, data


def certificate_file(state: State) -> File | None:
    chosen = state.keystore.chosen
    if chosen is None or not chosen.chain or is_placeholder(state):
        return None
    # The alias is typed text: the download and zip member name pass the safe-name rule.
    name = safe_file_name(state.keystore.alias or "", fallback="certificate.pem", extension=".pem")
    return name, chosen.chain[0].encode()


def certificate_chain_file(state: State) -> File | None:
    """The certificate to send to the partner, with the certificates above it (leaf first);
    none while it is a placeholder (issue 20)."""
    chain = sendable_chain(state)
    if not chain:
        return None
    name = chain_file_name(chain[0])
    return name, "".join(pem if pem.endswith("\n") else pem + "\n" for pem in chain).encode()


def truststore_file(state: State) -> File | None:
    plan = truststore_plan(state)
    if not isinstance(plan, TruststorePlan):
        return None
    entries = [(e.alias, certificate(e.pem)) for e in plan.entries]
    try:
        return plan.filename, build_truststore(
            entries=entries, password=plan.password, format=plan.format
        )
    except (StoreError, AliasError) as exc:
        log.warning("truststore not buildable: %s", type(exc).__name__)
        return None


def config_file(state: State) -> File | None:
    config = Wizard(state).fin.config
    if config is None:
        return None
    return "destination.json", config.to_json().encode()


def snippet_files(state: State) -> list[File]:
    """The settings for other Java consumers, with the real passwords; empty until ready."""
    return [
        (SNIPPET_FILES[snippet.key], snippet.text.encode())
        for snippet in Wizard(state).fin.snippets(mask=False)
    ]


def bundle_file(state: State) -> File | None:
    """mtls-files.zip: keystore, truststore, config, certificate, a README with next steps
    and the settings for other Java consumers."""
    keystore, truststore = keystore_file(state), truststore_file(state)
    config, certificate_ = config_file(state), certificate_file(state)
    wizard = Wizard(state)
    if not (
        keystore
        and truststore
        and config
        and certificate_
        and wizard.fin.config
        and wizard.ks.plan
        and wizard.ts.plan
    ):
        return None
    data = build_bundle(
        keystore=keystore,
        truststore=truststore,
        config=config,
        certificate=certificate_,
        destination=wizard.fin.config,
        own=summary(wizard.ks.plan.candidate.chain[0]),
        trusted=[e.summary for e in wizard.ts.plan.entries],
        own_chain=[summary(pem) for pem in wizard.ks.plan.candidate.chain],
        reminder=reminder_of(state),
        extra_files=snippet_files(state),
        connection_test=readme_note(wizard.connection),
    )
    return "mtls-files.zip", data


def reminder_of(state: State) -> ExpiryReminder | None:
    """The reminder for the first expiry among the user's chain and the partner's certificates
    in the finished truststore (issue 13); None until both stores are ready."""
    wizard = Wizard(state)
    if not (wizard.ks.plan and wizard.ts.plan):
        return None
    partner = [certificate(e.pem) for e in wizard.ts.plan.entries if e.source != "own"]
    try:
        return expiry_reminder(
            own=[certificate(p) for p in wizard.ks.plan.candidate.chain], partner=partner
        )
    except ReminderError:
        return None


def reminder_file(state: State) -> File | None:
    reminder = reminder_of(state)
    return None if reminder is None else ("reminder.ics", reminder.ics())
