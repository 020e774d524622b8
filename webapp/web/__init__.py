"""Flask glue around the core: the vault session, security headers, errors, rate limits, static
files, the outbound settings, and (in ops/) the audit trail, metrics and request logs."""
