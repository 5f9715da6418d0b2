"""Every supported layout, encoding and delimiter, and every kind of unreadable file."""

import pandas as pd
import pytest

from borderwatch.data import readers
from tests.conftest import synthetic_row

ACLED_COLUMNS = ("event_id_cnty,event_date,year,time_precision,disorder_type,event_type,"
                 "sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,"
                 "interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,"
                 "location,latitude,longitude,geo_precision,source,source_scale,notes,"
                 "fatalities,tags,timestamp").split(",")
UCDP_COLUMNS = ("id,relid,year,active_year,code_status,type_of_violence,conflict_dset_id,"
                "conflict_new_id,conflict_name,dyad_dset_id,dyad_new_id,dyad_name,"
                "side_a_dset_id,side_a_new_id,side_a,side_b_dset_id,side_b_new_id,side_b,"
                "number_of_sources,source_article,source_office,source_date,source_headline,"
                "source_original,where_prec,where_coordinates,where_description,adm_1,adm_2,"
                "latitude,longitude,geom_wkt,priogrid_gid,country,country_id,region,"
                "event_clarity,date_prec,date_start,date_end,deaths_a,deaths_b,"
                "deaths_civilians,deaths_unknown,best,high,low,gwnoa,gwnob").split(",")


def acled_row(**values):
    row = dict.fromkeys(ACLED_COLUMNS, "")
    row.update({"event_id_cnty": "SYNAFG1", "event_date": "04 September 2023", "year": "2023",
                "time_precision": "1", "event_type": "Battles", "sub_event_type": "Armed clash",
                "actor1": "Synthetic actor", "inter1": "1", "actor2": "Synthetic other",
                "inter2": "2", "interaction": "12", "country": "Afghanistan",
                "admin1": "Badakhshan", "location": "Synthetic place", "latitude": "37.1",
                "longitude": "70.5", "geo_precision": "1", "source": "SYNTHETIC",
                "notes": "SYNTHETIC, with a comma", "fatalities": "3"})
    row.update(values)
    return row


def ucdp_row(**values):
    row = dict.fromkeys(UCDP_COLUMNS, "")
    row.update({"id": "424242", "type_of_violence": "3", "side_a": "Synthetic group",
                "side_b": "Civilians", "source_office": "SYNTHETIC", "source_headline": "SYN",
                "where_prec": "4", "where_coordinates": "Synthetic town",
                "adm_1": "Khost province", "adm_2": "Sepera district", "latitude": "33.2",
                "longitude": "69.8", "country": "Afghanistan", "date_prec": "4",
                "date_start": "2024-03-18 00:00:00.000", "date_end": "2024-03-18", "best": "8"})
    row.update(values)
    return row


def csv_bytes(rows, sep=",", encoding="utf-8"):
    return pd.DataFrame(rows).to_csv(index=False, sep=sep).encode(encoding)


def test_native_layout_reads_as_is():
    r = readers.read_bytes(csv_bytes([synthetic_row(1)]))
    assert r.format == "native" and r.raw.loc[0, "event_id"] == "SYN-00001"
    assert list(r.raw["file_row"]) == [2]


@pytest.mark.parametrize("date", ["04 September 2023", "2023-09-04"])
def test_acled_dates_both_ways(date):
    r = readers.read_bytes(csv_bytes([acled_row(event_date=date)]))
    assert r.format == "acled"
    assert r.raw.loc[0, "event_date"] == "2023-09-04"
    assert r.raw.loc[0, "event_id"] == "SYNAFG1"


def test_acled_inter_codes_as_text_and_pre_2023_columns_are_ignored():
    old = acled_row(inter1="State forces", inter2="Rebel group")
    old["data_id"], old["iso3"], old["event_id_no_cnty"] = "1", "AFG", "1"
    r = readers.read_bytes(csv_bytes([old]))
    assert r.format == "acled" and r.raw.loc[0, "actor1"] == "Synthetic actor"


def test_ucdp_mapping():
    r = readers.read_bytes(csv_bytes([ucdp_row()]))
    row = r.raw.iloc[0]
    assert r.format == "ucdp"
    assert row.event_id == "UCDP-424242"
    assert row.event_date == "2024-03-18"
    assert (row.event_type, row.sub_event_type) == ("Violence against civilians", "Attack")
    assert (row.actor1, row.actor2) == ("Synthetic group", "Civilians")
    assert (row.admin1, row.admin2) == ("Khost", "Sepera")
    assert (row.geo_precision, row.time_precision, row.fatalities) == ("3", "3", "8")


@pytest.mark.parametrize("sep", [",", ";", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_delimiters_and_encodings(sep, encoding):
    data = csv_bytes([synthetic_row(1, notes="Café in Fayzābād" if encoding != "cp1252"
                                    else "Café – Fayzabad")], sep=sep, encoding=encoding)
    r = readers.read_bytes(data)
    assert r.delimiter == sep
    assert r.raw.loc[0, "notes"].startswith("Café")
    assert r.raw.columns[0] == "event_id"  # no BOM left in the first name


def test_quoted_newlines_keep_the_row_numbers_the_user_sees():
    rows = [synthetic_row(1, notes="line one\nline two\nline three"), synthetic_row(2)]
    r = readers.read_bytes(csv_bytes(rows))
    assert r.raw.loc[0, "notes"] == "line one\nline two\nline three"
    assert list(r.raw["file_row"]) == [2, 5]


@pytest.mark.parametrize("data, fragment, unreadable", [
    (b"", "empty", False),
    (b"   \n", "empty", False),
    (",".join(synthetic_row(1)).encode() + b"\n", "header but no rows", False),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary", True),
    (b"event_id,event_date\n\"BW-1,2023-01-01\n", "unclosed quote", False),
    (b"just one column\nvalue\n", "single column", True),
    (b"event_id,event_date\nX,2023-01-01\n", "required column(s) missing", False),
])
def test_file_level_errors(data, fragment, unreadable):
    with pytest.raises(readers.FileLevelError) as err:
        readers.read_bytes(data)
    assert fragment in str(err.value)
    assert err.value.unreadable is unreadable
