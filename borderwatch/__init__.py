"""Borderwatch: an incident dashboard for Afghanistan's borderlands.

Layers, top to bottom (each imports only from those below it):

- ``ui``: the Streamlit pages; the only code that calls ``st.*``;
- ``present``: the view model, maps, charts and exports;
- ``analysis``: filters, aggregates, headline figures and summaries;
- ``data``: the schema, typing rows, readers, ingest and the store;
- ``geo``: boundaries, place names and the grid.

``auth`` (roles) and ``cli`` (the command) sit beside them; ``testing`` supports the
tests and benchmarks and is not part of the dashboard.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the project: incidents.csv, geodata/, static/
