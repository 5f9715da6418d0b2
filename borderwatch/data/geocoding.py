"""Geocoding on import: rows that come without coordinates are placed from their names.

A row with neither latitude nor longitude, but a location, district or province, is looked
up in the gazetteer (``borderwatch.geo.geocode``). A match fills its coordinates, sets its
geo precision by what matched (town 1, district 2, province 3) and records how in its
``geocode`` column. A name with two places in the province, or only near spellings, waits
for an analyst's choice (stored, so the next import of the file uses it); a name that
matches nothing is a row error naming the closest places.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from borderwatch.data import db
from borderwatch.data.db import geocode_choices
from borderwatch.data.records import RowError
from borderwatch.geo import geocode
from borderwatch.geo.geocode import Candidate, Resolution


@dataclass(frozen=True)
class Pending:
    """A row waiting for the analyst to choose its place."""

    row: int
    column: str
    value: str
    country: str
    province: str
    reason: str  # "ambiguous" or "confirm"
    candidates: tuple[Candidate, ...]

    @property
    def message(self) -> str:
        """What the analyst is told."""
        names = "; ".join(c.title for c in self.candidates[:5])
        if self.reason == "ambiguous":
            return f"{len(self.candidates)} places are called {self.value!r} here: {names}"
        return f"no place is spelt {self.value!r}; nearest spellings: {names}"


def load_choices(engine: Engine | None) -> dict[tuple[str, str, str], int]:
    """Every stored choice, by ``geocode.choice_key``."""
    if engine is None:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(sa.select(geocode_choices.c.country, geocode_choices.c.province,
                                      geocode_choices.c.name_key, geocode_choices.c.place_id))
        return {(r.country, r.province, r.name_key): int(r.place_id) for r in rows}


def choose(engine: Engine, pending: Pending, place_id: int, user: str) -> None:
    """Store the analyst's choice of place for a pending row's name."""
    country, province, key = geocode.choice_key(pending.country, pending.province,
                                                pending.value)
    c = geocode_choices.c
    with db.writing(engine) as conn:
        conn.execute(sa.delete(geocode_choices).where(
            c.country == country, c.province == province, c.name_key == key))
        conn.execute(sa.insert(geocode_choices).values(
            country=country, province=province, name_key=key, place_id=int(place_id),
            decided_by=user, decided_at=dt.datetime.now(dt.UTC)))


def _blank(values: pd.Series) -> pd.Series:
    return values.fillna("").astype(str).str.strip() == ""


def apply(raw: pd.DataFrame, file_rows: pd.Series, engine: Engine | None
          ) -> tuple[pd.DataFrame, list[RowError], list[Pending]]:
    """Place the rows of ``raw`` (native columns as strings) that lack coordinates.

    Parameters
    ----------
    raw : pandas.DataFrame
        Native columns as strings; changed in place for the rows placed.
    file_rows : pandas.Series
        Each row's number in its file (aligned with ``raw``).
    engine : sqlalchemy.engine.Engine, optional
        The store, for analysts' stored choices.

    Returns
    -------
    tuple of (pandas.DataFrame, list of RowError, list of Pending)
        ``raw`` without the rows in error or waiting, the errors, and the waiting rows.
    """
    need = _blank(raw["latitude"]) & _blank(raw["longitude"])
    if not need.any():
        return raw, [], []
    choices = load_choices(engine)
    for col in ("location", "admin2", "admin1", "geocode"):
        if col not in raw:
            raw[col] = ""
    keys = ["location", "admin2", "admin1", "country"]
    todo = raw.loc[need, keys].fillna("").astype(str)
    errors: list[RowError] = []
    pending: list[Pending] = []
    drop = []
    for names, rows in todo.groupby(keys, sort=False).groups.items():
        location, admin2, admin1, country = (str(n) for n in names)
        res = geocode.resolve(location, admin2, admin1, country, choices)
        for i in rows:
            row = int(file_rows[i])
            if res.status == "placed":
                _fill(raw, i, res)
            elif res.status in ("ambiguous", "confirm"):
                pending.append(Pending(row, res.column, res.query, country, admin1,
                                       res.status, res.candidates))
                drop.append(i)
            else:
                errors.append(_error(row, res))
                drop.append(i)
    return raw.drop(index=drop), errors, sorted(pending, key=lambda p: p.row)


def _fill(raw: pd.DataFrame, i: int, res: Resolution) -> None:
    raw.at[i, "latitude"] = f"{res.latitude:.5f}"
    raw.at[i, "longitude"] = f"{res.longitude:.5f}"
    raw.at[i, "geo_precision"] = str(res.precision)
    raw.at[i, "geocode"] = res.note()
    if res.kind != "province" and res.place is not None and not str(raw.at[i, "admin1"]).strip():
        raw.at[i, "admin1"] = res.place.province.split("|")[0]


def _error(row: int, res: Resolution) -> RowError:
    near = "; ".join(c.title for c in res.candidates[:3])
    if res.status == "none":
        return RowError(row, "latitude", "", "no coordinates, and no location, district or "
                        "province to place the row by")
    if res.status == "elsewhere":
        return RowError(row, res.column, res.query, f"no place of that name in the row's "
                        f"province or country; found elsewhere: {near}")
    hint = f"; closest names: {near}" if near else ""
    return RowError(row, res.column, res.query,
                    f"matches no place in the gazetteer{hint}. Give coordinates, or a "
                    "spelling the gazetteer knows (`borderwatch geocode NAME`)")
