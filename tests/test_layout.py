"""The package's architecture, checked: layers import only downwards, Streamlit only in
ui/, no import cycle, no module too long, and no side effect on import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "borderwatch"
# Lower numbers are lower layers; a module may import its own layer and those below.
RANK = {"geo": 0, "data": 1, "auth": 1, "analysis": 2, "present": 3, "testing": 3, "ui": 4,
        "cli": 5}
MAX_LINES = 400


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imports(path: Path, top_level_only: bool = False) -> set[str]:
    """The borderwatch modules ``path`` imports (``top_level_only``: at import time)."""
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if isinstance(node, ast.If) and top_level_only:  # TYPE_CHECKING blocks
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("borderwatch")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("borderwatch"):
            known = modules()
            for a in node.names:
                full = f"{node.module}.{a.name}"
                found.add(full if full in known else str(node.module))
    return found


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_layers_import_only_downwards():
    wrong = []
    for name, path in modules().items():
        own = layer(name)
        if own is None:
            continue
        for dep in imports(path):
            target = layer(dep)
            if target is not None and RANK[target] > RANK[own]:
                wrong.append(f"{name} imports {dep}")
    assert wrong == []


def test_streamlit_only_in_ui():
    outside = []
    for name, path in modules().items():
        if layer(name) == "ui":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            mods = ([a.name for a in node.names] if isinstance(node, ast.Import)
                    else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for mod in mods:
                # The CLI starts the server through streamlit's own command line.
                if mod.startswith("streamlit") and mod != "streamlit.web":
                    outside.append(f"{name}: {mod}")
    assert outside == []


def test_no_import_cycle():
    graph = {name: imports(path, top_level_only=True) for name, path in modules().items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for dep in graph.get(node, ()):
            if dep == node or dep not in graph:
                continue
            if state.get(dep) == 1 and not node.startswith(dep + "."):
                cycles.append(" -> ".join([*trail, node, dep]))
            elif dep not in state:
                visit(dep, [*trail, node])
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name, [])
    assert cycles == []


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_is_too_long(name):
    assert len(modules()[name].read_text().splitlines()) <= MAX_LINES


def python(code: str) -> None:
    """Run ``code`` in a fresh interpreter (nothing imported or configured yet)."""
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_importing_the_maps_changes_nothing_until_configured():
    python("import folium, borderwatch.present.maps as m; "
           "from borderwatch.present.maps import assets; "
           "assert folium.Map.default_js[0][1].startswith('https://'); "
           "assert not assets.configured(); assets.configure(); "
           "assert folium.Map.default_js[0][1].startswith('/app/static/')")


def test_a_map_is_never_drawn_from_a_cdn():
    python("import pandas as pd; from borderwatch.present.maps import build, assets; "
           "from borderwatch.data import records\n"
           "try:\n    build.build_map(records.empty_frame())\n"
           "except RuntimeError as e:\n    assert 'configure' in str(e)\n"
           "else:\n    raise SystemExit('drew a map before configure()')")


def test_a_map_page_loads_no_geometry_library_once_its_base_layers_are_kept(sample):
    """The boundaries and labels come from the kept file (maps/base.py): the map page of a
    fresh server imports neither geopandas nor shapely (some 14 MB), nor the fuzzy matcher
    of the place search until someone searches."""
    from borderwatch.data import db, ingest, snapshot
    from borderwatch.present.maps import base

    base.layers()  # made and kept, if they were not
    engine = db.make_engine(db.database_url())
    ingest.seed(engine)  # (seeding a new store locates its rows: geometry)
    snapshot.load(engine)  # and its snapshot current
    python("import sys, os\n"
           "from streamlit.testing.v1 import AppTest\n"
           "at = AppTest.from_file('dashboard.py', default_timeout=120).run()\n"
           "assert not at.exception, at.exception\n"
           "heavy = {'geopandas', 'shapely', 'pyproj', 'pyogrio', 'rapidfuzz'} & set(sys.modules)\n"
           "assert not heavy, heavy")


def test_the_command_starts_the_server_without_importing_pandas():
    """`borderwatch run` starts Streamlit before anything imports pandas: the server is
    up sooner, and pandas loads in the warm-up thread while the browser loads the page."""
    python("import sys\n"
           "import borderwatch.cli\n"
           "borderwatch.cli.parser()\n"
           "heavy = {'pandas', 'numpy', 'pyarrow', 'sqlalchemy'} & set(sys.modules)\n"
           "assert not heavy, heavy")


def test_the_warm_up_makes_the_first_maps_totals():
    """What `borderwatch run` does while the server starts leaves the default view's
    province totals made: the first page view of a new server finds them."""
    python("import borderwatch.cli as cli\n"
           "cli._warm()\n"
           "from borderwatch.analysis import filters\n"
           "from borderwatch.present.maps import build\n"
           "from borderwatch.ui import data\n"
           "loaded = data.load()\n"
           "assert data.filtered(loaded, 'events', filters.Filters()) is loaded.counted\n"
           "assert len(build.view_totals) == 1, len(build.view_totals)\n"
           "build.view_totals(loaded.counted)\n"
           "assert len(build.view_totals) == 1")
