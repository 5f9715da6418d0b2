import datetime as dt
import io

import pandas as pd
import pytest

from borderwatch.analysis import filters as flt
from borderwatch.data import db, records, table
from borderwatch.present import export
from tests.conftest import synthetic_row, write_csv


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("plain", "plain"), (5, 5), (None, None),
])
def test_formula_cells_are_neutralised(value, expected):
    assert export.neutralise(value) == expected


def test_csv_export_neutralises_text_and_keeps_numbers(tmp_path):
    rows = [synthetic_row(1, notes="=cmd|' /C calc'!A0", actor1="@evil", latitude=-33.5,
                          longitude=70.5, fatalities=3),
            synthetic_row(2, notes="ordinary note")]
    rows[0]["latitude"] = 36.5
    df = records.read_csv(write_csv(tmp_path / "in.csv", rows))
    out = pd.read_csv(io.BytesIO(export.csv_bytes(df)), dtype=str, keep_default_na=False)
    assert len(out) == 2
    assert out.notes[0] == "'=cmd|' /C calc'!A0" and out.actor1[0] == "'@evil"
    assert out.notes[1] == "ordinary note"
    assert out.latitude[0] == "36.5" and out.fatalities[0] == "3"
    assert out.event_date[0] == "2024-01-15"


def test_file_names_carry_filters_and_date():
    f = flt.Filters(countries=("Tajikistan",), start=dt.date(2023, 1, 1))
    name = export.file_name(f, "csv", today=dt.date(2026, 11, 28))
    assert name == "borderwatch_from-2023-01-01-to-the-latest-country-tajikistan_2026-11-28.csv"
    assert export.file_name(flt.Filters(text="../../etc"), "csv").startswith(
        "borderwatch_mentioning-etc_")


def test_geojson_export_is_valid_and_complete(curated):
    import json

    data = json.loads(export.geojson_bytes(curated))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == len(curated)
    by_id = {f["properties"]["event_id"]: f for f in data["features"]}
    darvoz = by_id["BW-0008"]
    assert darvoz["geometry"] == {"type": "Point", "coordinates": [70.78, 38.46]}
    assert darvoz["properties"]["fatalities"] == 3
    assert darvoz["properties"]["event_date"] == "2023-09-04"
    assert by_id["BW-0011"]["properties"]["fatalities"] is None


FORMULAS = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\t=x"]


def test_every_text_column_is_neutralised_as_the_dashboard_reads_it(tmp_path):
    """Through the store (where text columns are categoricals), as every CSV export is."""
    from borderwatch.data import ingest
    from borderwatch.data.schema import COLUMNS

    text = [c.name for c in COLUMNS if c.kind == "str" and c.name not in ("country",)]
    rows = [synthetic_row(i, **{c: f"{f}{c}{i}" for c in text}) for i, f in enumerate(FORMULAS)]
    engine = db.make_engine(f"sqlite:///{tmp_path / 's.sqlite'}")
    report = ingest.validate(write_csv(tmp_path / "f.csv", rows).read_bytes(), "f.csv", engine)
    ingest.commit(report, engine)
    df = table.read_incidents(engine)
    assert isinstance(df["actor1"].dtype, pd.CategoricalDtype)
    out = pd.read_csv(io.BytesIO(export.csv_bytes(df)), dtype=str, keep_default_na=False)
    cells = [v for c in text for v in out[c]]
    assert len(cells) == len(text) * len(FORMULAS)
    assert all(v.startswith("'") for v in cells), [v for v in cells if not v.startswith("'")]
