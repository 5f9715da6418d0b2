"""Support for the tests and benchmarks, not part of the dashboard: SYNTHETIC incidents,
a dashboard server in a child process, and snapshots of the store."""
