"""The store and imports, on SQLite and on PostgreSQL (127.0.0.1:5432, database test)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from borderwatch.data import db, ingest, records, store, table
from borderwatch.data.schema import COLUMN_NAMES
from borderwatch.testing import snapshots, synth
from tests.conftest import need, synthetic_row
from tests.sample import sample_rows
from tests.test_readers import acled_row, csv_bytes, ucdp_row

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_available() -> bool:
    try:
        with sa.create_engine(PG_URL).connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means: not here
        return False


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        eng = db.make_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
        yield eng
        eng.dispose()
        return
    need(_pg_available(), f"PostgreSQL is not reachable at {PG_URL}")
    schema = f"bw_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    eng = db.make_engine(f"{PG_URL}?options=-csearch_path%3D{schema}")
    yield eng
    eng.dispose()
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def native(rows) -> bytes:
    return csv_bytes(rows)


def load(engine, data: bytes, name: str = "file.csv", **kw) -> store.ImportResult:
    return ingest.commit(ingest.validate(data, name, engine, **kw), engine)


def test_seed_loads_the_seed_file_once(engine, sample):
    first = ingest.seed(engine)
    assert first and first.inserted == len(sample)
    assert ingest.seed(engine) is None
    assert store.counts(engine) == len(sample)
    back = table.read_incidents(engine).sort_values("event_id").reset_index(drop=True)
    back = back.apply(lambda s: s.astype("string")
                      if isinstance(s.dtype, pd.CategoricalDtype) else s)
    expected = sample.sort_values("event_id").reset_index(drop=True)[list(COLUMN_NAMES)]
    pd.testing.assert_frame_equal(back[expected.columns], expected, check_dtype=False)
    # Labelled SYNTHETIC in their source, so synthetic whatever batch brought them.
    assert set(back["dataset"]) == {"synthetic"}


def test_the_curated_file_imports_whole_and_is_labelled_curated(engine, curated, monkeypatch):
    monkeypatch.setenv("BORDERWATCH_INCIDENTS", str(records.INCIDENTS_CSV))
    first = ingest.seed(engine)
    assert (first.inserted, first.rejected) == (len(curated), 0)
    back = table.read_incidents(engine)
    assert set(back["dataset"]) == {"curated"}
    assert set(back["dataset_label"]) == {"Curated (incidents.csv)"}
    assert back["fatalities"].isna().sum() == curated["fatalities"].isna().sum()


def test_import_reports_counts_and_reimport_adds_nothing(engine):
    data = native([synthetic_row(i) for i in range(1, 6)] + [synthetic_row(6, event_date="x")])
    res = load(engine, data)
    assert (res.inserted, res.updated, res.unchanged, res.rejected) == (5, 0, 0, 1)
    before = snapshots.store_rows(engine)
    again = load(engine, data)
    assert again.batch_id is None and again.unchanged == 5 and again.inserted == 0
    assert snapshots.store_rows(engine) == before
    assert len(store.batches(engine)) == 1


TRICKY = [  # what a bulk path could mangle: quoting, escapes, NULL against text, digits
    synthetic_row(1, notes='He said "stop", then\nleft;\ttab \\N back\\slash, \\.',
                  location='Qal\'a-i-Khumb, "Kalaikhum"', actor2="", fatalities="",
                  latitude=37.123456789012345, longitude=70.98765432109876,
                  source_url='https://example.org/a?b=1&c="2"'),
    synthetic_row(2, notes="Ўзбекистон – داریوز – 🚩 \\N", fatalities=0,
                  source_date="2024-01-16", location="\\N"),
    synthetic_row(3, notes="NULL", actor2="null", fatalities=12, latitude=37.1,
                  longitude=70.5, admin2=",", location='"'),
]


def test_text_and_numbers_are_stored_exactly(engine):
    """Every value as validated, read back the same: the PostgreSQL bulk path (CSV into
    COPY) as well as SQLite's."""
    report = ingest.validate(native(TRICKY), "tricky.csv", engine)
    assert report.ok and len(report.valid) == len(TRICKY)
    ingest.commit(report, engine)
    back = table.read_incidents(engine).set_index("event_id")
    want = report.valid.set_index("event_id")

    def plain(values: pd.Series) -> list:
        return [None if pd.isna(v) else v for v in values.astype(object)]

    for col in [c for c in COLUMN_NAMES if c != "event_id"] + list(db.DERIVED):
        assert plain(back.loc[want.index, col]) == plain(want[col]), col
    assert back.loc["SYN-00001", "notes"].count("\\") == 3
    assert "then\nleft;\ttab" in back.loc["SYN-00001", "notes"]
    assert pd.isna(back.loc["SYN-00001", "fatalities"])
    assert back.loc["SYN-00002", "fatalities"] == 0


def test_every_row_is_traceable_to_its_file(engine):
    res = load(engine, native([synthetic_row(1), synthetic_row(2)]), "analyst-a.csv")
    df = table.read_incidents(engine)
    assert set(df["batch_id"]) == {res.batch_id}
    batch = store.batches(engine).set_index("id").loc[res.batch_id]
    assert batch["file_name"] == "analyst-a.csv" and len(batch["sha256"]) == 64
    assert batch["format"] == "native" and batch["created_by"]


def test_acled_reexport_updates_by_event_id(engine):
    load(engine, csv_bytes([acled_row(event_id_cnty="SYNAFG1"),
                            acled_row(event_id_cnty="SYNAFG2")]), "acled-1.csv")
    res = load(engine, csv_bytes([acled_row(event_id_cnty="SYNAFG1", fatalities="5"),
                                  acled_row(event_id_cnty="SYNAFG2"),
                                  acled_row(event_id_cnty="SYNAFG3")]), "acled-2.csv")
    assert (res.inserted, res.updated, res.unchanged) == (1, 1, 1)
    df = table.read_incidents(engine).set_index("event_id")
    assert df.loc["SYNAFG1", "fatalities"] == 5 and len(df) == 3


def test_ucdp_import_and_update(engine):
    load(engine, csv_bytes([ucdp_row()]), "ged.csv")
    res = load(engine, csv_bytes([ucdp_row(best="9")]), "ged-v2.csv")
    assert (res.inserted, res.updated) == (0, 1)
    row = table.read_incidents(engine).set_index("event_id").loc["UCDP-424242"]
    assert row["fatalities"] == 9 and row["admin1"] == "Khost"


def test_undo_restores_the_store_exactly(engine):
    load(engine, native([synthetic_row(1), synthetic_row(2)]))
    before = snapshots.store_rows(engine)
    res = load(engine, native([synthetic_row(1, fatalities=7), synthetic_row(3)]))
    assert (res.inserted, res.updated) == (1, 1)
    assert snapshots.store_rows(engine) != before
    assert store.undo(engine, res.batch_id) == {"deleted": 1, "restored": 1}
    assert snapshots.store_rows(engine) == before
    with pytest.raises(store.StoreError, match="already undone"):
        store.undo(engine, res.batch_id)
    with pytest.raises(store.StoreError, match="no batch 999"):
        store.undo(engine, 999)


def test_undo_refuses_when_a_later_batch_changed_the_same_rows(engine):
    first = load(engine, native([synthetic_row(1)]))
    second = load(engine, native([synthetic_row(1, fatalities=4)]))
    with pytest.raises(store.StoreError, match=f"undo batch {second.batch_id} first"):
        store.undo(engine, first.batch_id)
    store.undo(engine, second.batch_id)
    store.undo(engine, first.batch_id)
    assert store.counts(engine) == 0


def test_import_and_undo_change_the_data_version(engine):
    v0 = db.data_version(engine)
    res = load(engine, native([synthetic_row(1)]))
    v1 = db.data_version(engine)
    store.undo(engine, res.batch_id)
    assert v0 < v1 < db.data_version(engine)


def test_every_change_draws_a_new_stamp_and_an_old_store_gets_one(engine):
    """The stamp tells apart two stores (or a store and a restored copy) at one version."""
    stamps = [db.data_state(engine).stamp]
    res = load(engine, native([synthetic_row(1)]))
    stamps.append(db.data_state(engine).stamp)
    store.undo(engine, res.batch_id)
    stamps.append(db.data_state(engine).stamp)
    assert len(set(stamps)) == 3 and all(s > 0 for s in stamps)
    assert db.data_state(engine).version == db.data_version(engine) == 2
    with engine.begin() as conn:  # as made by a version without stamps
        conn.execute(sa.delete(db.meta_table).where(db.meta_table.c.key == "stamp"))
    assert db.data_state(engine) == db.DataState(2, 0)
    url = engine.url.render_as_string(hide_password=False)
    again, third = db.make_engine(url), db.make_engine(url)
    assert db.data_state(again).stamp > 0
    assert db.data_state(third) == db.data_state(again)  # stamped once, then kept
    again.dispose()
    third.dispose()


def test_a_failure_mid_import_leaves_the_store_unchanged(engine, monkeypatch):
    load(engine, native([synthetic_row(1)]))
    before, batches_before = snapshots.store_rows(engine), len(store.batches(engine))
    version = db.data_version(engine)
    report = ingest.validate(native([synthetic_row(1, fatalities=9), synthetic_row(2)]),
                             "f.csv", engine)

    def boom(*_a, **_k):
        raise RuntimeError("injected failure after the inserts")

    monkeypatch.setattr(store, "_update_rows", boom)  # runs after the new rows went in
    with pytest.raises(RuntimeError, match="injected"):
        ingest.commit(report, engine)
    assert snapshots.store_rows(engine) == before
    assert len(store.batches(engine)) == batches_before
    assert db.data_version(engine) == version


def test_eight_concurrent_imports_lose_and_duplicate_nothing(engine):
    # File k holds ids 50k .. 50k+99: each overlaps its neighbour by 50 identical rows.
    files = [native([synthetic_row(i) for i in range(50 * k, 50 * k + 100)]) for k in range(8)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda kd: load(engine, kd[1], f"f{kd[0]}.csv"),
                                enumerate(files)))
    unique = 50 * 7 + 100
    assert store.counts(engine) == unique
    assert sum(r.inserted for r in results) == unique
    assert sum(r.inserted + r.unchanged for r in results) == 800
    ids = table.read_incidents(engine)["event_id"]
    assert ids.is_unique
    assert len(store.batches(engine)) == sum(1 for r in results if r.batch_id)


def test_validation_warnings(engine):
    ingest.seed(engine)
    rows = [
        synthetic_row(301, latitude=70.58, longitude=37.12),  # swapped
        synthetic_row(302, latitude=48.85, longitude=2.35),  # Paris
        synthetic_row(303, country="Tajikistan"),  # the point is in Afghanistan
        synthetic_row(304, admin1="Takhar"),  # the point is in Badakhshan
        synthetic_row(305, event_type="Skirmish"),
        synthetic_row(306), synthetic_row(306),  # duplicate in the file
        synthetic_row(307, admin1=""),  # blank province gets filled
        sample_rows()[0],  # in the store already (the seed), unchanged
    ]
    report = ingest.validate(native(rows), "w.csv", engine)
    kinds = {(w.row, w.kind) for w in report.warnings}
    assert {(2, "swap"), (3, "outside-region"), (4, "outside-country"), (5, "province"),
            (6, "event-type"), (8, "duplicate"), (10, "in-store")} <= kinds
    assert (2, "outside-region") not in kinds
    assert report.will_skip == 1
    filled = report.valid.set_index("event_id").loc["SYN-00307", "admin1"]
    assert filled == "Badakhshan"
    swapped = ingest.validate(native(rows), "w.csv", engine, apply_swaps=True)
    row = swapped.valid.set_index("event_id").loc["SYN-00301"]
    assert (row["latitude"], row["longitude"]) == (37.12, 70.58)
    assert swapped.swapped == 1


def test_derived_geography_is_stored(engine):
    load(engine, native([synthetic_row(1, latitude=38.46, longitude=70.78,
                                       country="Tajikistan", admin1="")]))
    row = table.read_incidents(engine).iloc[0]
    assert (row["geo_country"], row["geo_admin1"], row["admin1"]) == (
        "Tajikistan", "Gorno-Badakhshan", "Gorno-Badakhshan")
    assert 0 < row["border_km"] < 5


def _importing(engine, proc) -> bool:
    """Whether the child's import transaction is writing rows right now."""
    if engine.dialect.name == "sqlite":
        wal = Path(f"{engine.url.database}-wal")
        return wal.exists() and wal.stat().st_size > 8_000_000
    with engine.connect() as conn:
        return bool(conn.execute(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'bw_kill_test' "
            "AND state = 'active' AND query ILIKE 'COPY%'")).scalar())


def test_kill_9_half_way_through_an_import_changes_nothing(engine, tmp_path):
    """A crash (SIGKILL) while an import is writing leaves the store as it was: the batch
    is absent, no row added or changed, and the store takes the next import."""
    load(engine, native([synthetic_row(i) for i in range(1, 4)]))
    before, batches_before = snapshots.store_rows(engine), store.batches(engine)
    version = db.data_version(engine)
    big = tmp_path / "big.csv"
    synth.synthesize(200_000, seed=5).to_csv(big, index=False)
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "postgresql":
        url += "&application_name=bw_kill_test"
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from borderwatch.cli import main; "
         "sys.exit(main(sys.argv[1:]))", "import", str(big)],
        env={**os.environ, "BORDERWATCH_DB_URL": url},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not _importing(engine, proc):
        assert proc.poll() is None, "the import ended before it could be killed"
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    engine.dispose()  # fresh connections, as after a restart
    assert snapshots.store_rows(engine) == before
    pd.testing.assert_frame_equal(store.batches(engine), batches_before)
    assert db.data_version(engine) == version
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    after = load(engine, native([synthetic_row(9)]))
    assert after.inserted == 1 and store.counts(engine) == 4


def test_readers_do_not_wait_for_an_open_import(engine):
    """Page views read while an import holds the write lock (SQLite WAL, PostgreSQL MVCC)."""
    load(engine, native([synthetic_row(1)]))
    version = db.data_version(engine)
    with db.writing(engine) as conn:
        db.lock(conn)
        conn.execute(sa.delete(db.incidents_table))  # uncommitted
        start = time.monotonic()
        with ThreadPoolExecutor(4) as pool:
            seen = list(pool.map(lambda _: (db.data_version(engine), store.counts(engine)),
                                 range(8)))
        assert time.monotonic() - start < 2
        assert seen == [(version, 1)] * 8  # the committed state, not the open write
        conn.rollback()


def test_a_lost_postgresql_read_is_reported_as_a_database_error():
    """The ADBC read fails as SQLAlchemy's OperationalError, which the pages turn into
    their "cannot be reached" page (nothing listens on port 1)."""
    engine = sa.create_engine(PG_URL.replace(":5432/", ":1/"))
    with pytest.raises(sa.exc.OperationalError):
        table.read_incidents(engine)


def test_a_store_from_the_previous_version_is_brought_up_to_date(tmp_path):
    """Columns added since (source link and date, dataset) are added in place; old rows keep
    their values and get the dataset of their batch."""
    import sqlite3

    path = tmp_path / "old.sqlite"
    engine = db.make_engine(f"sqlite:///{path}")
    load(engine, native([synthetic_row(401, source="Old outlet")]))
    engine.dispose()
    con = sqlite3.connect(path)
    for column in ("source_url", "source_date", "dataset"):
        con.execute(f"ALTER TABLE incidents DROP COLUMN {column}")
    con.execute("ALTER TABLE batches DROP COLUMN dataset")
    con.commit()
    con.close()
    df = table.read_incidents(db.make_engine(f"sqlite:///{path}"))
    assert df["source"].tolist() == ["Old outlet"] and df["source_url"].isna().all()
    assert df["dataset"].tolist() == ["upload"]
    assert df["dataset_label"].iloc[0].startswith("Upload, batch 1: file.csv")
