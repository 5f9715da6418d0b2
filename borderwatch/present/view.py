"""The view model: which incidents (``Filters``) and how they are drawn (``Display``), and
their form in a link.

``coerce`` turns one field's raw value (a widget's, or a link's text) into its typed
value; the URL reader and the widget callbacks both use it. ``to_params`` writes a view
as query parameters, ``from_params`` reads them back and turns anything malformed or
stale into a notice and a default, never an error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from borderwatch.analysis import hotspots
from borderwatch.analysis.filters import LIST_FILTERS, MAX_TEXT, Filters, Vocabulary
from borderwatch.geo import gazetteer
from borderwatch.present.maps.modes import MODES

BASEMAPS: dict[str, str] = {
    "none": "Boundaries only (offline)",
    "osm": "OpenStreetMap (needs internet)",
}
PERIODS: dict[str, str] = {"week": "Week", "month": "Month"}
PLACE_ZOOM = 9  # the map's zoom on a place chosen in the search box
PRESENT: dict[str, str] = {"0": "Off", "1": "On"}
# Short enough for the sidebar's box; the picker's help says what linking is.
RECORDS: dict[str, str] = {"linked": "Each event once", "all": "Every report"}
RECORDS_HELP = ("Several sources can report one event. Each event once: their linked "
                "reports are merged into one incident. Every report: each source's report "
                "counts on its own.")


@dataclass(frozen=True)
class Display:
    """How the view is drawn."""

    mode: str = "auto"
    basemap: str = "none"
    period: str = "month"
    present: str = "0"  # presentation mode: "1" hides the controls
    records: str = "linked"  # "all": every source's record, linked ones not merged
    place: str = ""  # a gazetteer place (GeoNames id) the map opens on; "" fits the incidents
    hs_unit: str = "cells"  # Hotspots: grid cells or provinces
    hs_cell: str = "0.5"  # Hotspots: cell size in degrees
    hs_metric: str = "incidents"  # Hotspots: incidents or known fatalities


HS_UNITS: dict[str, str] = {"cells": "Grid cells", "provinces": "Provinces"}
HS_CELLS: dict[str, str] = {"0.25": "0.25° (about 25 km)", "0.5": "0.5° (about 50 km)",
                            "1": "1° (about 100 km)"}
HS_METRICS: dict[str, str] = {"incidents": "Incidents", "fatalities": "Known fatalities"}
CHOICES: dict[str, dict[str, str]] = {"mode": MODES, "basemap": BASEMAPS, "period": PERIODS,
                                      "present": PRESENT, "records": RECORDS,
                                      "hs_unit": HS_UNITS, "hs_cell": HS_CELLS,
                                      "hs_metric": HS_METRICS}
FILTER_FIELDS = frozenset(f.name for f in fields(Filters))
DISPLAY_FIELDS = frozenset(f.name for f in fields(Display))
# The link parameter of each field of the view.
PARAMS: dict[str, str] = {
    "start": "from", "end": "to", "actors": "actor", "event_types": "type",
    "sub_event_types": "subtype", "countries": "country", "provinces": "province",
    "datasets": "dataset", "min_fatalities": "minfat", "include_unknown": "unknown",
    "text": "q", "max_border_km": "border",
    **{name: name.replace("_", "") for name in DISPLAY_FIELDS},
}
_LABELS = {"start": "Start date", "end": "End date", "min_fatalities": "Minimum fatalities",
           "max_border_km": "Border distance", "include_unknown": "Unknown-toll choice"}
_WHY = {"start": "is not a date (YYYY-MM-DD)", "end": "is not a date (YYYY-MM-DD)",
        "min_fatalities": "is not a whole number ≥ 0",
        "max_border_km": "is not a number of km ≥ 0", "include_unknown": "is not 0 or 1"}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def _date(raw: Any) -> dt.date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, dt.date):
        return raw
    return dt.date.fromisoformat(str(raw))


def _count(raw: Any) -> int:
    if raw is None or raw == "":
        return 0
    value = int(str(raw)) if isinstance(raw, str) else int(raw)
    if value < 0:
        raise ValueError(raw)
    return value


def _km(raw: Any) -> float | None:
    if raw is None or raw == "":
        return None
    value = float(raw)
    if not 0 <= value < 100_000:
        raise ValueError(raw)
    return value


def _flag(raw: Any) -> bool:
    if raw is None or raw == "":
        return False
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ValueError(raw)


def coerce(name: str, raw: Any) -> Any:
    """The typed value of one field of the view.

    Parameters
    ----------
    name : str
        A field of ``Filters`` or ``Display``.
    raw : Any
        A widget's value, or a link's text (a list of texts for list filters).

    Returns
    -------
    Any
        The value in the field's type; text is stripped and cut to ``MAX_TEXT``.

    Raises
    ------
    ValueError
        If ``raw`` cannot be read as the field's value.
    """
    if name in ("start", "end"):
        return _date(raw)
    if name == "min_fatalities":
        return _count(raw)
    if name == "max_border_km":
        return _km(raw)
    if name == "include_unknown":
        return _flag(raw)
    if name == "text":
        return str(raw or "").strip()[:MAX_TEXT]
    if name == "place":
        return _place(raw)
    if name in LIST_FILTERS:
        return tuple(str(v) for v in (raw or ()))
    if name in CHOICES:
        if raw not in CHOICES[name]:
            raise ValueError(raw)
        return raw
    raise KeyError(name)


def _place(raw: Any) -> str:
    text = str(raw or "").strip()
    if not text:
        return ""
    if not text.isdigit() or int(text) not in gazetteer.places().index:
        raise ValueError(raw)
    return str(int(text))


def hotspot_settings(d: Display) -> hotspots.Settings:
    """The Hotspots display's analysis settings."""
    return hotspots.Settings(unit=d.hs_unit, cell_deg=float(d.hs_cell), period=d.period,
                             metric=d.hs_metric)


def place_of(d: Display) -> tuple[float, float, str, int] | None:
    """Where the map opens for the view's place: latitude, longitude, name, zoom."""
    if not d.place:
        return None
    p = gazetteer.places().loc[int(d.place)]
    return (float(p["lat"]), float(p["lon"]), f"{p['label']}, {p['country']}", PLACE_ZOOM)


def _param(value: Any) -> str | list[str]:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def to_params(f: Filters, d: Display) -> dict[str, str | list[str]]:
    """Query parameters for a view; defaults are left out, so links stay short.

    Parameters
    ----------
    f : Filters
        Which incidents.
    d : Display
        How they are drawn.

    Returns
    -------
    dict
        Parameter name to text (or list of texts, for list filters).
    """
    out: dict[str, str | list[str]] = {}
    for obj, default in ((f, Filters()), (d, Display())):
        for fd in fields(obj):
            value = getattr(obj, fd.name)
            if value != getattr(default, fd.name):
                out[PARAMS[fd.name]] = _param(value)
    return out


class _Reader:
    """Reads a view from query parameters, collecting a notice for everything dropped."""

    def __init__(self, params: Mapping[str, Sequence[str]], vocab: Vocabulary):
        self.params = params
        self.vocab = vocab
        self.notices: list[str] = []

    def last(self, name: str) -> str | None:
        values = self.params.get(PARAMS[name]) or []
        return values[-1] if values else None

    def scalar(self, name: str) -> Any:
        raw = self.last(name)
        try:
            return coerce(name, raw)
        except ValueError:
            self.notices.append(f"{_LABELS[name]} {raw!r} in the link {_WHY[name]}; ignored.")
            return getattr(Filters(), name)

    def text(self) -> str:
        raw = self.last("text") or ""
        if len(raw) > MAX_TEXT:
            self.notices.append(f"The search text in the link is longer than {MAX_TEXT} "
                                "characters; it was cut.")
        return str(coerce("text", raw))

    def values(self, name: str) -> tuple[str, ...]:
        known: frozenset[str] = getattr(self.vocab, name)
        label = LIST_FILTERS[name][0]
        kept: list[str] = []
        for value in coerce(name, self.params.get(PARAMS[name])):
            if value not in known:
                self.notices.append(f"{label} {value!r} in the link matches no incident in "
                                    "the data; ignored.")
            elif value not in kept:
                kept.append(value)
        return tuple(kept)

    def choice(self, name: str) -> str:
        raw = self.last(name)
        default = getattr(Display(), name)
        if raw is None:
            return str(default)
        try:
            return str(coerce(name, raw))
        except ValueError:
            self.notices.append(f"Unknown {name} {raw!r} in the link; using "
                                f"{CHOICES[name][default]!r}.")
            return str(default)

    def place(self) -> str:
        raw = self.last("place")
        try:
            return str(coerce("place", raw))
        except ValueError:
            self.notices.append(f"Place {raw!r} in the link is not in the gazetteer; the map "
                                "shows all the incidents instead.")
            return ""

    def unknown_keys(self) -> None:
        known = set(PARAMS.values())
        self.notices += [f"Unknown link parameter {key!r}; ignored."
                         for key in self.params if key not in known]


def from_params(params: Mapping[str, Sequence[str]], vocab: Vocabulary,
                ) -> tuple[Filters, Display, list[str]]:
    """Read a view from query parameters (each a list of values, as repeated keys give).

    Parameters
    ----------
    params : Mapping
        Parameter name to its values.
    vocab : Vocabulary
        The values the data holds; list values outside it are stale.

    Returns
    -------
    tuple of (Filters, Display, list of str)
        The view, and a notice for each malformed, unknown or stale value that was
        dropped (the rest of the view is kept). Never raises.
    """
    r = _Reader(params, vocab)
    start, end = r.scalar("start"), r.scalar("end")
    if start and end and start > end:
        r.notices.append(f"The link's start date {start} is after its end date {end}; "
                         "the date range was reset.")
        start = end = None
    lists = {name: r.values(name) for name in LIST_FILTERS}
    filters = Filters(start=start, end=end, min_fatalities=r.scalar("min_fatalities"),
                      include_unknown=r.scalar("include_unknown"), text=r.text(),
                      max_border_km=r.scalar("max_border_km"), **lists)
    display = Display(**{name: r.choice(name) for name in CHOICES}, place=r.place())
    r.unknown_keys()
    return filters, display, r.notices


def with_field(f: Filters, d: Display, name: str, value: Any) -> tuple[Filters, Display]:
    """The view with one field (of the filters or the display) set to ``value``."""
    if name in FILTER_FIELDS:
        return replace(f, **{name: value}), d
    return f, replace(d, **{name: value})


def sidebar_shape(f: Filters, d: Display) -> tuple[Any, ...]:
    """What the sidebar's filter controls and the map's display controls show besides
    their own values (the controls that follow from the whole view, Reset and "include
    unknown toll", are view parts): the sub-event types and the provinces offered, the
    dates, which records are counted, whether the page is presented, and the display's
    own settings (hot spots, playback) and place. A change of the view that leaves this
    the same need not redraw those controls: only the parts of the page that show the view
    run again."""
    return (f.event_types, f.countries, f.start, f.end, d.records, d.present, d.mode,
            d.hs_unit, d.place)
