"""The columnar snapshot of the dashboard's frames (data/snapshot.py): it reads back equal to
the store, and a stale, damaged or foreign one is never used. SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import os
import shutil
import sqlite3
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import sqlalchemy as sa
import streamlit as st

from borderwatch.data import db, ingest, links, snapshot, store
from borderwatch.data import frames as frames_module
from tests.conftest import need
from tests.test_readers import acled_row, csv_bytes, ucdp_row
from tests.test_store import PG_URL, _pg_available

LAT, LON = 33.20, 69.52  # a clash at Spera (Khost), reported by ACLED and UCDP


def _acled(second: str = "AFG901") -> bytes:
    return csv_bytes([
        # Its toll unknown: the counted frame's record of the other sources keeps it NA.
        acled_row(event_id_cnty="AFG900", event_date="12 October 2025", latitude=str(LAT),
                  longitude=str(LON), fatalities="", admin1="Khost"),
        acled_row(event_id_cnty=second, event_date="12 October 2025",
                  latitude=str(LAT + 0.72), longitude=str(LON), fatalities="1",
                  admin1="Paktia")])


def _ucdp() -> bytes:
    return csv_bytes([ucdp_row(id="777", date_start="2025-10-12", type_of_violence="1",
                               where_prec="1", date_prec="1", latitude=str(LAT + 0.009),
                               longitude=str(LON), best="5", adm_1="Khost province")])


def _import(engine: sa.Engine, data: bytes, name: str) -> store.ImportResult:
    return ingest.commit(ingest.validate(data, name, engine), engine)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path, monkeypatch):
    """A store of the SYNTHETIC sample plus one clash reported by ACLED and UCDP (linked)
    and a second ACLED clash 80 km away."""
    if request.param == "sqlite":
        eng = db.make_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
        schema = None
    else:
        need(_pg_available(), f"PostgreSQL is not reachable at {PG_URL}")
        monkeypatch.setenv(snapshot.ENV_DIR, str(tmp_path / "snapshots"))
        schema = f"bw_test_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        eng = db.make_engine(f"{PG_URL}?options=-csearch_path%3D{schema}")
    ingest.seed(eng)
    _import(eng, _acled(), "acled.csv")
    _import(eng, _ucdp(), "ucdp.csv")
    yield eng
    eng.dispose()
    if schema:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _path(engine: sa.Engine) -> Path:
    path = snapshot.location(engine.url)
    assert path is not None
    return path


def _counted_path(engine: sa.Engine) -> Path:
    return _path(engine).with_name(_path(engine).name.replace(".arrow", ".counted.arrow"))


def _assert_same(frames: snapshot.Frames, engine: sa.Engine) -> None:
    """The frames equal a direct read of the store, dtypes and categories included."""
    direct = links.read_linked(engine)
    pd.testing.assert_frame_equal(frames.frame, direct, check_exact=True)
    pd.testing.assert_frame_equal(frames.counted, links.count_once(direct), check_exact=True)
    for col in direct.select_dtypes("category"):
        assert (frames.frame[col].cat.categories.dtype
                == direct[col].cat.categories.dtype), col


def test_the_snapshot_reads_back_equal_to_the_store(engine):
    first = snapshot.load(engine)
    assert first.source == "store"
    assert _path(engine).exists() and _counted_path(engine).exists()
    again = snapshot.load(engine)
    assert again.source == "snapshot"
    _assert_same(again, engine)
    # What the test is about: a linked event counted once, an unknown toll kept unknown.
    assert len(again.frame) == len(again.counted) + 1
    rep = again.counted[again.counted["link_group"] >= 0].iloc[0]
    assert rep["event_id"] == "UCDP-777" and rep["others"][0][1] is pd.NA
    assert again.frame["fatalities"].isna().sum() == first.frame["fatalities"].isna().sum() > 0
    assert isinstance(again.frame["fatalities"].dtype, pd.Int64Dtype)


def test_the_frame_of_every_record_is_made_only_when_asked(engine, monkeypatch, caplog):
    """From a snapshot, the counted frame is read; the frame of every record is opened
    and checked, and made into pandas on first use (the vocabulary reads its columns)."""
    from borderwatch.analysis.filters import Vocabulary

    snapshot.load(engine)
    again = snapshot.load(engine)
    assert again.source == "snapshot"
    made = []
    monkeypatch.setattr(frames_module.Part, "to_frame", lambda self, columns=None: made.append(
        columns) or _REAL_TO_FRAME(self, columns))
    vocabulary = Vocabulary.of(again.columns(Vocabulary.COLUMNS))
    assert made == [list(Vocabulary.COLUMNS)]
    assert vocabulary == Vocabulary.of(links.read_linked(engine))
    assert len(again.frame) == len(again.counted) + 1 and made[-1] is None
    again.frame  # noqa: B018 - made once
    assert len(made) == 2
    # A frame whose dtypes come out other than written is read from the store instead.
    lazy = snapshot.load(engine)
    part = lazy._frame
    lazy._frame = dataclasses.replace(part, info={**part.info, "dtypes": [
        "float32"] * len(part.info["dtypes"])})
    pd.testing.assert_frame_equal(lazy.frame, links.read_linked(engine), check_exact=True)
    assert "reading the store" in caplog.text


_REAL_TO_FRAME = frames_module.Part.to_frame


def test_a_store_that_links_nothing_keeps_one_frame(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'plain.sqlite'}")
    ingest.seed(engine)
    snapshot.load(engine)
    assert not _counted_path(engine).exists()
    again = snapshot.load(engine)
    assert again.source == "snapshot" and again.counted is again.frame
    _assert_same(again, engine)


@pytest.mark.parametrize("change", ["import", "undo", "unlink"])
def test_a_change_to_the_store_makes_the_snapshot_stale(engine, change):
    snapshot.load(engine)
    assert snapshot.load(engine).source == "snapshot"
    if change == "import":
        _import(engine, _acled("AFG902"), "acled-2.csv")
    elif change == "undo":
        store.undo(engine, int(store.batches(engine)["id"].max()))
    else:
        links.unlink(engine, "UCDP-777", "AFG900", "analyst")
    fresh = snapshot.load(engine)
    assert fresh.source == "store"
    _assert_same(fresh, engine)
    assert snapshot.load(engine).source == "snapshot"  # and written again


def test_new_linking_windows_make_the_snapshot_stale(engine, monkeypatch):
    snapshot.load(engine)
    monkeypatch.setenv("BORDERWATCH_LINK_KM", "0.1,0.1,0.1")  # the pair is 1 km apart
    fresh = snapshot.load(engine)
    assert fresh.source == "store" and (fresh.frame["link_group"] < 0).all()
    _assert_same(fresh, engine)


def _replace(path: Path, data: bytes) -> None:
    """Put ``data`` in the file's place the way a new file arrives (never in place: the
    frames of an earlier load may still map the old one)."""
    temporary = path.with_name(path.name + ".damage")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _rewritten(path: Path, change) -> bytes:
    """The Arrow file at ``path`` with its table changed by ``change``, the metadata kept."""
    with pa.memory_map(str(path)) as source:
        table = pa.ipc.open_file(source).read_all()
    changed = change(table).replace_schema_metadata(table.schema.metadata)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, changed.schema) as writer:
        writer.write_table(changed)
    return sink.getvalue().to_pybytes()


def _offsets_out_of_order(t: pa.Table) -> pa.Table:
    """Two text values' offsets swapped: every size still fits, the order does not."""
    col = t["event_id"].combine_chunks()
    validity, offsets, data = col.buffers()
    o = np.frombuffer(offsets, dtype=np.int64)[col.offset:col.offset + len(col) + 1].copy()
    o[1], o[2] = o[2], o[1]
    bad = pa.Array.from_buffers(col.type, len(col), [validity, pa.py_buffer(o.tobytes()), data])
    return t.set_column(t.schema.get_field_index("event_id"), "event_id", bad)


DAMAGE = {
    "truncated": lambda p: p.read_bytes()[: p.stat().st_size // 2],
    "cut short by a byte": lambda p: p.read_bytes()[:-1],
    "empty": lambda p: b"",
    "not arrow": lambda p: b"PAR1 this is not an Arrow file" * 100,
    "a column dropped": lambda p: _rewritten(p, lambda t: t.drop_columns(["latitude"])),
    "a column of another type": lambda p: _rewritten(
        p, lambda t: t.set_column(t.schema.get_field_index("latitude"), "latitude",
                                  pa.compute.cast(t["latitude"], pa.float32()))),
    "rows missing": lambda p: _rewritten(p, lambda t: t.slice(1)),
    "text offsets out of order": lambda p: _rewritten(p, _offsets_out_of_order),
    "no metadata": lambda p: _rewritten(p, lambda t: t).replace(  # same length
        snapshot.META, snapshot.META.replace(b"snapshot", b"whatever")),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("part", ["frame", "counted"])
def test_a_damaged_snapshot_is_rebuilt_never_shown(tmp_path, damage, part, monkeypatch):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    ingest.seed(engine)
    _import(engine, _acled(), "acled.csv")
    _import(engine, _ucdp(), "ucdp.csv")
    snapshot.load(engine)
    path = _path(engine) if part == "frame" else _counted_path(engine)
    _replace(path, DAMAGE[damage](path))
    rebuilt = snapshot.load(engine)
    assert rebuilt.source == "store"
    _assert_same(rebuilt, engine)
    assert snapshot.load(engine).source == "snapshot"


def test_a_missing_counted_file_is_rebuilt(engine):
    snapshot.load(engine)
    _counted_path(engine).unlink()
    assert snapshot.load(engine).source == "store"
    assert snapshot.load(engine).source == "snapshot"


def test_a_snapshot_of_another_store_is_not_used(tmp_path):
    """Another store's snapshot put in this one's place (same version: both had the same
    imports) is stale: the stamp and the store differ."""
    a = db.make_engine(f"sqlite:///{tmp_path / 'a.sqlite'}")
    b = db.make_engine(f"sqlite:///{tmp_path / 'b.sqlite'}")
    for engine in (a, b):
        ingest.seed(engine)
    _import(b, _acled(), "acled.csv")
    _import(a, _ucdp(), "ucdp.csv")
    assert db.data_version(a) == db.data_version(b)
    snapshot.load(b)
    _replace(_path(a), _path(b).read_bytes())
    frames = snapshot.load(a)
    assert frames.source == "store" and "UCDP-777" in set(frames.frame["event_id"])
    _assert_same(frames, a)


def test_a_restored_copy_at_the_same_version_is_not_confused(tmp_path):
    """A backup restored and written again reaches the version the snapshot was made at
    with other data: its stamp tells them apart."""
    path = tmp_path / "store.sqlite"
    engine = db.make_engine(f"sqlite:///{path}")
    ingest.seed(engine)
    backup = tmp_path / "backup.sqlite"
    live, copy = sqlite3.connect(path), sqlite3.connect(backup)
    live.backup(copy)
    live.close()
    copy.close()
    _import(engine, _acled(), "acled.csv")
    assert snapshot.load(engine).source == "store"
    version = db.data_version(engine)
    engine.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copy(backup, path)
    engine = db.make_engine(f"sqlite:///{path}")
    _import(engine, _ucdp(), "ucdp.csv")
    assert db.data_version(engine) == version
    frames = snapshot.load(engine)
    assert frames.source == "store"
    assert "UCDP-777" in set(frames.frame["event_id"])
    assert "AFG900" not in set(frames.frame["event_id"])


def test_snapshots_can_be_moved_or_turned_off(tmp_path, monkeypatch):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    ingest.seed(engine)
    monkeypatch.setenv(snapshot.ENV_DIR, "off")
    assert snapshot.location(engine.url) is None
    assert snapshot.load(engine).source == "store"
    assert snapshot.load(engine).source == "store"
    assert not list(tmp_path.glob("*.arrow"))
    monkeypatch.setenv(snapshot.ENV_DIR, str(tmp_path / "cache"))
    snapshot.load(engine)
    assert snapshot.load(engine).source == "snapshot"
    assert [p.name.endswith(".arrow") for p in (tmp_path / "cache").iterdir()] == [True]


def test_an_unwritable_place_leaves_the_dashboard_working(tmp_path, monkeypatch):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    ingest.seed(engine)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(snapshot.ENV_DIR, str(blocker / "cache"))
    frames = snapshot.load(engine)
    assert frames.source == "store"
    _assert_same(frames, engine)


def test_the_dashboard_starts_from_the_snapshot(monkeypatch, tmp_path):
    """ui/data.load: the first start reads the store and writes the snapshot; a cold start
    after it (caches empty, as in a new server) reads the snapshot, equal to the store."""
    from borderwatch.ui import data

    url = f"sqlite:///{tmp_path / 'dash.sqlite'}"
    monkeypatch.setenv(db.ENV_URL, url)
    first = data.load()
    engine = data.engine()
    state = db.data_state(engine)
    assert data._frames(first.version, state).source == "store"
    assert _path(engine).exists()
    st.cache_resource.clear()
    st.cache_data.clear()
    cold = data.load()
    assert cold.version == first.version
    assert data._frames(cold.version, state).source == "snapshot"
    pd.testing.assert_frame_equal(cold.frame, first.frame, check_exact=True)
    pd.testing.assert_frame_equal(cold.counted, first.counted, check_exact=True)
    assert cold.vocabulary == first.vocabulary
    # An import changes the version: the next page run reads the store again.
    _import(engine, _acled(), "acled.csv")
    after = data.load()
    assert after.version != first.version and len(after.frame) == len(first.frame) + 2
    assert data._frames(after.version, db.data_state(engine)).source == "store"


def test_files_left_by_a_writer_that_died_are_removed(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    ingest.seed(engine)
    old = tmp_path / ".store.sqlite.snapshot.arrow.4242.0badf00d.tmp"
    recent = tmp_path / ".store.sqlite.snapshot.arrow.4243.0badf00d.tmp"
    for leftover in (old, recent):
        leftover.write_bytes(b"half a file")
    hours_ago = old.stat().st_mtime - 2 * snapshot.LEFTOVER_S
    os.utime(old, (hours_ago, hours_ago))
    snapshot.load(engine)
    assert not old.exists() and recent.exists()  # the recent one may be a live writer's


def test_the_snapshot_command_prepares_the_next_cold_start(tmp_path, monkeypatch, capsys):
    """After an import from the command line, `borderwatch snapshot` writes the snapshot
    the next server start reads; run again, it finds it current."""
    from borderwatch import cli

    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("BORDERWATCH_DB_URL", url)
    eng = db.make_engine(url)
    ingest.seed(eng)
    _import(eng, _acled(), "acled.csv")
    assert cli.main(["snapshot"]) == 0
    assert "written" in capsys.readouterr().out
    assert snapshot.load(eng).source == "snapshot"
    assert cli.main(["snapshot"]) == 0
    assert "already current" in capsys.readouterr().out
    eng.dispose()
