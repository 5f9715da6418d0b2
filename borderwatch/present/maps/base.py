"""What every map draws the same: the boundaries as GeoJSON, their hover texts, the
provinces' names in feature order, and the place labels. Made from geodata/ (and the
curated incidents, which weigh the town labels), and kept on disk, so that a server
starting up neither reads the shapefiles nor computes the labels again: both took most
of a second, and the geometries, GDAL and the gazetteer some 60 MB of its memory.

The file is used only if its key, a digest of every input file, of the code that makes
it and of the geometry libraries' versions, is the one computed now; a file that is
stale, damaged or unreadable is made again (the map is never drawn from it then).
``BORDERWATCH_CACHE`` moves it (see ``boundaries.cache_dir``).

The layers and the map's functions (templates/map.js), 0.5 MB that every view shares,
also go to the browser as one script under static/generated/, named by a digest of its
content (``served``): the map loads it once, and a filter change no longer sends it again
with the map (it did, in every run). Where that folder cannot be written, the map carries
them inline, as before.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

from borderwatch import ROOT
from borderwatch.geo import boundaries

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
GEO = HERE.parent.parent / "geo"
# The code that makes the layers: a change to any of it makes the file stale.
CODE = (HERE / "base.py", HERE / "layers.py", HERE / "labels.py", GEO / "boundaries.py",
        GEO / "gazetteer.py", GEO / "geocode.py", GEO / "names.py", GEO / "sphere.py")


@dataclass(frozen=True)
class BaseLayers:
    provinces: str  # GeoJSON, each feature's id its row number; numbers and fixed keys only
    countries: str
    borders: str  # Afghanistan's international borders
    border_tips: list[str]  # escaped
    province_names: list[tuple[str, str]]  # (name, country) of each province feature
    labels: str  # script-safe JSON (labels.label_json)


def _inputs() -> list[Path]:
    from borderwatch.data.records import INCIDENTS_CSV

    return [*sorted(p for p in boundaries.GEODATA_DIR.iterdir() if p.is_file()),
            INCIDENTS_CSV, *CODE]


def key() -> str:
    """The digest the file must carry to be used (versions read without importing the
    libraries: a map page needs none of them)."""
    libraries = " ".join(version(name) for name in ("shapely", "geopandas", "pyogrio"))
    digest = hashlib.sha256(libraries.encode())
    for path in _inputs():
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def path() -> Path:
    return boundaries.cache_dir() / "map-base.json"


def make() -> BaseLayers:
    """The layers, computed from the sources."""
    from borderwatch.present.maps import labels, layers

    provinces = boundaries.display_layer("provinces")
    return BaseLayers(
        provinces=layers.layer_json("provinces"), countries=layers.layer_json("countries"),
        borders=layers.layer_json("borders"), border_tips=layers.border_tips(),
        province_names=[(str(r.name), str(r.country)) for r in provinces.itertuples()],
        labels=labels.label_json())


def read(file: Path, want: str) -> BaseLayers | None:
    """The layers kept at ``file`` if they were made with the key ``want``."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("key") != want:
            return None
        made = BaseLayers(**data["layers"])
        names = [tuple(n) for n in made.province_names]
        json.loads(made.provinces), json.loads(made.labels)  # whole, not cut short
        return BaseLayers(**{**asdict(made), "province_names": names})
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        log.warning("map base layers at %s not used (%s): made again", file, exc)
        return None


def _write_whole(file: Path, text: str) -> None:
    """Write ``text`` to ``file`` whole or not at all (a temporary file beside it, renamed),
    readable by all, as a file written directly would be."""
    file.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=file.parent,
                                     prefix=".map-base-", delete=False) as out:
        out.write(text)
    os.chmod(out.name, 0o644)  # a temporary file is the owner's alone
    os.replace(out.name, file)


def write(file: Path, want: str, made: BaseLayers) -> None:
    """Keep the layers at ``file`` (whole or not at all); a failure only costs time."""
    try:
        _write_whole(file, json.dumps({"key": want, "layers": asdict(made)},
                                      separators=(",", ":")))
    except OSError as exc:
        log.warning("map base layers not kept at %s: %s", file, exc)


@functools.cache
def layers() -> BaseLayers:
    """The base layers: from the file when it is current, else made (and kept)."""
    want, file = key(), path()
    found = read(file, want)
    if found is not None:
        return found
    made = make()
    write(file, want, made)
    return made


SERVED_DIR = ROOT / "static" / "generated"  # Streamlit serves static/ under /app/static/
SERVED_URL = "/app/static/generated"
SERVED_KEEP_S = 86_400  # an older script of another version is removed after a day


def served_script(functions: str, made: BaseLayers) -> str:
    """The script that defines the map's functions and ``bwBase``, the base layers (JSON
    of numbers and fixed keys, and script-safe labels)."""
    return (f"{functions}\nvar bwBase = {{provinces: {made.provinces}, countries: "
            f"{made.countries}, borders: {made.borders}, labels: {made.labels}}};\n")


def write_served(folder: Path, functions: str, made: BaseLayers) -> str | None:
    """Write the served script into ``folder`` (if not there already) and return its file
    name, or None if it cannot be written. Scripts of other versions older than a day go;
    a newer one may belong to another server still running."""
    text = served_script(functions, made)
    name = f"map-base-{hashlib.sha256(text.encode()).hexdigest()[:20]}.js"
    file = folder / name
    try:
        if not file.is_file() or file.read_text(encoding="utf-8") != text:
            _write_whole(file, text)
        now = time.time()
        for old in folder.glob("map-base-*.js"):
            if old.name != name and now - old.stat().st_mtime > SERVED_KEEP_S:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("map script not written to %s (%s): maps carry it inline", folder, exc)
        return None
    return name


@functools.cache
def served() -> str | None:
    """The URL of the served script (map.js and the base layers), or None when it could
    not be written: the map then carries both inline."""
    from borderwatch.present.maps import assets

    name = write_served(SERVED_DIR, assets.script("map.js"), layers())
    return f"{SERVED_URL}/{name}" if name else None
