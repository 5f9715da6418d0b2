"""Standalone map HTML, PNG pictures and the PDF brief, rendered in the system Chromium."""

import io
import re

import pytest
from PIL import Image

from borderwatch.analysis import filters as flt
from borderwatch.data import records
from borderwatch.present import charts, export, maps, render
from tests.conftest import XSS

pytestmark = pytest.mark.slow


@pytest.fixture
def chromium(chromium_browser):
    return chromium_browser


def test_standalone_html_inlines_every_asset(curated):
    page = render.standalone_map_html(maps.build_map(curated, "clusters"))
    assert not re.search(r"<(script|link)[^>]*(src|href)=\"(/app|https?:)", page)
    assert "L.markerClusterGroup" in page and "Leaflet" in page


def test_standalone_html_opens_offline_and_shows_the_markers(curated, chromium, tmp_path,
                                                              hostile_csv):

    df = records.read_csv(hostile_csv)
    path = tmp_path / "map.html"
    path.write_text(render.standalone_map_html(maps.build_map(df, "points")), encoding="utf-8")
    ctx = chromium.new_context()
    requests, dialogs = [], []
    ctx.route("**/*", lambda r: (requests.append(r.request.url), r.abort())
              if r.request.url.startswith("http") else r.continue_())
    page = ctx.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.locator(".bw-incident").first.wait_for()
    assert page.locator(".bw-incident").count() == len(df)
    assert requests == [] and dialogs == []
    assert page.locator('img[src="x"]').count() == 0
    ctx.close()


def test_map_and_chart_pngs_are_real_images_of_the_expected_size(curated, chromium):
    image = Image.open(io.BytesIO(render.map_png(maps.build_map(curated), chromium)))
    assert image.format == "PNG" and image.size == render.MAP_SIZE
    assert len(image.convert("RGB").resize((64, 40)).getcolors(4096)) > 20  # not blank
    fig = charts.timeline_figure(curated)
    image = Image.open(io.BytesIO(render.chart_png(fig, chromium, size=(900, 500))))
    assert image.size == (900, 500)
    assert len(image.convert("RGB").resize((64, 40)).getcolors(4096)) > 5


def test_the_briefing_pdf_has_its_parts_escaped_and_the_full_link(curated, chromium):
    """A4 and Letter: headline figures, summary, map, timeline, top actors and provinces,
    numbered sources and the view's full address as a link; every text escaped."""
    f = flt.Filters(text=XSS[:50])
    link = "http://127.0.0.1:8501/brief?from=2024-01-01"
    ctx = export.context(curated, f, len(curated), link)
    content = export.brief(curated, flt.Filters(), curated, ctx)
    assert content.actors and content.provinces and content.references
    page = render.brief_html(content, b"", b"")
    assert XSS not in page and "&lt;img src=x" in page
    assert f'<a href="{link}">' in page and "Top actors" in page and "Top provinces" in page
    assert "GeoNames (CC BY 4.0)" in page and "<ol class='refs'>" in page
    for paper, width in (("A4", "59[45]"), ("Letter", "61[12]")):
        pdf = render.brief_pdf(content, maps.build_map(curated),
                               charts.timeline_figure(curated), paper, chromium)
        assert pdf.startswith(b"%PDF")
        assert re.search(rb"/MediaBox\s*\[0 0 " + width.encode(), pdf)
        assert link.encode() in pdf  # the link annotation's URI
    hostile = export.context(curated, flt.Filters(), 1, "javascript:alert(1)")
    assert "href" not in render.brief_html(export.brief(curated, flt.Filters(), curated,
                                                        hostile), b"", b"").split(
        "This view:")[1]


def test_exported_pictures_are_16_9_with_context_and_without_controls(curated, chromium):
    ctx = export.context(curated, flt.Filters(), len(curated), "http://x.test/?a=1")
    m = maps.build_map(curated, context=ctx.lines())
    image = Image.open(io.BytesIO(render.map_png(m, chromium)))
    assert image.size == (1920, 1080)
    page = render.standalone_map_html(m)
    assert "Generated " in page and "GeoNames (CC BY 4.0)" in page
    fig = render.with_context(charts.timeline_figure(curated), ctx)
    assert ctx.filters in fig.layout.title.text and ctx.link in fig.layout.annotations[-1].text
    shown = chromium.new_page(viewport={"width": 1920, "height": 1080})
    shown.set_content(page.replace("</head>", render.NO_CONTROLS + "</head>", 1))
    shown.locator(".bw-context").wait_for()
    assert not shown.locator(".leaflet-control-zoom").is_visible()
    assert not shown.locator(".bw-pan").is_visible()
    shown.close()


def test_no_chromium_gives_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setattr(render, "CHROMIUM", tmp_path / "nothing")
    with pytest.raises(render.RenderUnavailable, match="need Chromium"):
        render.with_browser(lambda b: None)


def test_rendering_works_from_inside_an_event_loop(curated):
    """Streamlit may run a deferred download in its asyncio thread."""
    import asyncio

    if not render.CHROMIUM.exists():
        pytest.skip("no Chromium")

    async def inside() -> bytes:
        return render.map_png(maps.build_map(curated), size=(300, 200))

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:  # a thread whose event loop is running, as in a server
        shot = pool.submit(lambda: asyncio.run(inside())).result()
    image = Image.open(io.BytesIO(shot))
    assert image.size == (300, 200)


OVERLAPS = """() => {
    const r = [...document.querySelectorAll('.bw-label')].map(e => e.getBoundingClientRect());
    let n = 0;
    for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++)
        if (r[i].left < r[j].right && r[j].left < r[i].right &&
            r[i].top < r[j].bottom && r[j].top < r[i].bottom) n++;
    return n;
}"""


def test_the_map_png_names_places_without_overlaps(curated, chromium):
    """Opened on Qal'ai Khumb (Darvoz), as the PNG export renders it: towns of the frontier
    are named, no two labels overlap, and the PNG differs where the labels are."""
    from borderwatch.present import view

    m = maps.build_map(curated, place=view.place_of(view.Display(place="1221559")))
    page = render._page(chromium, render.MAP_SIZE)
    page.set_content(render.standalone_map_html(m).replace(
        "</head>", render.NO_CONTROLS + "</head>", 1), wait_until="load")
    page.wait_for_selector(".bw-labels[data-count]", state="attached")
    names = page.locator(".bw-label-town, .bw-label-capital").all_inner_texts()
    assert {"Qalaikhumb", "Vanj"} <= set(names), names
    assert page.evaluate(OVERLAPS) == 0
    with_labels = page.screenshot(type="png")
    page.evaluate("document.querySelector('.bw-labels').style.visibility = 'hidden'")
    without = page.screenshot(type="png")
    page.context.close()
    assert with_labels != without
    png = Image.open(io.BytesIO(render.map_png(m, chromium)))
    assert png.tobytes() == Image.open(io.BytesIO(with_labels)).tobytes()
