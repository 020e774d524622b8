"""The explain rules for what Java itself refuses: its stores, and the partner's server
certificate (dates, name, trust). They come first in the table (precedence: rules.py)."""

from __future__ import annotations

from webapp.pki.explain.rule import (
    EXPIRED,
    KEY_PASSWORD_MISMATCH,
    NOT_A_KEYSTORE,
    PARTNER,
    WRONG_STORE_PASSWORD,
    YOU,
    Rule,
    alert_words,
)
from webapp.pki.partner import outcomes as o
from webapp.translation import N_

__all__ = ["PLATFORM_RULES"]

PLATFORM_RULES: tuple[Rule, ...] = (
    Rule(
        WRONG_STORE_PASSWORD,
        (
            r"Keystore was tampered with, or password was incorrect",
            r"keystore password was incorrect",
            r"failed to decrypt safe contents entry",
        ),
        N_("The platform cannot open the keystore or truststore: the password is wrong."),
        YOU,
        (
            N_(
                "Java checks the store password before it reads anything; the password in the "
                "platform's settings is not the one the file was saved with."
            ),
        ),
        (
            N_(
                "Copy the store passwords from the destination settings (Finish step) into the "
                "platform exactly, or build the stores again with the passwords you have."
            ),
        ),
    ),
    Rule(
        NOT_A_KEYSTORE,
        (
            r"Invalid keystore format",
            r"toDerInputStream rejects tag type",
            r"DerInputStream\.getLength\(\): lengthTag",
            r"Unrecognized keystore format",
            r"keystore type \S{1,80} not found|KeyStore \S{1,80} implementation not found",
        ),
        N_("The file is not a keystore of the type the platform was told."),
        YOU,
        (
            N_(
                "Java read the file as a JKS or PKCS#12 store and found something else: often "
                "a PEM certificate, or a PKCS#12 file configured as JKS (or the other way round)."
            ),
        ),
        (
            N_(
                "Give the platform the .jks or .p12 file made here, and set its store type to "
                "the one shown in the Finish step (JKS or PKCS12)."
            ),
        ),
    ),
    Rule(
        KEY_PASSWORD_MISMATCH,
        (r"Cannot recover key", r"UnrecoverableKeyException", r"Get Key failed"),
        N_("The platform opened the keystore but cannot unlock the key in it."),
        YOU,
        (
            N_(
                "The key entry has a password of its own that differs from the store password; "
                "the platform uses one password for both."
            ),
        ),
        (
            N_(
                "Build the keystore here: it protects the key with the store password, as the "
                "platform expects."
            ),
        ),
    ),
    Rule(
        EXPIRED,
        (
            r"CertificateExpiredException",
            r"CertificateNotYetValidException",
            r"validity check failed",
        ),
        N_("A certificate of the partner's server is out of date."),
        YOU,
        (
            N_(
                "Java checks the dates of every certificate the partner's server sends; one of "
                "them has expired (or is not valid yet), so Java stopped before sending anything."
            ),
        ),
        (
            N_(
                "Ask the partner to renew its server certificate, then fetch its chain again in "
                "the truststore step."
            ),
        ),
    ),
    Rule(
        EXPIRED,
        (r"certificate_expired",),
        N_("The partner's server says your certificate is out of date."),
        PARTNER,
        (alert_words("certificate expired")[0],),
        (
            alert_words("certificate expired")[1],
            N_("Then renew the keystore with it (open last year's keystore in the keystore step)."),
        ),
    ),
    Rule(
        o.HOSTNAME_MISMATCH,
        (
            r"No subject alternative DNS name matching",
            r"No subject alternative names matching",
            r"No subject alternative names present",
            r"No name matching \S{1,255} found",
        ),
        N_("The partner's certificate is not made out for the address the platform uses."),
        YOU,
        (
            N_(
                "Java compares the address in the destination URL with the names in the "
                "partner's server certificate, and none matches."
            ),
        ),
        (
            N_(
                "Check the address. Use a name the partner's certificate lists, or ask the "
                "partner for a certificate that names this address."
            ),
        ),
    ),
    Rule(
        o.SERVER_NOT_TRUSTED,
        (
            r"PKIX path building failed",
            r"unable to find valid certification path",
            r"PKIX path validation failed",
            r"No trusted certificate found",
            r"TrustAnchor .{1,400} is not a CA certificate",
        ),
        N_("Your truststore does not trust the partner's server."),
        YOU,
        (
            N_(
                "Java could not link the certificate the partner's server sent to any "
                "certificate in the truststore, so it stopped before sending anything."
            ),
        ),
        (
            N_(
                "Go back to the truststore step and add the partner's missing certificate "
                "(fetch the chain again or upload it)."
            ),
        ),
    ),
)
