"""The map's colours and fixed settings, shared by its layers, rows and legend."""

from __future__ import annotations

CENTER = (36.5, 66.0)
ZOOM = 5
CHOROPLETH_COLOURS = ("#fff5eb", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603")
LAND = "#f3f1ea"
SEA = "#e4e7eb"  # outside the covered countries
CELL_COLOUR = "#d94801"  # grid cells
HEAT_PANE = "bwHeat"  # a map pane above the provinces' fill
