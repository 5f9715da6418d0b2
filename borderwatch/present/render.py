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

STATIC = ROOT / "static"
CHROMIUM = Path(os.environ.get("BORDERWATCH_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
MAP_SIZE = (1600, 1000)
T = TypeVar("T")
CHART_SIZE = (1400, 700)


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
    page = inline_assets(m.get_root().render())
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
    return png(standalone_map_html(m), size, ".leaflet-container .bw-labels[data-count]", b)


def chart_png(fig: go.Figure, b: Any = None, size: tuple[int, int] = CHART_SIZE) -> bytes:
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


def brief_html(title: str, filters_text: str, summary: str, figures: list[tuple[str, str]],
               map_image: bytes, chart_image: bytes, footer: str,
               refs: Sequence[Reference] = (), more: int = 0) -> str:
    """The one-page brief, every text escaped, with numbered sources."""
    cells = "".join(f"<div class='fig'><b>{html.escape(v)}</b><span>{html.escape(k)}</span>"
                    "</div>" for k, v in figures)
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>
      @page {{ size: A4 landscape; margin: 10mm; }}
      body {{ font: 11pt/1.4 system-ui, sans-serif; color: #111; margin: 0; }}
      h1 {{ font-size: 18pt; margin: 0 0 2mm; }}
      .filters {{ color: #444; margin-bottom: 2mm; }}
      .figs {{ display: flex; gap: 6mm; margin: 2mm 0; }}
      .fig b {{ display: block; font-size: 18pt; }} .fig span {{ color: #555; font-size: 9pt; }}
      .imgs {{ display: flex; gap: 4mm; }} .imgs img {{ height: 95mm; }}
      .foot {{ color: #666; font-size: 8pt; margin-top: 2mm; }}
      .refs {{ font-size: 7.5pt; columns: 2; margin: 2mm 0; padding-left: 5mm; }}
      .refs a {{ color: #0645ad; overflow-wrap: anywhere; }}
      .more {{ font-size: 7.5pt; color: #444; margin: 0; }}
    </style></head><body>
      <h1>{html.escape(title)}</h1>
      <div class="filters">{html.escape(filters_text)}</div>
      <p>{html.escape(summary)}</p>
      <div class="figs">{cells}</div>
      <div class="imgs"><img src="{_data_uri(map_image)}"><img src="{_data_uri(chart_image)}">
      </div>
      {"<h2 style='font-size:10pt;margin:2mm 0 0'>Sources</h2>" if refs else ""}
      {_reference_items(refs, more)}
      <div class="foot">{html.escape(footer)}</div>
    </body></html>"""


def pdf(page_html: str, b: Any = None) -> bytes:
    if b is None:
        return with_browser(lambda own: pdf(page_html, own))
    page = _page(b, (1123, 794))
    page.set_content(page_html, wait_until="load")
    out = page.pdf(format="A4", landscape=True, print_background=True)
    page.context.close()
    return bytes(out)
