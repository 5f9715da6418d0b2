"""A pull from a live source, made a batch: fetched, validated like an upload, imported
in one transaction (or, with ``dry_run``, only counted), and recorded with its checkpoint.

A second pull with nothing new changes nothing: unchanged rows are skipped by their hash
and no batch is made. An incremental ACLED pull starts after the newest ``timestamp`` of
the last successful pull whose batch still stands (undoing a pull's batch makes the next
pull fetch its events again).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from borderwatch.data import ingest, readers, store
from borderwatch.data.db import batches_table, pulls_table
from borderwatch.data.sources.acled import AcledClient
from borderwatch.data.sources.http import SourceError
from borderwatch.data.sources.ucdp import UcdpClient
from borderwatch.geo.boundaries import COUNTRIES

SOURCES = ("acled", "ucdp")
ALL_COUNTRIES = list(COUNTRIES.values())


@dataclass(frozen=True)
class PullResult:
    """What a pull fetched and did (or, in a dry run, would do)."""

    source: str
    fetched: int
    inserted: int
    updated: int
    deleted: int
    unchanged: int
    rejected: int
    batch_id: int | None
    dry_run: bool
    errors: tuple[str, ...] = ()

    def summary(self) -> str:
        """The counts in words."""
        verb = "would insert" if self.dry_run else "inserted"
        batch = (" (dry run: nothing written)" if self.dry_run else
                 f", batch {self.batch_id}" if self.batch_id else ", nothing changed")
        return (f"{self.source.upper()}: {self.fetched:,} fetched; {verb} {self.inserted:,}, "
                f"updated {self.updated:,}, deleted {self.deleted:,}, unchanged "
                f"{self.unchanged:,}, rejected {self.rejected:,}{batch}")


def _strings(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """API rows as a frame of strings, as a CSV export would give them."""
    frame = pd.DataFrame(rows)
    return frame.apply(lambda col: col.map(lambda v: "" if v is None else str(v)))


def checkpoint(engine: Engine, source: str) -> int | None:
    """Where the next incremental pull of ``source`` starts: the newest source timestamp of
    a successful pull whose batch (if any) has not been undone."""
    p, b = pulls_table.c, batches_table.c
    query = (sa.select(sa.func.max(p.checkpoint))
             .select_from(pulls_table.outerjoin(batches_table, b.id == p.batch_id))
             .where(p.source == source, p.status == "ok", b.undone_at.is_(None)))
    with engine.connect() as conn:
        value = conn.execute(query).scalar()
    return None if value is None else int(value)


def last_pulls(engine: Engine, source: str, n: int = 5) -> pd.DataFrame:
    """The most recent pulls of ``source``, newest first (for the Sources panel)."""
    with engine.connect() as conn:
        return pd.read_sql(sa.select(pulls_table).where(pulls_table.c.source == source)
                           .order_by(pulls_table.c.id.desc()).limit(n), conn)


def _record(engine: Engine, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(sa.insert(pulls_table).values(**values))


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SourceError(f"{name}'s rows lack the columns {', '.join(missing)}: the API may "
                          "have changed. Nothing was changed.")


def _fingerprint(frame: pd.DataFrame) -> str:
    text = json.dumps(frame.to_dict(orient="records"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _import(engine: Engine, source: str, raw: pd.DataFrame, fetched: pd.DataFrame,
            deleted: list[str], user: str, dry_run: bool) -> PullResult:
    """Validate the fetched rows and import them with the deletions, as one batch."""
    now = dt.datetime.now(dt.UTC)
    report = ingest.Report(file_name=f"{source.upper()} API pull {now:%Y-%m-%d %H:%M} UTC",
                           sha256=_fingerprint(fetched), format=source)
    ingest.check_rows(raw.assign(file_row=range(1, len(raw) + 1)), report, engine)
    errors = tuple(str(e) for e in report.errors[:20])
    if dry_run:
        with engine.connect() as conn:
            gone = len(store.existing(conn, [e for e in deleted
                                             if e not in set(report.valid["event_id"])]))
        return PullResult(source, len(raw), report.will_insert, report.will_update, gone,
                          len(report.valid) - report.will_insert - report.will_update,
                          report.rejected + report.will_skip, None, True, errors)
    result = store.import_rows(engine, report.valid, file_name=report.file_name,
                               sha256=report.sha256, fmt=source, total_rows=report.rows,
                               rejected=report.rejected + report.will_skip, user=user,
                               dataset=source, deleted_ids=deleted)
    return PullResult(source, len(raw), result.inserted, result.updated, result.deleted,
                      result.unchanged, result.rejected, result.batch_id, False, errors)


def _run(engine: Engine, source: str, user: str, dry_run: bool, since: str,
         fetch: Any) -> PullResult:
    """Fetch, import and record one pull; a failure is recorded and changes nothing else."""
    started = dt.datetime.now(dt.UTC)
    try:
        raw, fetched, deleted, newest = fetch()
        result = _import(engine, source, raw, fetched, deleted, user, dry_run)
    except SourceError as exc:
        if not dry_run:
            _record(engine, source=source, started_at=started,
                    finished_at=dt.datetime.now(dt.UTC), user=user, status="failed",
                    message=str(exc), since=since)
        raise
    if not dry_run:
        _record(engine, source=source, started_at=started, finished_at=dt.datetime.now(dt.UTC),
                user=user, status="ok", message=result.summary(), since=since,
                checkpoint=newest, fetched=result.fetched, inserted=result.inserted,
                updated=result.updated, deleted=result.deleted, unchanged=result.unchanged,
                rejected=result.rejected, batch_id=result.batch_id)
    return result


def pull_acled(engine: Engine, client: AcledClient, *, countries: list[str] | None = None,
               since: dt.date | None = None, user: str = "", dry_run: bool = False
               ) -> PullResult:
    """Pull ACLED events: from ``since`` (a date) if given, else everything changed since
    the last pull; events ACLED deleted since then are removed.

    Parameters
    ----------
    engine : sqlalchemy.engine.Engine
        The store.
    client : AcledClient
        Signed-in API client.
    countries : list of str, optional
        Default: every country of geodata/.
    since : datetime.date, optional
        Pull events dated from this day on, instead of an incremental pull.
    user : str
        Who pulls (recorded with the batch).
    dry_run : bool
        Count what would change; write nothing.

    Returns
    -------
    PullResult
        The counts, and the batch made (None when nothing changed).
    """
    countries = countries or ALL_COUNTRIES
    last = None if since else checkpoint(engine, "acled")

    def fetch() -> tuple[pd.DataFrame, pd.DataFrame, list[str], int | None]:
        rows = [r for page in client.events(countries, since_timestamp=last,
                                            since_date=since.isoformat() if since else None)
                for r in page]
        fetched = _strings(rows) if rows else pd.DataFrame(columns=list(readers.ACLED_REQUIRED))
        _require(fetched, readers.ACLED_REQUIRED, "ACLED")
        raw = readers.map_acled(fetched)
        stamps = pd.to_numeric(fetched.get("timestamp", pd.Series(dtype=str)), errors="coerce")
        newest = int(stamps.max()) if stamps.notna().any() else last
        deleted = client.deleted(last) if last is not None else []
        return raw, fetched, deleted, newest

    return _run(engine, "acled", user or store.current_user(), dry_run,
                since.isoformat() if since else f"timestamp>{last}", fetch)


def pull_ucdp(engine: Engine, client: UcdpClient, *, versions: list[str],
              countries: list[str] | None = None, since: dt.date | None = None,
              user: str = "", dry_run: bool = False) -> PullResult:
    """Pull UCDP GED events of ``versions`` (oldest first: a later candidate release
    revises an event of an earlier one under the same ``id``)."""
    countries = countries or ALL_COUNTRIES

    def fetch() -> tuple[pd.DataFrame, pd.DataFrame, list[str], int | None]:
        rows = [r for v in versions for page in client.events(
                v, countries, since.isoformat() if since else None) for r in page]
        fetched = _strings(rows) if rows else pd.DataFrame(columns=list(readers.UCDP_REQUIRED))
        _require(fetched, readers.UCDP_REQUIRED, "UCDP")
        latest = fetched.drop_duplicates("id", keep="last")  # the newest version wins
        return readers.map_ucdp(latest.reset_index(drop=True)), latest, [], None

    return _run(engine, "ucdp", user or store.current_user(), dry_run,
                ",".join(versions), fetch)


def run(engine: Engine, source: str, *, countries: list[str] | None = None,
        since: dt.date | None = None, versions: list[str] | None = None, user: str = "",
        dry_run: bool = False) -> PullResult:
    """Pull ``source`` ("acled" or "ucdp") with the configured credentials and settings
    (``credentials``): what the command line and the Upload page's Pull now button do."""
    from borderwatch.data.sources import acled, credentials, ucdp
    from borderwatch.data.sources.http import Retry

    attempts, backoff = credentials.retry_settings()
    retry = Retry(attempts=attempts, base_s=backoff)
    if source == "acled":
        client = acled.AcledClient(credentials.AcledSettings.load(),
                                   credentials.token_cache_path(), retry=retry,
                                   page_size=credentials.acled_page_size())
        return pull_acled(engine, client, countries=countries, since=since, user=user,
                          dry_run=dry_run)
    settings = credentials.UcdpSettings.load()
    return pull_ucdp(engine, ucdp.UcdpClient(settings, retry=retry),
                     versions=versions or settings.version.split(","), countries=countries,
                     since=since, user=user, dry_run=dry_run)
