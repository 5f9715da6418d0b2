"""Incident data: the schema, typing rows, reading analysts' files, validating and
importing them, and the store (SQLite or PostgreSQL) with its batches and undo."""
