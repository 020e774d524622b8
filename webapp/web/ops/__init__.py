"""What operators read: the audit trail, Prometheus metrics and request logs."""
