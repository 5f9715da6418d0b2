"""Live sources: ACLED and UCDP GED through their APIs, pulled as batches.

``http`` retries and explains failures, ``credentials`` reads secrets without ever
showing them, ``acled`` and ``ucdp`` speak each API, and ``pull`` turns a pull into a
batch that can be reviewed and undone like an upload.
"""
