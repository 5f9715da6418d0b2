"""Emerging hot spots and signals, on SYNTHETIC data with known answers."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from borderwatch import cli
from borderwatch.analysis import hotspots as hs
from borderwatch.analysis import signals

BOX = (30.0, 40.0, 60.0, 75.0)  # 20 x 30 cells of 0.5°
CLUSTER = (35.0, 67.0)  # a 1° square: four cells


def planted(seed: int = 0, months: int = 24, start: int | None = None,
            growing: bool = True, per_month: int = 600, extra: int = 30) -> pd.DataFrame:
    """SYNTHETIC incidents at random over ``BOX``, plus from month ``start`` on a cluster
    in ``CLUSTER`` (``extra`` incidents a month, growing by ``extra`` each month)."""
    rng = np.random.default_rng(seed)
    parts = []
    for m in range(months):
        day = pd.Timestamp("2020-01-15") + pd.DateOffset(months=m)
        n = rng.poisson(per_month)
        parts.append(pd.DataFrame({"latitude": rng.uniform(BOX[0], BOX[1], n),
                                   "longitude": rng.uniform(BOX[2], BOX[3], n),
                                   "event_date": day}))
        if start is not None and m >= start:
            k = extra * (m - start + 1 if growing else 1)
            parts.append(pd.DataFrame({
                "latitude": rng.uniform(CLUSTER[0], CLUSTER[0] + 1, k),
                "longitude": rng.uniform(CLUSTER[1], CLUSTER[1] + 1, k), "event_date": day}))
    df = pd.concat(parts, ignore_index=True)
    return df.assign(fatalities=pd.array([1] * len(df), dtype="Int64"),
                     source="SYNTHETIC test data")


def native_rows(df: pd.DataFrame) -> list[dict[str, object]]:
    """``planted`` incidents as rows of an incidents file (SYNTHETIC)."""
    return [{"event_id": f"SYN-H{i}", "event_date": f"{d:%Y-%m-%d}", "time_precision": 1,
             "event_type": "Battles", "actor1": "Synthetic A", "country": "Afghanistan",
             "latitude": round(lat, 4), "longitude": round(lon, 4), "geo_precision": 1,
             "fatalities": 1, "source": "SYNTHETIC test data"}
            for i, (d, lat, lon) in enumerate(zip(df["event_date"], df["latitude"],
                                                  df["longitude"], strict=True))]


def planted_category(result: hs.Result) -> str:
    """The category of the cell at the planted cluster's centre."""
    t = result.table()
    lat, lon = CLUSTER[0] + 0.25, CLUSTER[1] + 0.25
    cell = t[(t["lat"] <= lat) & (t["lat"] + 0.5 > lat) & (t["lon"] <= lon)
             & (t["lon"] + 0.5 > lon)]
    return str(cell["category"].iloc[0])


@pytest.mark.parametrize("start, expected", [(23, "new-hot"), (21, "consecutive-hot"),
                                             (12, "consecutive-hot")])
def test_a_cluster_that_appears_mid_series_is_new_then_consecutive(start, expected):
    assert planted_category(hs.analyse(planted(start=start))) == expected


def test_a_growing_cluster_present_throughout_the_window_is_intensifying():
    df = planted(start=12)
    window = df[df["event_date"] >= "2021-01-01"].reset_index(drop=True)  # 12 months
    assert planted_category(hs.analyse(window)) == "intensifying-hot"


def test_a_constant_cluster_is_persistent():
    assert planted_category(hs.analyse(planted(start=0, growing=False))) == "persistent-hot"


def test_random_incidents_give_no_more_false_hot_spots_than_the_nominal_rate():
    classified = [float((hs.analyse(planted(seed=s)).category != "none").mean())
                  for s in range(20)]
    assert np.mean(classified) <= 0.05  # nominal; with FDR it is in fact 0
    assert max(classified) <= 0.05


def test_shuffled_data_give_no_intensifying_hot_spot():
    """The planted growing cluster's months put in a random order (each month's incidents
    kept together): the growth is gone, and nothing is intensifying, over 20 seeds."""
    for seed in range(20):
        df = planted(start=12, seed=seed)
        months = np.sort(df["event_date"].unique())
        order = np.random.default_rng(seed).permutation(len(months))
        shuffled = df.assign(event_date=df["event_date"].map(dict(zip(months, months[order],
                                                                      strict=True))))
        assert "intensifying-hot" not in set(hs.analyse(shuffled).category), seed


def test_gi_star_equals_pysal_esda():
    import esda
    import libpysal

    rng = np.random.default_rng(1)
    w = libpysal.weights.lat2W(10, 12, rook=False)
    counts = rng.poisson(2, (120, 6)).astype(float)
    z = hs.gi_star(counts, sparse.csr_array(w.sparse))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in range(counts.shape[1]):
            g = esda.G_Local(counts[:, k], w, star=True, transform="B", permutations=0)
            assert np.abs(g.Zs - z[:, k]).max() < 1e-12


def test_mann_kendall_equals_pymannkendall_with_ties():
    import pymannkendall as mk

    rng = np.random.default_rng(2)
    x = rng.normal(size=(40, 25))
    x[:10] = np.round(x[:10])  # many ties
    s, p = hs.mann_kendall(x)
    expected = [mk.original_test(row) for row in x]
    assert np.allclose(s, [e.s for e in expected]) and np.allclose(p, [e.p for e in expected])


def test_fdr_matches_benjamini_hochberg():
    from scipy.stats import false_discovery_control

    p = np.array([[0.001, 0.2], [0.008, 0.04], [0.039, 0.03], [0.041, 0.02], [0.9, 0.5]])
    # Column 0: 0.001 <= 1/5 * 0.05 and 0.008 <= 2/5 * 0.05; 0.039 > 3/5 * 0.05, 0.041 > 4/5
    # * 0.05. Column 1: 0.02 > 0.01, 0.03 > 0.02, 0.04 > 0.03: none.
    assert hs.fdr_significant(p, 0.05)[:, 0].tolist() == [True, True, False, False, False]
    assert not hs.fdr_significant(p, 0.05)[:, 1].any()
    rng = np.random.default_rng(5)
    many = np.concatenate([rng.uniform(0, 0.01, (30, 8)), rng.uniform(0, 1, (300, 8))])
    assert (hs.fdr_significant(many, 0.05)
            == (false_discovery_control(many, axis=0) <= 0.05)).all()


def test_too_little_data_says_why_instead_of_classifying():
    result = hs.analyse(planted(months=6))
    assert result.reason and "10 months" in result.reason and result.category.size == 0
    assert "30 are needed" in hs.analyse(planted().head(10)).reason


def test_the_hotspots_command_prints_each_location(tmp_path, monkeypatch, capsys):
    from tests.conftest import write_csv

    path = write_csv(tmp_path / "h.csv", native_rows(planted(start=12, per_month=60,
                                                             extra=10)))
    monkeypatch.setenv("BORDERWATCH_DB_URL", f"sqlite:///{tmp_path / 'h.sqlite'}")
    monkeypatch.setenv("BORDERWATCH_INCIDENTS", str(path))
    assert cli.main(["hotspots", "--cell-deg", "0.5", "--period", "month", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["reason"] is None and len(out["periods"]) == 24
    first = out["locations"][0]
    assert {"category", "latest_z", "trend_p", "location"} <= set(first)
    assert any(x["category"].endswith("-hot") for x in out["locations"])


# ----------------------------------------------------------------- signals

def series(counts: list[int], province: str = "Khost", actor: str = "Synthetic A",
           start: str = "2023-01-10") -> pd.DataFrame:
    """One incident row per count per month, in one province (SYNTHETIC)."""
    rows = []
    for m, n in enumerate(counts):
        day = pd.Timestamp(start) + pd.DateOffset(months=m)
        rows += [{"event_date": day, "country": "Afghanistan", "admin1": province,
                  "actor1": actor, "actor2": None, "fatalities": 1,
                  "latitude": 33.3, "longitude": 69.9} for _ in range(n)]
    return pd.DataFrame(rows).assign(fatalities=lambda d: d["fatalities"].astype("Int64"))


def fired(df: pd.DataFrame, month: str, rule: str) -> list[signals.Signal]:
    return [s for s in signals.evaluate(df, [pd.Period(month, "M")], signals.Settings())
            if s.rule == rule]


def test_level_fires_only_above_the_last_twelve_months_and_the_floor():
    counts = [2] * 12 + [5, 2, 4]  # months 0-11 then 2024-01 (5), 2024-02, 2024-03 (4)
    df = series(counts)
    [level] = fired(df, "2024-01", "level")
    assert level.value == 5 and level.baseline == 2 and "highest since the data" in level.text
    assert fired(df, "2024-03", "level") == []  # 4 < the 5 of January
    assert fired(series([0] * 12 + [2]), "2024-01", "level") == []  # under the floor
    assert fired(series([2] * 6 + [5]), "2023-07", "level") == []  # data too short


def test_first_incident_after_a_quiet_year():
    df = series([1] + [0] * 12 + [1])
    [first] = fired(df, "2024-02", "first")
    assert "the last was in January 2023" in first.text
    assert fired(series([1] + [0] * 5 + [1]), "2023-07", "first") == []


def test_sharp_rise_on_the_same_month_last_year():
    df = series([1] + [0] * 11 + [4])
    [rise] = fired(df, "2024-01", "rise")
    assert (rise.value, rise.baseline) == (4, 1)
    assert fired(series([2] + [0] * 11 + [4]), "2024-01", "rise") == []  # only +2


def test_an_actor_new_to_the_province():
    df = pd.concat([series([1] * 13), series([1], actor="New Group",
                                             start="2024-01-20")])
    [actor] = fired(df, "2024-01", "actor")
    assert "New Group appears for the first time" in actor.text
    assert actor.params["actor"] == ["New Group"]
    generic = pd.concat([series([1] * 13), series([1], actor="Civilians (Afghanistan)",
                                                  start="2024-01-20")])
    assert fired(generic, "2024-01", "actor") == []


def test_a_fatalities_level_says_when_earlier_tolls_were_unknown():
    """Twelve months of 1 known death each, but two earlier incidents' tolls unknown; then
    a month of 30 known deaths: the level fires on known tolls, and says that the earlier
    months' comparison is with known tolls only (an unknown toll is not a zero)."""
    df = series([1] * 12 + [1])
    df.loc[df.index[-1], "fatalities"] = 30
    df.loc[df.index[[2, 5]], "fatalities"] = pd.NA
    levels = [s for s in fired(df, "2024-01", "level") if "fatalities" in s.text]
    assert [s.value for s in levels] == [30]
    assert "tolls unknown for 2 incidents in those months" in levels[0].text
    complete = series([1] * 12 + [1])
    complete.loc[complete.index[-1], "fatalities"] = 30
    [known] = [s for s in fired(complete, "2024-01", "level") if "fatalities" in s.text]
    assert "unknown" not in known.text


def test_signal_links_open_the_province_and_month():
    [level] = fired(series([2] * 12 + [5]), "2024-01", "level")
    assert level.params == {"country": ["Afghanistan"], "province": ["Khost"],
                            "from": "2024-01-01", "to": "2024-01-31"}


def test_signals_command_prints_a_digest(capsys):
    assert cli.main(["signals", "--since", "2021-01-01", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["synthetic"] is True  # the test store holds the SYNTHETIC sample
    assert cli.main(["signals", "--markdown"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("# SYNTHETIC DATA: Borderwatch: what changed") and "Rules:" in text


def test_the_brief_shows_what_changed_on_the_curated_record(tmp_path, monkeypatch):
    from tests.conftest import ROOT
    from tests.test_app import app

    monkeypatch.setenv("BORDERWATCH_DB_URL", f"sqlite:///{tmp_path / 'curated.sqlite'}")
    monkeypatch.setenv("BORDERWATCH_INCIDENTS", str(ROOT / "incidents.csv"))
    at = app("pages/brief.py", **{"from": "2025-12-01", "to": "2026-02-28"})
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "What changed" in [h.value for h in at.header]
    assert "Level not seen in a year or more" in text and "[Open](./?" in text
    how = [e for e in at.expander if e.label == "How these are found"]
    rules = " ".join(m.value for m in how[0].markdown) if how else text
    for rule in ("Hot spot:", "Level:", "Rise:", "First:", "Actor:"):
        assert rule in rules, rule
