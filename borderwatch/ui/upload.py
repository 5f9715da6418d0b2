"""The upload page: validate a file, show the report, import it; batch history and undo."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile
from streamlit_folium import st_folium

from borderwatch.data import ingest, store
from borderwatch.present import maps
from borderwatch.ui import data, frame, history, review, sources
from borderwatch.ui.text import md_escape

REPORT = "bw_upload_report"
FLASH = "bw_upload_flash"
GENERATION = "bw_upload_generation"  # a result message that survives the rerun after a change
UNDO_GENERATION = "bw_undo_generation"  # a new, empty batch picker after each undo
UNDO_PENDING = "bw_undo_pending"  # the batch whose undo awaits confirmation


def _report(upload: UploadedFile, swap: bool) -> ingest.Report:
    """Validate once per (file, swap choice); reruns reuse the report."""
    payload = upload.getvalue()
    key = (upload.file_id, swap, data.data_version())
    cached = st.session_state.get(REPORT)
    if cached and cached[0] == key:
        return cached[1]
    with st.spinner("Validating…"):
        report = ingest.validate(payload, upload.name, data.engine(), apply_swaps=swap)
    st.session_state[REPORT] = (key, report)
    return report


def _show_report(report: ingest.Report) -> None:
    c = st.columns(5)
    c[0].metric("Rows", f"{report.rows:,}")
    c[1].metric("Valid", f"{len(report.valid):,}")
    c[2].metric("Rejected", f"{report.rejected:,}")
    c[3].metric("New", f"{report.will_insert:,}")
    c[4].metric("Updates", f"{report.will_update:,}")
    st.caption(f"**{md_escape(report.file_name)}** read as **{report.format}** · "
               f"encoding {report.encoding} · delimiter {report.delimiter!r} · "
               f"sha256 {report.sha256[:12]}…")
    if report.errors:
        st.header(f"{len(report.errors):,} errors — these rows will not be imported")
        st.dataframe(pd.DataFrame([e.__dict__ for e in report.errors]), hide_index=True,
                     width="stretch")
    if report.warnings:
        st.header(f"{len(report.warnings):,} warnings")
        st.dataframe(pd.DataFrame([w.__dict__ for w in report.warnings]), hide_index=True,
                     width="stretch")


def upload_page() -> None:
    with frame.page("Upload", "Upload incidents", analysts_only=True,
                    with_caption=False) as view:
        if FLASH in st.session_state:
            st.success(st.session_state.pop(FLASH), icon=":material/check_circle:")
        limit = st.get_option("server.maxUploadSize")
        st.write(f"CSV files in Borderwatch's own layout, or ACLED or UCDP GED exports as "
                 f"they come (comma, semicolon or tab; UTF-8 or Windows-1252). Up to "
                 f"**{limit} MB** a file. Nothing is imported until you press *Import*; "
                 "every import can be undone below.")
        # A new key after each import empties the uploader.
        upload = st.file_uploader("Incident file", type=["csv", "tsv", "txt"],
                                  key=f"upload_{st.session_state.get(GENERATION, 0)}")
        if upload is not None:
            _validate_and_import(upload, view.user.name)
        sources.sources_panel(view.user.name)
        _history()
        review.links_panel(view.user.name)
        review.actors_panel()


def _validate_and_import(upload: UploadedFile, user: str) -> None:
    """The report of an uploaded file, the swap choice, the preview and the Import button."""
    report = _report(upload, st.session_state.get("swap_latlon", False))
    if report.file_error:
        st.error(f"**{md_escape(upload.name)}**: {md_escape(report.file_error)}",
                 icon=":material/error:")
        return
    _show_report(report)
    review.waiting_panel(report, user, lambda: st.session_state.pop(REPORT, None))
    if report.swap_rows() or report.swapped:
        n = len(report.swap_rows()) or report.swapped
        rows = "row" if n == 1 else "rows"
        st.checkbox(f"Swap latitude and longitude on the {n} {rows} flagged as swapped",
                    key="swap_latlon")
    if not report.valid.empty:
        st.header("Preview of the valid rows")
        st_folium(maps.build_map(report.valid), key="preview_map", height=420,
                  use_container_width=True, returned_objects=[])
    if st.button(f"Import {len(report.valid):,} valid rows", type="primary",
                 disabled=report.valid.empty, key="import"):
        try:
            result = ingest.commit(report, data.engine(), user=user)
        except store.StoreError as exc:
            st.error(str(exc))
            return
        st.session_state.pop(REPORT, None)
        st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1
        st.session_state[FLASH] = f"Imported **{md_escape(upload.name)}**: {result.summary()}."
        st.rerun()

def _history() -> None:
    st.header("Import history")
    batches = store.batches(data.engine())
    if batches.empty:
        st.caption("No imports yet.")
        return
    st.dataframe(history.history_table(batches), hide_index=True, width="stretch")
    with st.expander("Details of every batch: counts, dataset, file hash",
                     icon=":material/info:"):
        st.dataframe(history.details_table(batches), hide_index=True, width="stretch")
    active = batches[batches["undone_at"].isna()]
    if not active.empty:
        _undo(active)


def _undo(active: pd.DataFrame) -> None:
    """Pick a batch, press Undo, read what it is, confirm; the seed needs one more tick."""
    labels = history.batch_labels(active)
    generation = st.session_state.get(UNDO_GENERATION, 0)
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    # Nothing is chosen at first, and a new picker after each undo chooses nothing again.
    chosen = c1.selectbox("Batch to undo", list(labels), index=None,
                          format_func=labels.__getitem__,
                          placeholder="Choose a batch to undo",
                          key=f"undo_batch_{generation}")
    if c2.button("Undo this batch…", key="undo", disabled=chosen is None):
        st.session_state[UNDO_PENDING] = chosen
    if chosen is None or st.session_state.get(UNDO_PENDING) != chosen:
        st.session_state.pop(UNDO_PENDING, None)  # a pending undo ends with another choice
        return
    [batch] = [b for b in active.to_dict("records") if int(b["id"]) == chosen]
    _confirm_undo(batch)


def _confirm_undo(batch: dict[str, Any]) -> None:
    """The confirmation naming the batch; the undo itself once confirmed."""
    batch_id = int(batch["id"])
    seed = history.is_seed(batch)
    with st.container(border=True):
        st.warning(history.confirmation(batch), icon=":material/undo:")
        consent = seed and st.checkbox(history.seed_consent(batch),
                                       key=f"undo_seed_ok_{batch_id}")
        c1, c2 = st.columns(2)
        confirmed = c1.button("Confirm undo", type="primary", key="undo_confirm",
                              disabled=seed and not consent)
        if c2.button("Cancel", key="undo_cancel"):
            st.session_state.pop(UNDO_PENDING, None)
            st.rerun()
    if not confirmed:
        return
    if seed and not consent:
        st.error("This is the batch the store was seeded from: tick the box above to "
                 "undo it.")
        return
    st.session_state.pop(UNDO_PENDING, None)
    try:
        done = store.undo(data.engine(), batch_id)
    except store.StoreError as exc:
        st.error(str(exc))
        return
    st.session_state[UNDO_GENERATION] = st.session_state.get(UNDO_GENERATION, 0) + 1
    st.session_state[FLASH] = (f"Batch #{batch_id} (**{md_escape(str(batch['file_name']))}**) "
                               f"undone: {history.rows_text(done['deleted'])} removed, "
                               f"{done['restored']:,} restored to their earlier values.")
    st.rerun()
