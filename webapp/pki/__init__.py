"""The PKI core: key pairs, certificates, Java stores. No Flask in here."""
