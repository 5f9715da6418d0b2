"""The upload page: validate a file, show the report, import it; batch history and undo."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile
from streamlit_folium import st_folium

from borderwatch.data import ingest, store
from borderwatch.present import maps
from borderwatch.ui import data, frame, review, sources
from borderwatch.ui.text import md_escape

REPORT = "bw_upload_report"
FLASH = "bw_upload_flash"
GENERATION = "bw_upload_generation"  # a result message that survives the rerun after a change


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
        st.subheader(f"{len(report.errors):,} errors — these rows will not be imported")
        st.dataframe(pd.DataFrame([e.__dict__ for e in report.errors]), hide_index=True,
                     width="stretch")
    if report.warnings:
        st.subheader(f"{len(report.warnings):,} warnings")
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
        st.subheader("Preview of the valid rows")
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
    st.subheader("Import history")
    batches = store.batches(data.engine())
    if batches.empty:
        st.caption("No imports yet.")
        return
    st.dataframe(batches, hide_index=True, width="stretch")
    active = batches[batches["undone_at"].isna()]["id"].tolist()
    if not active:
        return
    c1, c2 = st.columns([1, 3])
    # Keyed on the newest batch, so the choice starts on it after every import.
    chosen = c1.selectbox("Batch", active, key=f"undo_batch_{active[0]}")
    if c2.button("Undo this batch", key="undo"):
        try:
            done = store.undo(data.engine(), int(chosen))
        except store.StoreError as exc:
            st.error(str(exc))
        else:
            st.session_state[FLASH] = (f"Batch {chosen} undone: {done['deleted']} rows "
                                       f"removed, {done['restored']} restored to their "
                                       "earlier values.")
            st.rerun()
