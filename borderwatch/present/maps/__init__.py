"""Incident maps as folium objects: offline assets, display-mode policy, the rows each
layer carries (escaped), the legend, the Leaflet layers and the map builder."""

from borderwatch.present.maps.build import IncidentMap, build_map, candidates_map, drawn_mode
from borderwatch.present.maps.legend import choropleth_bins, legend_html
from borderwatch.present.maps.modes import (
    CLUSTERS_LIMIT,
    GRID_CELLS,
    HEAT_CELLS,
    MAX_PAYLOAD,
    MODES,
    PLAYBACK_CELLS,
    PLAYBACK_LIMIT,
    POINTS_LIMIT,
    ModeNote,
    explain,
    resolve_mode,
)
from borderwatch.present.maps.rows import (
    CLIP,
    grid_rows,
    incident_fields,
    incident_rows,
    playback_frames,
    radius,
    safe_url,
)
from borderwatch.present.maps.style import CENTER, CHOROPLETH_COLOURS, ZOOM

__all__ = [
    "CENTER", "CHOROPLETH_COLOURS", "CLIP", "CLUSTERS_LIMIT", "GRID_CELLS", "HEAT_CELLS",
    "MAX_PAYLOAD", "MODES", "PLAYBACK_CELLS", "PLAYBACK_LIMIT", "POINTS_LIMIT", "ZOOM",
    "IncidentMap", "ModeNote", "build_map", "candidates_map", "choropleth_bins",
    "drawn_mode", "explain",
    "grid_rows", "incident_fields", "incident_rows", "legend_html", "playback_frames",
    "radius", "resolve_mode", "safe_url",
]
