"""The borderwatch command: validate, import, batches, undo, export, synth."""

import json

import pandas as pd
import pytest

from borderwatch import cli
from tests.conftest import synthetic_row, write_csv


def run(capsys, *args):
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(autouse=True)
def _own_store(tmp_path, monkeypatch):
    monkeypatch.setenv("BORDERWATCH_DB_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")


@pytest.fixture
def good(tmp_path):
    return write_csv(tmp_path / "good.csv", [synthetic_row(201, notes="cli export row"),
                                             synthetic_row(202, notes="cli export row")])


@pytest.fixture
def bad(tmp_path):
    return write_csv(tmp_path / "bad.csv", [synthetic_row(201),
                                            synthetic_row(202, latitude="x")])


def test_validate_exit_codes_and_json(capsys, good, bad, tmp_path):
    assert run(capsys, "validate", str(good))[0] == 0
    code, out, _ = run(capsys, "validate", str(bad), "--json")
    assert code == 1
    report = json.loads(out)
    assert (report["format"], report["rows"], report["valid_rows"]) == ("native", 2, 1)
    assert report["errors"] == [{"row": 3, "column": "latitude", "value": "x",
                                 "message": "not a number"}]
    assert report["warnings"] == []
    binary = tmp_path / "x.bin"
    binary.write_bytes(b"\x00\x01\x02binary")
    assert run(capsys, "validate", str(binary))[0] == 2
    assert run(capsys, "validate", str(tmp_path / "missing.csv"))[0] == 2
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    code, out, _ = run(capsys, "validate", str(empty), "--json")
    assert code == 1 and json.loads(out)["file_error"] == "The file is empty."


def test_import_batches_undo_and_export(capsys, good, tmp_path):
    code, out, _ = run(capsys, "import", str(good))
    assert code == 0 and "2 inserted" in out
    batch = int(out.strip().splitlines()[-1].split()[-1])
    code, out, _ = run(capsys, "import", str(good))
    assert code == 0 and "nothing changed" in out and "2 unchanged" in out
    assert "good.csv" in run(capsys, "batches")[1]
    target = tmp_path / "out.csv"
    run(capsys, "export", "--q", "cli export row", "-o", str(target))
    exported = pd.read_csv(target)
    assert set(exported.event_id) == {"SYN-00201", "SYN-00202"}
    assert set(exported.dataset) == {"SYNTHETIC (test data)"}  # traceable to its import
    gj = tmp_path / "out.geojson"
    run(capsys, "export", "--format", "geojson", "--country", "Tajikistan", "-o", str(gj))
    data = json.loads(gj.read_text())
    assert data["type"] == "FeatureCollection"
    assert {f["properties"]["country"] for f in data["features"]} == {"Tajikistan"}
    code, out, _ = run(capsys, "undo", str(batch))
    assert code == 0 and "2 removed" in out
    code, _, err = run(capsys, "undo", str(batch))
    assert code == 1 and "already undone" in err


def test_synth_rows_are_labelled_synthetic(capsys, tmp_path):
    target = tmp_path / "s.csv"
    assert run(capsys, "synth", "--rows", "300", "--seed", "4", "-o", str(target))[0] == 0
    df = pd.read_csv(target)
    assert len(df) == 300 and df.event_id.is_unique
    assert df.source.str.contains("SYNTHETIC").all() and df.notes.str.startswith("SYNTHETIC").all()
    assert run(capsys, "validate", str(target))[0] == 0
