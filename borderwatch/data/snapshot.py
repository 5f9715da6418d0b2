"""A columnar snapshot of the dashboard's frames: a cold start without reading, typing and
linking every stored row again.

The dashboard holds two frames per data state: every record with canonical actor names and
linked groups (``links.read_linked``), and each event once (``links.count_once``). At a
million rows, building them from the store takes tens of CPU-seconds (reading SQLite one
tuple per row, then linking). The snapshot keeps both as uncompressed Arrow IPC files and
reads them back memory-mapped: numbers and categorical codes are copied into the frames,
text stays in the file's pages (shared with the page cache, read when used).

The store stays the single source of truth. A snapshot is used only when the key written
into it equals the current one: the store's data state (version and stamp,
``db.data_state``), which store it is, the linking windows, a digest of the code and alias
table that build the frames and of the pandas, pyarrow and numpy versions, and the
snapshot's format. Its files must also be whole: Arrow's footer, the metadata, the digest of
the Arrow schema written with them, the row count, the pandas dtypes, and Arrow's
validation (structure, dictionary indices, text offsets; not the text itself, which is
read only when used). Anything else (no file, a stale key, a
truncated or foreign file) is read from the store and written again, into a new file moved
into place, so readers of the old one are unaffected. (A file in use must never be rewritten
or truncated in place: a running server maps it.)

Where: ``BORDERWATCH_SNAPSHOT_DIR`` if set ("off" turns snapshots off); else next to a
SQLite file (``borderwatch.sqlite.snapshot.arrow``); else (PostgreSQL) ``data/snapshots``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import logging
import os
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from borderwatch import ROOT
from borderwatch.data import actors, db, links, readers, schema, table, tagged
from borderwatch.data.frames import Frames, Part, Unusable
from borderwatch.geo import sphere

log = logging.getLogger(__name__)

FORMAT = 1  # raise when what the files hold, or how, changes
ENV_DIR = "BORDERWATCH_SNAPSHOT_DIR"
DEFAULT_DIR = ROOT / "data" / "snapshots"
OFF = ("off", "none", "0", "false", "no")
META = b"borderwatch.snapshot"
# Columns every frame must have (the dashboard filters and draws with them).
REQUIRED = (*table.READ, "actor1_canonical", "actor2_canonical", "dataset_key",
            "dataset_label", "source_key", "link_group", "link_size")
# The modules whose code decides what the frames hold: a change to any of them (an upgrade)
# makes every snapshot stale.
_CODE = (table, links, actors, readers, schema, db, sphere, sys.modules[__name__])


# ----------------------------------------------------------------- where and which


def location(url: str | sa.URL) -> Path | None:
    """The frame file of the snapshot of the store at ``url`` (the counted frame's file is
    beside it), or None when snapshots are off or the store has no file and no directory
    is set (an in-memory SQLite database)."""
    setting = os.environ.get(ENV_DIR, "").strip()
    if setting.lower() in OFF:
        return None
    parsed = sa.engine.make_url(url)
    if setting:
        return Path(setting) / f"incidents-{_store_id(parsed)}.arrow"
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            return None
        path = Path(database)
        return path.with_name(f"{path.name}.snapshot.arrow")
    return DEFAULT_DIR / f"incidents-{_store_id(parsed)}.arrow"


def _counted_path(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".arrow") + ".counted.arrow")


def _store_id(url: sa.URL) -> str:
    """Which store: a SQLite file by its absolute path, any other by its URL (no password)."""
    if url.get_backend_name() == "sqlite" and url.database:
        text = f"sqlite:{Path(url.database).resolve()}"
    else:
        text = url.render_as_string(hide_password=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@functools.cache
def _code() -> str:
    digest = hashlib.sha256()
    for module in _CODE:
        digest.update(Path(str(module.__file__)).read_bytes())
    digest.update(actors.TABLE.read_bytes())
    digest.update(f"{pd.__version__} {pa.__version__} {np.__version__}".encode())
    return digest.hexdigest()[:16]


def key(engine: Engine, state: db.DataState, windows: links.Windows | None = None
        ) -> dict[str, Any]:
    """What a snapshot must have been written with to be used for ``state`` of ``engine``.

    Parameters
    ----------
    engine : sqlalchemy.engine.Engine
        The store.
    state : db.DataState
        Its data version and stamp.
    windows : links.Windows, optional
        The linking windows (default: the settings).

    Returns
    -------
    dict
        Plain JSON values.
    """
    windows = windows or links.Windows.from_env()
    plain = {"format": FORMAT, "store": _store_id(engine.url), "version": state.version,
             "stamp": state.stamp, "code": _code(),
             "windows": [sorted(windows.distance_km.items()),
                         sorted(windows.time_days.items())]}
    return dict(json.loads(json.dumps(plain)))  # as it reads back from a file


# ----------------------------------------------------------------- load


def load(engine: Engine, state: db.DataState | None = None) -> Frames:
    """The frames of the store's data: from its snapshot when that is current and whole,
    else from the store (then written as the new snapshot).

    Parameters
    ----------
    engine : sqlalchemy.engine.Engine
        The store.
    state : db.DataState, optional
        Its state as the caller read it (default: read now), before the rows. Should an
        import land between the two reads, the snapshot is labelled with the older state,
        which no later load asks for (the version only grows): it is then read again.

    Returns
    -------
    Frames
        The linked frame, the counted frame, and where they came from.
    """
    state = state or db.data_state(engine)
    want = key(engine, state)
    path = location(engine.url)
    if path is not None:
        try:
            return read(path, want, fallback=lambda: links.read_linked(engine))
        except FileNotFoundError:
            log.info("no snapshot at %s: reading the store", path)
        except Unusable as exc:
            log.info("snapshot %s not used (%s): reading the store", path, exc)
        except Exception as exc:  # noqa: BLE001 - whatever is wrong with it, the store decides
            log.warning("snapshot %s is damaged (%s): reading the store", path, exc)
    frame = links.read_linked(engine)
    frames = Frames(frame, links.count_once(frame), "store")
    if path is not None:
        write(path, frames, want)
    return frames


def read(path: Path, want: dict[str, Any], fallback: Callable[[], pd.DataFrame] | None = None
         ) -> Frames:
    """The frames of the snapshot at ``path``, if it was written with the key ``want``.

    The counted frame is read now; the frame of every record (when it is another file)
    is opened and checked now, and made into pandas when first used (should its dtypes
    then differ from those written, it is read with ``fallback``, from the store).

    Raises
    ------
    FileNotFoundError
        No snapshot there.
    Unusable
        It is stale or not whole (the reason is the message).
    """
    part = _open_part(path, want, "frame")
    if part.info.get("counted") == "same":
        frame = part.to_frame()
        return Frames(frame, frame, "snapshot")
    counted = _open_part(_counted_path(path), want, "counted").to_frame()
    return Frames(dataclasses.replace(part, fallback=fallback), counted, "snapshot")


def _open_part(path: Path, want: dict[str, Any], part: str,
               fallback: Callable[[], pd.DataFrame] | None = None) -> Part:
    source = pa.memory_map(str(path))
    try:
        try:
            reader = pa.ipc.open_file(source)
        except pa.ArrowInvalid as exc:  # no footer: truncated, or not an Arrow file
            raise Unusable(f"not a whole Arrow file: {exc}") from exc
        info = _info(reader.schema)
        if info.get("key") != want:
            raise Unusable("stale: written for " + json.dumps(info.get("key")))
        if info.get("part") != part:
            raise Unusable(f"holds the {info.get('part')!r} frame, not the {part!r} one")
        data = reader.read_all()
    finally:
        source.close()  # the mapping lives on while the frame's buffers use it
    if data.num_rows != info.get("rows"):
        raise Unusable(f"{data.num_rows} rows, written with {info.get('rows')}")
    if _schema_digest(data.schema) != info.get("schema"):
        raise Unusable("its columns are not those it was written with")
    missing = [c for c in REQUIRED if c not in data.schema.names]
    if missing:
        raise Unusable(f"lacks the columns {missing}")
    _check(data)
    return Part(path, data, info, fallback)


def _check(data: pa.Table) -> None:
    """Nothing out of bounds is ever read: Arrow's full validation of every column but the
    text, whose offsets are checked instead (validating the text itself would read every
    byte of it from disk, and keep it resident, at each cold start)."""
    data.validate()
    for column in data.columns:
        for chunk in column.chunks:
            if pa.types.is_large_string(chunk.type) or pa.types.is_string(chunk.type):
                _check_offsets(chunk)
            else:
                chunk.validate(full=True)


def _check_offsets(chunk: pa.Array) -> None:
    if len(chunk) == 0:
        return
    _, offsets_buffer, data_buffer = chunk.buffers()
    kind = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    offsets = np.frombuffer(offsets_buffer, dtype=kind)[chunk.offset:chunk.offset + len(chunk) + 1]
    size = data_buffer.size if data_buffer is not None else 0
    if (len(offsets) != len(chunk) + 1 or offsets[0] < 0 or offsets[-1] > size
            or bool((np.diff(offsets) < 0).any())):
        raise Unusable("a text column points outside its data")


def _info(arrow_schema: pa.Schema) -> dict[str, Any]:
    raw = (arrow_schema.metadata or {}).get(META)
    if raw is None:
        raise Unusable("not a Borderwatch snapshot (no metadata)")
    try:
        info = json.loads(raw)
    except ValueError as exc:
        raise Unusable(f"unreadable metadata: {exc}") from exc
    if not isinstance(info, dict):
        raise Unusable("unreadable metadata")
    return info


def _schema_digest(arrow_schema: pa.Schema) -> str:
    return hashlib.sha256(arrow_schema.remove_metadata().to_string().encode()).hexdigest()


# ----------------------------------------------------------------- write


def write(path: Path, frames: Frames, want: dict[str, Any]) -> bool:
    """Write ``frames`` as the snapshot at ``path`` with the key ``want``; False (and a
    warning in the log) when it cannot be written: the dashboard works without it.

    Each file is written under a temporary name, flushed to disk, then moved into place:
    a reader sees the old file or the new one, whole.
    """
    same = frames.counted is frames.frame
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(path.parent)
        if same:
            with contextlib.suppress(FileNotFoundError):
                _counted_path(path).unlink()  # an older state's, never read again
        else:  # the counted frame first: a frame file always finds its partner
            _write_part(_counted_path(path), frames.counted, want, "counted", {})
        _write_part(path, frames.frame, want, "frame", {"counted": "same" if same else "file"})
    except (OSError, pa.ArrowException, TypeError, ValueError) as exc:
        log.warning("could not write the snapshot %s: %s", path, exc)
        return False
    return True


def _write_part(path: Path, df: pd.DataFrame, want: dict[str, Any], part: str,
                extra: dict[str, Any]) -> None:
    encoded = [c for c in df.columns if df[c].dtype == object]
    arrow = pa.Table.from_pandas(
        df.assign(**{c: tagged.encode_column(df[c]) for c in encoded}) if encoded else df)
    info = {"key": want, "part": part, "rows": arrow.num_rows,
            "schema": _schema_digest(arrow.schema), "json": encoded,
            "dtypes": [str(t) for t in df.dtypes], **extra}
    arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}),
                                           META: json.dumps(info).encode()})
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with pa.OSFile(str(temporary), "wb") as sink, \
                pa.ipc.new_file(sink, arrow.schema) as writer:
            writer.write_table(arrow)
        _fsync(temporary)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    _fsync(path.parent)


LEFTOVER_S = 3600  # a temporary file this old was left by a writer that died


def _remove_leftovers(folder: Path) -> None:
    """Temporary files of writers killed mid-write (a live writer's file is seconds old)."""
    now = time.time()
    for leftover in folder.glob(".*.arrow.*.tmp"):
        with contextlib.suppress(OSError):
            if now - leftover.stat().st_mtime > LEFTOVER_S:
                leftover.unlink()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
