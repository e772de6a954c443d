"""The team store: many reps' workbooks as snapshots in SQLite or PostgreSQL (SPEC §9)."""
