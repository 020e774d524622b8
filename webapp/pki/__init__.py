"""The PKI core: no Flask in here, plain values in and out.

- `certs`: PEM blocks; parse PEM/DER/PKCS#7; describe a certificate; order a chain.
- `keyimport`: key pairs from PKCS#12 / PEM / PKCS#8, with the pre-decryption cost limits.
- `partner`: outbound policy, fetching a server's chain, root stores, chain completion.
- `java`: JKS keystores and truststores, aliases, the destination config, the bundle.
- `keys`, `der`: the key-type rule and the DER reader the others share.

Each sub-package's facade (`__init__`) holds what the views, the web glue and the command
line use (issue 18: a small surface); everything else stays in its module.
"""
