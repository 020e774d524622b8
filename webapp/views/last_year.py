"""Issue 21: renew from last year's files, on the first page.

- POST /last-year/open: last year's zip (or its keystore, truststore and destination.json)
  is opened with destination.json's passwords (pki.renewal.open_last_year); a password is
  asked for only when missing or wrong, beside its field. Everything it restores (alias, file
  names, formats, URL, method, folder) goes into the wizard's state, so the steps show it.
- POST /last-year/renew: the new key pair file; the partner's chain is fetched again, the
  truststore updated and the connection tested by pki.renewal.renew; the result goes into
  the state, and the finish step offers **Download all** built from it.
- POST /last-year/keep-old: "My old certificate is still fine" (the keystore is ready as is).

The uploaded files stay only in the encrypted state (they hold the passwords and last year's
key); every action opens them again. Plain forms and redirects work without JavaScript.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, request

from ..pki.certs import certificate_pem
from ..pki.keyimport import (
    KeyPair,
    KeyPairError,
    PasswordRequiredError,
    PasswordTooLongError,
    WrongPasswordError,
    load_key_pairs,
)
from ..pki.partner import FetchError
from ..pki.renewal import LastYear, LastYearError, Network, open_last_year, renew
from ..pki.renewal.result import day
from ..state import (
    Destination,
    KeystoreState,
    LastYearExpiry,
    LastYearState,
    PendingUpload,
    State,
    TruststoreState,
)
from ..translation import N_, _, ngettext
from ..web.limits import limit_outbound
from ..web.ops.audit import audit, certificate_facts
from ..web.outbound import settings
from ..web.sessions import load_state, rotate_session, update_state
from .last_year_state import renewed_state
from .opened_store import opened_state
from .own_chain import candidate_of
from .rendering import done, render_wizard
from .validation import MAX_FIELD, password_field

bp = Blueprint("last_year", __name__, url_prefix="/last-year")

FOCUS = "last-year"
MAX_FILES = 32  # pki.renewal refuses more with a sentence; this only bounds what we read
NO_FILES = N_("Choose last year's zip, or the keystore, the truststore and destination.json.")
NOT_OPENED = N_("Open last year's files first.")
NO_NEW_KEY = N_("Choose your new key pair file (.p12, .pfx or .pem).")
# pki.renewal's field names -> this page's field ids (the keystore step has its own
# keystore_password and alias fields, so these carry a prefix).
FIELD_IDS = {
    "last_year_files": "last_year_files",
    "keystore_password": "last_year_keystore_password",
    "truststore_password": "last_year_truststore_password",
    "key_password": "last_year_key_password",
    "alias": "last_year_alias",
    "url": "partner_url",
    "new_key_file": "new_key_file",
}
TYPED = ("keystore_password", "truststore_password", "key_password")


@bp.app_template_filter("long_date")
def long_date(iso: str) -> str:
    """2026-12-22 -> "22 December 2026", as pki.renewal writes dates."""
    try:
        when = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return day(when)  # English "2 December 2027", the locale's long date elsewhere


@bp.app_template_filter("days_left")
def days_left(iso: str) -> str:
    """How far away a date is, in words: "in 20 days", "today", "3 days ago"."""
    try:
        days = (dt.date.fromisoformat(iso) - dt.datetime.now(dt.UTC).date()).days
    except ValueError:
        return ""
    if days == 0:
        return _("today")
    if days > 0:
        return ngettext("in {n} day", "in {n} days", days)
    return ngettext("{n} day ago", "{n} days ago", -days)


def saved_files(saved: LastYearState) -> list[tuple[str, bytes]]:
    return [(upload.name, upload.file_bytes()) for upload in saved.files]


def open_saved(saved: LastYearState) -> LastYear:
    """Open the kept files again, with what the user typed (raises LastYearError)."""
    return open_last_year(
        saved_files(saved),
        keystore_password=saved.keystore_password or None,
        truststore_password=saved.truststore_password or None,
        key_password=saved.key_password or None,
        alias=saved.alias or None,
    )


@bp.post("/open")
def open_files():
    """Open last year's files; ask only for the password (or alias) that is missing or wrong."""
    uploads = [f for f in request.files.getlist("last_year_files") if f and f.filename][
        : MAX_FILES + 1
    ]
    previous = load_state().last_year
    typed = {name: password_field(request.form, FIELD_IDS[name]) for name in TYPED}
    alias = request.form.get("last_year_alias", "")[:200].strip()
    if uploads:
        files = [PendingUpload.of(f.filename[:200], f.read()) for f in uploads if f.filename]
    elif previous is not None and previous.files:  # the retry: type the password, click again
        files = previous.files
        typed = {name: typed[name] or getattr(previous, name) for name in TYPED}
        alias = alias or previous.alias
    else:
        return render_wizard(errors={"last_year_files": _(NO_FILES)}, focus=FOCUS)
    saved = LastYearState(
        files=files,
        keystore_password=typed["keystore_password"],
        truststore_password=typed["truststore_password"],
        key_password=typed["key_password"],
        alias=alias,
    )
    try:
        last = open_saved(saved)
    except LastYearError as exc:
        return _ask(saved, exc)

    # A new token before last year's key is written: a planted one opens nothing (issue 19).
    rotate_session()
    update_state(lambda state: restore(state, last, saved))
    audit(
        "lastyear.opened",
        files=len(files),
        certificates=certificate_facts([last.own_chain[0]]),
    )
    return done(FOCUS)


def _ask(saved: LastYearState, exc: LastYearError):
    """The sentence beside the field to fix; files failing only on a password are kept."""
    field_id = FIELD_IDS.get(exc.field, "last_year_files")
    if exc.field in (*TYPED, "alias"):
        kept = LastYearState(files=saved.files, alias=saved.alias, asking=exc.field)
        for name in TYPED:  # a typed password that did not work is not kept
            setattr(kept, name, "" if name == exc.field else getattr(saved, name))

        def remember(state: State) -> None:
            state.last_year = kept

        rotate_session()  # the kept files hold last year's key: never under a planted token
        update_state(remember)
    return render_wizard(errors={field_id: str(exc)}, focus=FOCUS)


def restore(state: State, last: LastYear, saved: LastYearState) -> None:
    """Last year's settings into the wizard: the opened key (not ready until renewed), the
    opened truststore (for the update comparison), the platform's URL, method and folder."""
    entry = last.key_entry
    assert entry.private_key is not None  # a key entry (open_last_year chose it)
    pair = KeyPair(entry.private_key, entry.certificate, entry.chain, entry.alias)
    state.keystore = KeystoreState(
        candidates=[candidate_of(pair)],
        source_name=last.keystore.file_name,
        alias=last.alias,
        filename=last.keystore.file_name,
        password=last.keystore.password,
        opened=opened_state(last.keystore.file_name, last.keystore.opened),
        format=last.keystore.format.value,
    )
    state.truststore = TruststoreState(
        filename=last.truststore.file_name,
        password=last.truststore.password,
        opened=opened_state(last.truststore.file_name, last.truststore.opened),
        format=last.truststore.format.value,
    )
    config = last.destination
    state.destination = Destination(url=config.url, method=config.method, folder=last.folder)
    state.connection_test = None
    state.current = "keystore"
    saved.asking = ""
    saved.old_certificate = certificate_pem(entry.certificate)
    saved.expiries = [
        LastYearExpiry(e.owner, e.summary.subject_name, e.summary.not_after.date().isoformat())
        for e in last.expiries
    ]
    state.last_year = saved


@bp.post("/keep-old")
def keep_old():
    """The user says last year's certificate is still fine: the keystore may be ready as is."""
    fine = request.form.get("old_is_fine") == "1"
    if load_state().last_year is None:
        return render_wizard(errors={"last_year_files": _(NOT_OPENED)}, focus=FOCUS)

    def keep(state: State) -> None:
        if state.last_year is not None:
            state.last_year.old_is_fine = fine
            # The same knowing choice as the keystore step's checkbox for a certificate that
            # is due (issue 20's one rule): one tick, not two.
            state.keystore.validity_confirmed = fine

    update_state(keep)
    return done(FOCUS)


@bp.post("/renew")
@limit_outbound("renew", FOCUS)
def renew_files():
    """Renew with the new key pair file: fetch, update the truststore, test, offer the zip."""
    upload = request.files.get("new_key_file")
    data = upload.read() if upload else b""
    name = (upload.filename or "")[:200] if upload else ""
    password = password_field(request.form, "new_key_file_password")
    saved = load_state().last_year
    if saved is None or not saved.files or saved.asking:
        return render_wizard(errors={"last_year_files": _(NOT_OPENED)}, focus=FOCUS)
    if not data:
        message = _("This file is empty.") if name else _(NO_NEW_KEY)
        return render_wizard(errors={"new_key_file": message}, focus=FOCUS)
    try:
        pairs = load_key_pairs(data, password or None)
    except (PasswordRequiredError, WrongPasswordError, PasswordTooLongError) as exc:
        return render_wizard(errors={"new_key_file_password": str(exc)}, focus=FOCUS)
    except KeyPairError as exc:
        return render_wizard(errors={"new_key_file": str(exc)}, focus=FOCUS)
    try:
        url = request.form.get("partner_url", "")[:MAX_FIELD].strip() or None
        renewal = renew(open_saved(saved), pairs[0], network=_network(), url=url)
    except LastYearError as exc:
        return render_wizard(errors={FIELD_IDS.get(exc.field, "renew"): str(exc)}, focus=FOCUS)
    except FetchError as exc:
        return render_wizard(errors={"renew": str(exc)}, focus=FOCUS)

    rotate_session()  # before the new key is written (issue 19)
    update_state(lambda state: renewed_state(state, renewal, source_name=name))
    audit(
        "lastyear.renewed",
        file=name,
        outcome=renewal.connection.outcome,
        certificates=certificate_facts(renewal.key_pair.chain),
    )
    return done("step-finish")


def _network() -> Network:
    """The same Settings the fetch, the connection test and mtls-kit read (issue 22)."""
    outbound = settings()
    return Network(
        policy=outbound.policy,
        extra_roots=outbound.extra_roots,
        connect_timeout=outbound.timeout,
        handshake_timeout=outbound.timeout,
    )
