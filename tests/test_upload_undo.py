"""Safe undo on the Upload page: the picker, the confirmation, the protected seed, and the
history table as people read it (borderwatch.ui.history)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from borderwatch import auth
from borderwatch.data import db, ingest, store
from borderwatch.ui import history
from tests.conftest import ROOT, synthetic_row
from tests.test_readers import csv_bytes

PASSWORD = "correct horse battery staple"
FILE = "amina_[v2].csv"  # markdown in a file name is shown literally


@pytest.fixture(scope="module")
def analyst() -> dict:
    return {"accounts": {"amina": {"role": "analyst",
                                   "password_hash": auth.hash_password(PASSWORD)}}}


@pytest.fixture
def two_batches(tmp_path, monkeypatch) -> int:
    """A store of its own: the seed (batch 1, the SYNTHETIC sample) and amina's batch 2 of
    two new incidents. Returns the number of stored incidents."""
    monkeypatch.setenv("BORDERWATCH_DB_URL", f"sqlite:///{tmp_path / 'undo.sqlite'}")
    engine = db.make_engine()
    ingest.seed(engine)
    report = ingest.validate(csv_bytes([synthetic_row(801), synthetic_row(802)]), FILE, engine)
    ingest.commit(report, engine, user="amina")
    return store.counts(engine)


def upload_page(accounts: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.secrets["borderwatch"] = accounts
    at.run()
    at.text_input(key="bw_name").input("amina")
    at.text_input(key="bw_password").input(PASSWORD)
    at.button[0].click().run()
    at.switch_page("pages/upload.py").run()
    assert not at.exception
    return at


def stored() -> tuple[int, list[int]]:
    """The number of incidents and the ids of the batches undone."""
    engine = db.make_engine()
    batches = store.batches(engine)
    return store.counts(engine), sorted(batches[batches["undone_at"].notna()]["id"])


def picker(at: AppTest):  # noqa: ANN201 - AppTest's Selectbox
    [box] = [s for s in at.selectbox if s.key and s.key.startswith("undo_batch_")]
    return box


def test_undo_asks_first_names_the_batch_and_leaves_nothing_chosen(analyst, two_batches):
    at = upload_page(analyst)
    box = picker(at)
    assert box.value is None and box.placeholder == "Choose a batch to undo"
    assert at.button(key="undo").disabled  # nothing chosen, nothing to undo
    assert box.options[0].startswith(f"#2 · {FILE} · 2 rows · amina · ")
    assert box.options[1].startswith("#1 · sample.csv (seed) · ")

    box.set_value(2).run()
    at.button(key="undo").click().run()
    assert not at.exception
    assert stored() == (two_batches, [])  # Undo alone removes nothing
    [ask] = [w.value for w in at.warning if "Undo batch" in w.value]
    assert "**amina\\_\\[v2\\]\\.csv**" in ask and "2 rows" in ask
    assert "imported by **amina** on " in ask and " UTC?" in ask
    assert "removes the 2 rows it added" in ask

    at.button(key="undo_cancel").click().run()
    assert stored() == (two_batches, [])
    assert not [b for b in at.button if b.key == "undo_confirm"]

    at.button(key="undo").click().run()
    at.button(key="undo_confirm").click().run()
    assert not at.exception
    assert stored() == (two_batches - 2, [2])
    assert "Batch #2 (**amina\\_\\[v2\\]\\.csv**) undone: 2 rows removed" in at.success[0].value
    box = picker(at)
    assert box.value is None  # not moved onto the seed
    assert box.options == [history.batch_label(store.batches(db.make_engine()).iloc[1])]
    assert not [b for b in at.button if b.key == "undo_confirm"]


def test_the_seed_is_not_undone_without_the_extra_confirmation(analyst, two_batches):
    at = upload_page(analyst)
    picker(at).set_value(1).run()
    at.button(key="undo").click().run()
    [consent] = [c for c in at.checkbox if c.key == "undo_seed_ok_1"]
    seeded = two_batches - 2
    assert consent.label == f"I understand this removes the seed data of {seeded} incidents"
    assert at.button(key="undo_confirm").disabled  # AppTest, like a browser, cannot press it
    at.run()
    assert stored() == (two_batches, [])
    consent = [c for c in at.checkbox if c.key == "undo_seed_ok_1"][0]
    consent.check().run()
    assert not at.button(key="undo_confirm").disabled
    at.button(key="undo_confirm").click().run()
    assert not at.exception
    assert stored() == (2, [1])


def test_the_page_shows_the_readable_history_with_the_hash_in_details(analyst, two_batches):
    at = upload_page(analyst)
    tables = [list(d.value.columns) for d in at.dataframe]
    assert history.TABLE_COLUMNS in tables
    details = [t for t in tables if "SHA-256" in t]
    assert details and details[0][0] == "Batch"
    assert any("Details" in e.label for e in at.expander)


# ------------------------------------------------------------------ pure functions

def batches() -> pd.DataFrame:
    """Two rows as store.batches returns them, newest first (SQLite: naive UTC times)."""
    return pd.DataFrame([
        {"id": 2, "file_name": "acled_*x*.csv", "sha256": "a" * 64, "format": "acled",
         "rows": 1, "inserted": 1, "updated": 3, "unchanged": 0, "rejected": 0,
         "deleted": None, "created_at": dt.datetime(2024, 5, 1, 14, 3, 9),
         "created_by": "amina", "undone_at": dt.datetime(2024, 5, 2, 9, 0), "dataset": "acled"},
        {"id": 1, "file_name": "incidents.csv", "sha256": "b" * 64, "format": "native",
         "rows": 1234, "inserted": 1234, "updated": 0, "unchanged": 0, "rejected": 0,
         "deleted": None, "created_at": dt.datetime(2024, 1, 1), "created_by": "seed",
         "undone_at": None, "dataset": "curated"},
    ])


def test_history_table_reads_file_format_rows_who_when_undone_without_the_hash():
    table = history.history_table(batches())
    assert list(table.columns) == ["Batch", "File", "Format", "Rows", "Who", "When", "Undone"]
    assert table.iloc[0].to_dict() == {
        "Batch": "#2", "File": "acled_*x*.csv", "Format": "acled", "Rows": 1,
        "Who": "amina", "When": "2024-05-01 14:03 UTC", "Undone": "2024-05-02 09:00 UTC"}
    assert table.iloc[1]["File"] == "incidents.csv (seed)" and table.iloc[1]["Undone"] == ""
    assert not any("a" * 64 in str(v) for v in table.to_numpy().ravel())


def test_details_table_keeps_the_hash_and_counts_readably_named():
    details = history.details_table(batches())
    assert details.columns[0] == "Batch"
    assert {"SHA-256", "Inserted", "Updated", "Dataset", "Who", "When"} <= set(details.columns)
    assert details.iloc[0]["SHA-256"] == "a" * 64
    assert details.iloc[1]["When"] == "2024-01-01 00:00 UTC"


def test_batch_labels_name_id_file_rows_who_when():
    labels = history.batch_labels(batches())
    assert labels == {
        2: "#2 · acled_*x*.csv · 1 row · amina · 2024-05-01 14:03 UTC",
        1: "#1 · incidents.csv (seed) · 1,234 rows · seed · 2024-01-01 00:00 UTC"}


def test_times_are_shown_in_utc_whether_or_not_the_store_gives_a_zone():
    aware = dt.datetime(2024, 5, 1, 19, 3, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    assert history.when(aware) == "2024-05-01 14:03 UTC"
    assert history.when(pd.Timestamp("2024-05-01 14:03")) == "2024-05-01 14:03 UTC"
    assert history.when(None) == history.when(pd.NaT) == ""


def test_the_seed_is_known_by_dataset_or_by_its_user_in_older_stores():
    newer, seed = batches().to_dict("records")
    assert history.is_seed(seed) and not history.is_seed(newer)
    assert history.is_seed({"dataset": "seed", "created_by": "x"})
    assert history.is_seed({"dataset": None, "created_by": "seed"})
    assert history.seed_consent(seed) == ("I understand this removes the curated record of "
                                          "1,234 incidents")


def test_the_confirmation_names_the_batch_escaped_and_says_what_undo_does():
    newer = batches().to_dict("records")[0]
    text = history.confirmation(newer)
    assert text.startswith("Undo batch **#2**: **acled\\_\\*x\\*\\.csv**, 1 row, imported by "
                           "**amina** on 2024-05-01 14:03 UTC?")
    assert "removes the 1 row it added and restores the earlier values of the 3 rows" in text
