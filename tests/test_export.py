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


def test_geojson_export_is_valid_and_complete(sample):
    import json

    data = json.loads(export.geojson_bytes(sample))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == len(sample)
    by_id = {f["properties"]["event_id"]: f for f in data["features"]}
    kabul = by_id["SYN-00001"]
    assert kabul["geometry"] == {"type": "Point", "coordinates": [69.17, 34.53]}
    assert kabul["properties"]["fatalities"] == 183
    assert kabul["properties"]["event_date"] == "2021-08-26"
    assert kabul["properties"]["source_url"] == "https://example.org/synthetic/1"
    assert kabul["properties"]["source_date"] == "2021-08-26"
    assert kabul["properties"]["dataset"] == "SYNTHETIC (test data)"
    assert by_id["SYN-00007"]["properties"]["fatalities"] is None  # unknown, not 0


def test_blank_tolls_import_and_export_blank(tmp_path):
    from borderwatch.data import ingest

    rows = [synthetic_row(1, fatalities=""), synthetic_row(2, fatalities=0),
            synthetic_row(3, fatalities=4)]
    engine = db.make_engine(f"sqlite:///{tmp_path / 'b.sqlite'}")
    ingest.commit(ingest.validate(write_csv(tmp_path / "b.csv", rows).read_bytes(), "b.csv",
                                  engine), engine)
    df = table.read_incidents(engine).sort_values("event_id")
    assert df["fatalities"].isna().tolist() == [True, False, False]  # NULL in the store
    out = pd.read_csv(io.BytesIO(export.csv_bytes(df)), dtype=str, keep_default_na=False)
    assert out["fatalities"].tolist() == ["", "0", "4"]


def test_synthetic_views_say_so_in_file_names(sample):
    assert export.has_synthetic(sample)
    name = export.file_name(flt.Filters(), "pdf", today=dt.date(2026, 11, 28),
                            synthetic=True)
    assert name == "SYNTHETIC_borderwatch_all-incidents_2026-11-28.pdf"


FORMULAS = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\t=x"]


def test_every_text_column_is_neutralised_as_the_dashboard_reads_it(tmp_path):
    """Through the store (where text columns are categoricals), as every CSV export is."""
    from borderwatch.data import ingest
    from borderwatch.data.schema import COLUMNS

    # Every text column but the country (checked against the boundaries) and the link
    # (which must be http(s), so it cannot start with a formula character).
    text = [c.name for c in COLUMNS if c.kind == "str"
            and c.name not in ("country", "source_url")]
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
