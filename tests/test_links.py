"""One event, many reports (linking across sources), and one name per actor."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from borderwatch import cli
from borderwatch.analysis import filters as flt
from borderwatch.data import actors, db, ingest, links, table
from borderwatch.geo.sphere import haversine_km
from tests.conftest import ROOT, synthetic_row, write_csv
from tests.test_readers import acled_row, csv_bytes, ucdp_row

# A clash at Spera (Khost); 0.009° of latitude is 1 km, 0.72° about 80 km.
LAT, LON = 33.20, 69.52


@pytest.fixture
def store_with_reports(tmp_path, monkeypatch):
    """The sample, plus the same clash from an ACLED file and a UCDP file (1 km and 0 days
    apart), and a second ACLED clash the same day 80 km away."""
    monkeypatch.setenv("BORDERWATCH_DB_URL", f"sqlite:///{tmp_path / 'links.sqlite'}")
    engine = db.make_engine()
    ingest.seed(engine)
    acled = csv_bytes([
        acled_row(event_id_cnty="AFG900", event_date="12 October 2025", latitude=str(LAT),
                  longitude=str(LON), fatalities="3", admin1="Khost"),
        acled_row(event_id_cnty="AFG901", event_date="12 October 2025", latitude=str(LAT + 0.72),
                  longitude=str(LON), fatalities="1", admin1="Paktia")])
    ucdp = csv_bytes([ucdp_row(id="777", date_start="2025-10-12", type_of_violence="1",
                               where_prec="1", date_prec="1", latitude=str(LAT + 0.009),
                               longitude=str(LON), best="5", adm_1="Khost province")])
    (tmp_path / "acled.csv").write_bytes(acled)
    (tmp_path / "ucdp.csv").write_bytes(ucdp)
    for name in ("acled.csv", "ucdp.csv"):
        assert cli.main(["import", str(tmp_path / name)]) == 0
    return engine, tmp_path


def linked(engine) -> pd.DataFrame:
    return links.link(actors.with_canonical(table.read_incidents(engine)), engine)


def test_the_same_clash_from_acled_and_ucdp_is_one_event(store_with_reports, capsys):
    engine, _ = store_with_reports
    df = linked(engine)
    groups = links.describe(df)
    assert [sorted(m.event_id for m in g.members) for g in groups] == [["AFG900", "UCDP-777"]]
    assert groups[0].km_apart == 1.0 and groups[0].days_apart == 0
    counted = links.count_once(df)
    assert len(df) == 19 and len(counted) == 18  # AFG901, 80 km away, stays apart
    rep = counted[counted["link_group"] >= 0].iloc[0]
    assert rep["event_id"] == "UCDP-777"  # UCDP before ACLED (documented priority)
    assert rep["fatalities"] == 5 and rep["others"][0][1] == 3  # every source's toll
    capsys.readouterr()
    assert cli.main(["links", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [sorted(m["event_id"] for m in g["members"]) for g in listed] == [
        ["AFG900", "UCDP-777"]]


def test_the_dashboard_counts_a_linked_event_once_and_can_show_every_record(
        store_with_reports):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.switch_page("pages/brief.py").run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Incidents"] == "18"
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["records"] = "all"
    at.switch_page("pages/brief.py").run()
    assert {m.label: m.value for m in at.metric}["Incidents"] == "19"


def test_an_unlinked_pair_stays_unlinked_after_a_reimport(store_with_reports):
    engine, tmp_path = store_with_reports
    links.unlink(engine, "UCDP-777", "AFG900", "analyst")
    assert links.describe(linked(engine)) == []
    # UCDP revises its event; the analyst's decision stands.
    (tmp_path / "ucdp2.csv").write_bytes(csv_bytes([ucdp_row(
        id="777", date_start="2025-10-12", type_of_violence="1", where_prec="1", date_prec="1",
        latitude=str(LAT + 0.009), longitude=str(LON),
        best="6", adm_1="Khost province")]))
    assert cli.main(["import", str(tmp_path / "ucdp2.csv")]) == 0
    assert links.describe(linked(engine)) == []


def frame(rows: list[dict]) -> pd.DataFrame:
    base = {"event_id": "x", "event_date": pd.Timestamp("2025-10-12"), "latitude": LAT,
            "longitude": LON, "event_type": "Battles", "geo_precision": 1,
            "time_precision": 1, "source_key": "acled", "fatalities": 1}
    return pd.DataFrame([{**base, **r} for r in rows])


@pytest.mark.parametrize("b, linked_", [
    ({"source_key": "ucdp", "latitude": LAT + 0.05}, True),  # 5.6 km
    ({"source_key": "ucdp", "latitude": LAT + 0.2}, False),  # 22 km: beyond 10 km
    ({"source_key": "ucdp", "latitude": LAT + 0.2, "geo_precision": 2}, True),  # 25 km
    ({"source_key": "ucdp", "latitude": LAT + 0.54, "geo_precision": 3}, True),  # 60 km
    ({"source_key": "ucdp", "event_date": pd.Timestamp("2025-10-14")}, False),  # 2 days
    ({"source_key": "ucdp", "event_date": pd.Timestamp("2025-10-14"), "time_precision": 2},
     True),  # a week
    ({"source_key": "acled"}, False),  # one source never reports its event twice
    ({"source_key": "ucdp", "event_type": "Protests"}, False),  # incompatible types
    ({"source_key": "ucdp", "event_type": "Explosions/Remote violence"}, True),
])
def test_windows_widen_with_imprecision_and_types_must_fit(b, linked_):
    df = frame([{"event_id": "a"}, {"event_id": "b", **b}])
    assert (len(links.candidate_pairs(df)) == 1) is linked_


def test_a_group_never_holds_two_records_of_one_source():
    df = frame([{"event_id": "a1"}, {"event_id": "u1", "source_key": "ucdp",
                                     "latitude": LAT + 0.01},
                {"event_id": "a2", "latitude": LAT + 0.02}])
    group = links.groups(df, links.candidate_pairs(df))
    assert group[0] == group[1] != -1 and group[2] == -1  # the closest pair wins


def test_the_toll_shown_falls_back_to_another_source_when_unknown():
    df = frame([{"event_id": "c", "source_key": "curated", "fatalities": pd.NA},
                {"event_id": "a", "fatalities": 4, "latitude": LAT + 0.01},
                {"event_id": "u", "source_key": "ucdp", "fatalities": 2,
                 "latitude": LAT + 0.02}]).assign(
        fatalities=lambda d: d["fatalities"].astype("Int64"), source="s", source_url=None,
        dataset_label="d")
    out = links.count_once(links.link(df))
    assert list(out["event_id"]) == ["c"] and out["fatalities"].iloc[0] == 2


# ----------------------------------------------------------------- actors

def test_actor_spellings_map_to_one_name_and_aliases_are_searchable(tmp_path):
    rows = [synthetic_row(1, actor1="TTP"), synthetic_row(2, actor1="Tehrik-i-Taliban Pakistan"),
            synthetic_row(3, actor1="Pakistani Taliban"), synthetic_row(4, actor1="IS-K"),
            synthetic_row(5, actor1="Some New Group")]
    from borderwatch.data import records

    df = actors.with_canonical(records.read_csv(write_csv(tmp_path / "a.csv", rows)))
    ttp = "Tehreek-e-Taliban Pakistan (TTP)"
    assert df["actor1_canonical"].tolist()[:3] == [ttp] * 3
    vocab = flt.Vocabulary.of(df)
    assert ttp in vocab.actors and "TTP" not in vocab.actors
    assert len(flt.apply(df, flt.Filters(actors=(ttp,)))) == 3
    iskp = flt.apply(df, flt.Filters(text="Khorasan"))  # an alias finds the record
    assert list(iskp["event_id"]) == ["SYN-00004"]
    assert actors.unmatched(df).to_dict() == {"Synthetic Actor B": 5, "Some New Group": 1}


def test_the_alias_table_is_consistent():
    table_ = pd.read_csv(actors.TABLE, dtype=str, keep_default_na=False)
    assert table_["alias"].map(actors.fold).is_unique
    # Every canonical name is itself an alias of itself.
    assert set(table_["canonical"]) <= set(table_["alias"])


def test_windows_are_settings_and_a_bad_one_is_a_clear_error(monkeypatch, capsys):
    df = frame([{"event_id": "a"}, {"event_id": "b", "source_key": "ucdp",
                                    "latitude": LAT + 0.2}])  # 22 km apart
    assert len(links.candidate_pairs(df)) == 0
    monkeypatch.setenv("BORDERWATCH_LINK_KM", "30,30,100")
    assert len(links.candidate_pairs(df)) == 1
    monkeypatch.setenv("BORDERWATCH_LINK_KM", "0,0,0")  # was a division by zero
    with pytest.raises(links.SettingError, match="LINK_KM must be three positive numbers"):
        links.candidate_pairs(df)
    monkeypatch.setenv("BORDERWATCH_LINK_KM", "ten")
    with pytest.raises(links.SettingError, match="BORDERWATCH_LINK_KM must be three"):
        links.candidate_pairs(df)
    assert cli.main(["links"]) == 2
    assert "BORDERWATCH_LINK_KM must be three" in capsys.readouterr().err


def test_candidate_pairs_match_a_brute_force_search():
    """Every pair within its windows is found, and nothing else, on random records spread
    over the region's latitudes (where a flat projection would miss pairs in the north)."""
    n = 1500
    df = random_records(7, n, days=90, lat=(24, 55), lon=(60, 64),
                        types=["Battles", "Violence against civilians", "Protests"],
                        sources=["acled", "ucdp", "curated"])
    assert_matches_brute_force(df, range(n), 100)


def test_a_country_level_point_links_to_nothing():
    from borderwatch.data.readers import COUNTRY_LEVEL_NOTE

    df = frame([{"event_id": "a"}, {"event_id": "u", "source_key": "ucdp", "geo_precision": 3,
                                    "notes": "x" + COUNTRY_LEVEL_NOTE}])
    assert len(links.candidate_pairs(df)) == 0
    assert len(links.candidate_pairs(df.assign(notes="x"))) == 1


def test_a_small_source_against_a_large_one_matches_a_brute_force_search():
    """Twenty curated records against 3,000 ACLED ones (the lookup of the few in the
    many's tree) find exactly the pairs a brute-force search finds."""
    n = 3020
    df = random_records(11, n, days=60, lat=(30, 40), lon=(65, 70), types=["Battles"],
                        sources=["curated"] * 20 + ["acled"] * (n - 20))
    assert_matches_brute_force(df, range(20), 20)


def random_records(seed: int, n: int, *, days: int, lat: tuple[float, float],
                   lon: tuple[float, float], types: list[str], sources: list[str]
                   ) -> pd.DataFrame:
    """``n`` random records; ``sources`` is drawn from unless it gives one per record."""
    import numpy as np

    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "event_id": [f"r{k}" for k in range(n)],
        "event_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, days, n), "D"),
        "latitude": rng.uniform(*lat, n), "longitude": rng.uniform(*lon, n),
        "event_type": rng.choice(types, n),
        "geo_precision": rng.choice([1, 2, 3], n), "time_precision": rng.choice([1, 2, 3], n),
        "source_key": sources if len(sources) == n else rng.choice(sources, n)})


def assert_matches_brute_force(df: pd.DataFrame, rows: range, at_least: int) -> None:
    """``candidate_pairs`` finds exactly the pairs (i, j), i in ``rows`` and i < j, that a
    check of every pair finds: different sources, fitting types, within the windows."""
    import numpy as np

    found = {(int(r.i), int(r.j)) for r in links.candidate_pairs(df).itertuples()}
    w = links.Windows()
    lat, lon = df["latitude"].to_numpy(), df["longitude"].to_numpy()
    day = (df["event_date"] - df["event_date"].min()).dt.days.to_numpy()
    expected = set()
    for i in rows:
        km = haversine_km(lat[i], lon[i], lat[i + 1:], lon[i + 1:])
        for k in np.flatnonzero(km < 101):
            j = i + 1 + int(k)
            a, b = df.iloc[i], df.iloc[j]
            if (a.source_key != b.source_key
                    and b.event_type in links.COMPATIBLE.get(a.event_type, set())
                    and km[k] <= max(w.distance_km[a.geo_precision],
                                     w.distance_km[b.geo_precision])
                    and abs(day[i] - day[j]) <= max(w.time_days[a.time_precision],
                                                    w.time_days[b.time_precision])):
                expected.add((i, j))
    assert len(expected) > at_least and found == {p for p in found if p[0] in rows}
    assert {p for p in found if p[0] in rows} == expected
