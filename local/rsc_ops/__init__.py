"""rsc-ops: the operator CLI (syncs, history, dead-letter queue)."""
