"""Exports that need a browser engine: a standalone map HTML (assets inlined, opens with no
internet), PNG pictures of the map and charts, and a one-page PDF brief. Pictures and PDF
are rendered on the server by the system Chromium through Playwright, with every network
request refused."""

from __future__ import annotations

import base64
import html
import os
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import folium
import plotly.graph_objects as go

from borderwatch import ROOT
from borderwatch.analysis.sources import Reference
from borderwatch.data.records import SAFE_URL
from borderwatch.present.export import Brief, Context

STATIC = ROOT / "static"
CHROMIUM = Path(os.environ.get("BORDERWATCH_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
# Pictures for a 16:9 slide.
MAP_SIZE = (1920, 1080)
T = TypeVar("T")
CHART_SIZE = (1920, 1080)
PAPER = {"A4": "A4", "Letter": "Letter"}
# Printed maps have no controls: nobody can press them on paper or a slide.
NO_CONTROLS = ("<style>.leaflet-control-zoom, .bw-pan, .bw-legend summary "
               "{ display: none !important; }</style>")


class RenderUnavailable(RuntimeError):
    """No browser engine on this server; PNG and PDF exports cannot be made."""


def _asset(url: str) -> str:
    path = (STATIC / url.removeprefix("/app/static/")).resolve()
    if STATIC.resolve() not in path.parents:
        raise ValueError(f"asset outside static/: {url}")
    return path.read_text(encoding="utf-8")


def inline_assets(page: str) -> str:
    """Replace the /app/static/ script and stylesheet links of a page by their contents."""
    def script(m: re.Match[str]) -> str:
        return "<script>" + _asset(m.group(1)).replace("</script", "<\\/script") + "</script>"

    def style(m: re.Match[str]) -> str:
        return "<style>" + _asset(m.group(1)).replace("</style", "<\\/style") + "</style>"

    page = re.sub(r'<script src="(/app/static/[^"]+)"></script>', script, page)
    return re.sub(r'<link rel="stylesheet" href="(/app/static/[^"]+)"\s*/?>', style, page)


def standalone_map_html(m: folium.Map, title: str = "Borderwatch map") -> str:
    """The map as one file that opens with no network; the page may be zoomed."""
    page = re.sub(r'<meta name="viewport"[^>]*>',
                  '<meta name="viewport" content="width=device-width, initial-scale=1">',
                  inline_assets(m.get_root().render()))
    return page.replace("<head>", f"<head><title>{html.escape(title)}</title>", 1)


def chart_html(fig: go.Figure, size: tuple[int, int] = CHART_SIZE) -> str:
    """A figure as a self-contained page (plotly.js inlined from the plotly package)."""
    return fig.to_html(include_plotlyjs=True, full_html=True,
                       default_width=f"{size[0]}px", default_height=f"{size[1]}px",
                       config={"staticPlot": True})


@contextmanager
def _browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        raise RenderUnavailable(f"PNG and PDF exports need Chromium at {CHROMIUM} "
                                "(apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


def with_browser(work: Callable[[Any], T]) -> T:
    """Run ``work(browser)`` with a headless Chromium of its own, in a worker thread:
    Playwright's sync API refuses threads that run an event loop, as Streamlit's do."""
    def run() -> T:
        with _browser() as b:
            return work(b)

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def _page(b: Any, size: tuple[int, int]) -> Any:
    ctx = b.new_context(viewport={"width": size[0], "height": size[1]},
                        device_scale_factor=1)
    ctx.route("**/*", lambda route: route.abort()
              if route.request.url.startswith(("http:", "https:")) else route.continue_())
    return ctx.new_page()


def png(page_html: str, size: tuple[int, int], ready: str, b: Any = None) -> bytes:
    """A screenshot of a page, once ``ready`` (a CSS selector) is visible."""
    if b is None:
        return with_browser(lambda own: png(page_html, size, ready, own))
    page = _page(b, size)
    page.set_content(page_html, wait_until="load")
    page.wait_for_selector(ready, state="attached", timeout=30_000)
    page.wait_for_timeout(300)  # let the last frame paint
    shot = page.screenshot(type="png", full_page=False)
    page.context.close()
    return bytes(shot)


def map_png(m: folium.Map, b: Any = None, size: tuple[int, int] = MAP_SIZE) -> bytes:
    """A picture of the map as printed: no zoom or pan buttons."""
    page = standalone_map_html(m).replace("</head>", NO_CONTROLS + "</head>", 1)
    return png(page, size, ".leaflet-container .bw-labels[data-count]", b)


def with_context(fig: go.Figure, ctx: Context) -> go.Figure:
    """A copy of ``fig`` for export: its title over the filters, and beneath it when it
    was made, from what data, and the view's address (all text escaped)."""
    out = go.Figure(fig)
    title = out.layout.title.text or ""
    out.update_layout(
        title={"text": f"{title}<br><sup>{html.escape(ctx.title)} · "
                       f"{html.escape(ctx.filters)}</sup>"},
        font={"size": 18}, margin={"b": 140})
    out.add_annotation(text="<br>".join(html.escape(x) for x in (
        f"{ctx.generated} · {ctx.sources}", ctx.link)), xref="paper", yref="paper",
        x=0, y=0, yshift=-125, xanchor="left", yanchor="bottom", showarrow=False,
        align="left", font={"size": 13, "color": "#444"})
    return out


def chart_png(fig: go.Figure, b: Any = None, size: tuple[int, int] = CHART_SIZE,
              ctx: Context | None = None) -> bytes:
    """A picture of a chart; with ``ctx``, titled and credited for a slide."""
    if ctx is not None:
        fig = with_context(fig, ctx)
    return png(chart_html(fig, size), size, ".main-svg", b)


def _data_uri(image: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(image).decode()


def _reference_items(refs: Sequence[Reference], more: int) -> str:
    """Numbered references: escaped text, links only for http(s) addresses."""
    items = []
    for r in refs:
        cited = html.escape(r.outlet) + (f", {html.escape(r.published)}" if r.published else "")
        url = r.url if r.url and re.fullmatch(SAFE_URL, r.url) else None
        link = (f' <a href="{html.escape(url)}">{html.escape(url)}</a>' if url else "")
        items.append(f"<li>{cited}.{link}</li>")
    tail = (f"<p class='more'>… and {more:,} more sources (every incident's source is in "
            "the CSV export).</p>" if more else "")
    return f"<ol class='refs'>{''.join(items)}</ol>{tail}" if items else ""


def _table(title: str, rows: Sequence[tuple[str, int]]) -> str:
    body = "".join(f"<tr><td>{html.escape(name)}</td><td class='n'>{n:,}</td></tr>"
                   for name, n in rows) or "<tr><td>None in this view</td><td></td></tr>"
    return (f"<table><caption>{html.escape(title)}</caption><tr><th>Name</th>"
            f"<th class='n'>Incidents</th></tr>{body}</table>")


def brief_html(brief: Brief, map_image: bytes, chart_image: bytes, paper: str = "A4") -> str:
    """The briefing page: headline figures and summary, a large map, the timeline, the top
    actors and provinces, numbered sources and the view's full address; every text
    escaped."""
    ctx = brief.context
    cells = "".join(f"<div class='fig'><b>{html.escape(v)}</b><span>{html.escape(k)}</span>"
                    "</div>" for k, v in brief.figures)
    size = PAPER.get(paper, "A4")
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
    <title>{html.escape(ctx.title)}</title><style>
      @page {{ size: {size} portrait; margin: 11mm 12mm; }}
      body {{ font: 10pt/1.4 system-ui, sans-serif; color: #111; margin: 0; }}
      h1 {{ font-size: 17pt; margin: 0 0 1mm; }}
      h2 {{ font-size: 11pt; margin: 3mm 0 1mm; }}
      .meta {{ color: #333; font-size: 9pt; margin: 0 0 2mm; }}
      .figs {{ display: flex; gap: 8mm; margin: 2mm 0; }}
      .fig b {{ display: block; font-size: 17pt; }} .fig span {{ color: #444; font-size: 9pt; }}
      .summary {{ font-size: 10.5pt; margin: 1mm 0 2mm; }}
      img {{ width: 100%; display: block; border: 1px solid #ccc; }}
      .tables {{ display: flex; gap: 6mm; margin-top: 2mm; }}
      table {{ border-collapse: collapse; flex: 1; font-size: 9pt; }}
      caption {{ text-align: left; font-weight: 600; font-size: 10pt; padding-bottom: 1mm; }}
      th, td {{ text-align: left; padding: .6mm 2mm .6mm 0; border-bottom: 1px solid #ddd; }}
      .n {{ text-align: right; }}
      .refs {{ font-size: 8pt; columns: 2; margin: 1mm 0; padding-left: 5mm; }}
      .refs a {{ color: #0645ad; overflow-wrap: anywhere; }}
      .more {{ font-size: 8pt; color: #333; margin: 0; }}
      .foot {{ color: #333; font-size: 8pt; margin-top: 3mm; overflow-wrap: anywhere; }}
      .foot a {{ color: #0645ad; }}
    </style></head><body>
      <h1>{html.escape(ctx.title)}</h1>
      <p class="meta">{html.escape(ctx.filters)}<br>{html.escape(ctx.generated)} ·
        {html.escape(ctx.sources)}</p>
      <div class="figs">{cells}</div>
      <p class="summary">{html.escape(brief.summary)}</p>
      <img alt="Map of the incidents in this view" src="{_data_uri(map_image)}">
      <img alt="Incidents over time" src="{_data_uri(chart_image)}" style="margin-top:2mm">
      <div class="tables">{_table("Top actors (either side)", brief.actors)}
        {_table("Top provinces", brief.provinces)}</div>
      {"<h2>Sources</h2>" if brief.references else ""}
      {_reference_items(brief.references, brief.more_references)}
      <p class="foot">{html.escape(ctx.attribution)}<br>This view:
        {_link(ctx.link)}</p>
    </body></html>"""


def brief_pdf(brief: Brief, the_map: folium.Map, timeline: go.Figure, paper: str = "A4",
              b: Any = None) -> bytes:
    """The briefing page as a PDF: its map and timeline rendered, then printed."""
    if b is None:
        return with_browser(lambda own: brief_pdf(brief, the_map, timeline, paper, own))
    page = brief_html(brief, map_png(the_map, b, size=(1600, 1150)),
                      chart_png(timeline, b, size=(1600, 560)), paper)
    return pdf(page, b, paper)


def _link(url: str) -> str:
    """An http(s) address as a link, anything else as text; escaped either way."""
    if re.fullmatch(SAFE_URL, url):
        return f'<a href="{html.escape(url)}">{html.escape(url)}</a>'
    return html.escape(url)


def pdf(page_html: str, b: Any = None, paper: str = "A4") -> bytes:
    """The page printed to PDF on ``paper`` (A4 or Letter, portrait)."""
    if b is None:
        return with_browser(lambda own: pdf(page_html, own, paper))
    page = _page(b, (794, 1123))
    page.set_content(page_html, wait_until="load")
    out = page.pdf(format=PAPER.get(paper, "A4"), print_background=True,
                   prefer_css_page_size=True)
    page.context.close()
    return bytes(out)
