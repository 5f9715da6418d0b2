"""Incident columns, types and vocabularies, defined once (ACLED-aligned).

Column names follow ACLED where ACLED has one (``event_date``, ``time_precision``,
``event_type``, ``sub_event_type``, ``actor1``, ``actor2``, ``admin1``, ``admin2``,
``geo_precision``, ...), so an analyst who knows ACLED knows this file.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One column of the incident schema."""

    name: str
    label: str
    kind: str  # "str", "date", "int", "float"
    required: bool
    description: str


COLUMNS: tuple[Column, ...] = (
    Column("event_id", "ID", "str", True, "Unique, stable identifier of the incident."),
    Column("event_date", "Date", "date", True, "Date of the incident, ISO 8601 (YYYY-MM-DD)."),
    Column(
        "time_precision", "Date precision", "int", True,
        "1 = exact day; 2 = the week is known; 3 = only the month (or a longer period) is "
        "known, and event_date is the first day of that period.",
    ),
    Column("event_type", "Event type", "str", True, "ACLED event type (see EVENT_TYPES)."),
    Column("sub_event_type", "Sub-event type", "str", False, "ACLED sub-event type."),
    Column("actor1", "Actor 1", "str", True, "The actor that initiated the event."),
    Column("actor2", "Actor 2", "str", False, "The other side, if any."),
    Column("country", "Country", "str", True, "Country where the event took place."),
    Column("admin1", "Province", "str", False, "First-level division (province, region)."),
    Column("admin2", "District", "str", False, "Second-level division (district)."),
    Column("location", "Location", "str", False, "Named place."),
    Column("latitude", "Latitude", "float", True, "WGS 84 decimal degrees."),
    Column("longitude", "Longitude", "float", True, "WGS 84 decimal degrees."),
    Column(
        "geo_precision", "Location precision", "int", True,
        "1 = the town or exact place; 2 = near the place, or only the district is known "
        "(coordinates of the district centre); 3 = only the province or a larger region "
        "is known (coordinates of a representative point).",
    ),
    Column("fatalities", "Fatalities", "int", False,
           "Reported deaths; blank (unknown) when no reliable figure exists, never 0 for "
           "unknown. Excludes attackers who die in their own suicide attack, and deaths of one "
           "side that only the other side claims, unless an independent source confirms them; "
           "the notes give those figures."),
    Column("source", "Source", "str", True, "Who reported it (outlet, report, dataset)."),
    Column("source_url", "Source link", "str", False,
           "Address (http or https) of the report the row rests on."),
    Column("source_date", "Source date", "date", False,
           "Publication date of that report, ISO 8601 (YYYY-MM-DD)."),
    Column("notes", "Notes", "str", False, "What happened, in plain words."),
    Column("geocode", "Placed by", "str", False,
           "Blank when the row came with its coordinates. Otherwise how Borderwatch placed "
           "it from its place names: the gazetteer entry it matched (a town, a district "
           "through its centre, or a point inside the province), and the name it matched."),
)

COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
REQUIRED: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)
LABELS: dict[str, str] = {c.name: c.label for c in COLUMNS}
TEXT_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.kind == "str")
DATE_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.kind == "date")

# ACLED event types and their sub-event types (ACLED codebook, 2023 edition).
EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "Battles": ("Armed clash", "Government regains territory",
                "Non-state actor overtakes territory"),
    "Explosions/Remote violence": ("Air/drone strike", "Suicide bomb",
                                   "Shelling/artillery/missile attack",
                                   "Remote explosive/landmine/IED", "Grenade",
                                   "Chemical weapon"),
    "Violence against civilians": ("Attack", "Abduction/forced disappearance",
                                   "Sexual violence"),
    "Protests": ("Peaceful protest", "Protest with intervention",
                 "Excessive force against protesters"),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Strategic developments": ("Agreement", "Arrests", "Change to group/activity",
                               "Disrupted weapons use", "Headquarters or base established",
                               "Looting/property destruction",
                               "Non-violent transfer of territory", "Other"),
}

# Okabe-Ito palette: distinguishable with the common colour-vision deficiencies.
EVENT_COLOURS: dict[str, str] = {
    "Battles": "#D55E00",
    "Explosions/Remote violence": "#0072B2",
    "Violence against civilians": "#CC79A7",
    "Protests": "#009E73",
    "Riots": "#E69F00",
    "Strategic developments": "#56B4E9",
}
OTHER_COLOUR = "#777777"

# Each type has its own shape as well as its colour (WCAG 1.4.1: colour is not the only
# way to tell them apart), on the map and in its legend: SVG paths in a 24 x 24 box.
SHAPES: dict[str, str] = {
    "circle": "M1.5 12a10.5 10.5 0 1 0 21 0a10.5 10.5 0 1 0 -21 0Z",
    "star": "M12 .5L14.9 8L22.9 8.4L16.8 13.5L18.8 21.3L12 17L5.2 21.3L7.2 13.5L1.1 8.4L9.1 8Z",
    "triangle": "M12 1L23 21.5H1Z",
    "square": "M2.5 2.5H21.5V21.5H2.5Z",
    "diamond": "M12 .5L23.5 12L12 23.5L.5 12Z",
    "triangle-down": "M1 2.5H23L12 23Z",
    "hexagon": "M23 12L17.5 21.5H6.5L1 12L6.5 2.5H17.5Z",
}
EVENT_SHAPES: dict[str, str] = {
    "Battles": "circle",
    "Explosions/Remote violence": "star",
    "Violence against civilians": "triangle",
    "Protests": "square",
    "Riots": "diamond",
    "Strategic developments": "triangle-down",
}
OTHER_SHAPE = "hexagon"

GEO_PRECISION = {1: "exact place", 2: "near place / district", 3: "province or region"}
TIME_PRECISION = {1: "exact day", 2: "week", 3: "month or longer"}


def shape_for(event_type: str) -> str:
    """Shape of an event type's mark, the same on every map and legend."""
    return EVENT_SHAPES.get(event_type, OTHER_SHAPE)


def colour_for(event_type: str) -> str:
    """Colour of an event type, the same on every map and chart."""
    return EVENT_COLOURS.get(event_type, OTHER_COLOUR)
