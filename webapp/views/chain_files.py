"""Step 1, "Chain files" (issue 11): complete the imported key pair's chain with the
certificates of the user's CA, when neither the file nor the root stores nor the CA Issuers
address gave the missing issuers (views/own_chain.py does the completing).
"""

from __future__ import annotations

from flask import Blueprint

from ..pki.certs import CertificateParseError, certificates_from_pem
from ..pki.keyimport import KeyPair, KeyPairError
from ..state import State
from ..translation import N_, _
from ..web.sessions import load_state, update_state
from .certificates import chosen_files, uploaded_certificates
from .own_chain import completed_candidate
from .plans import NO_KEY_PAIR
from .rendering import done, render_wizard

bp = Blueprint("chain_files", __name__, url_prefix="/keystore")

NO_CHAIN_FILES = N_(
    "Choose the certificate files of your certificate authority (.pem, .crt or .cer)."
)
MAX_CHAIN_FILES = 10


@bp.post("/chain-files")
def add_chain_files():
    """Complete the imported key pair's chain with the certificates the user uploads."""
    state = load_state()
    chosen = state.keystore.chosen
    if chosen is None:
        return render_wizard(errors={"key_file": _(NO_KEY_PAIR)}, focus="step-keystore")
    error, found = None, []
    try:
        found = uploaded_certificates("chain_files", at_most=MAX_CHAIN_FILES)
    except CertificateParseError as exc:
        error = str(exc)
    if not chosen_files("chain_files"):
        error = _(NO_CHAIN_FILES)
    if error is not None:
        return render_wizard(errors={"chain_files": error}, focus="step-keystore")
    try:
        pair = KeyPair.from_pem_bundle(chosen.bundle)
    except KeyPairError:
        return render_wizard(errors={"chain_files": _(NO_KEY_PAIR)}, focus="step-keystore")
    already = [c for pem in chosen.chain[1:] for c in certificates_from_pem(pem)]
    completed = completed_candidate(pair, chain_files=[*already, *found])
    if completed.chain_problem:
        return render_wizard(
            errors={
                "chain_files": _(
                    "None of these certificates issued yours. {problem}",
                    problem=completed.chain_problem,
                )
            },
            focus="step-keystore",
        )
    index = state.keystore.candidates.index(chosen)

    def keep(state: State) -> None:
        candidates = state.keystore.candidates
        if index < len(candidates) and candidates[index].bundle == chosen.bundle:
            candidates[index] = completed
        state.current = "keystore"

    update_state(keep)
    return done("step-keystore")
