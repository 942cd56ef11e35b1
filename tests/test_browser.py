"""The run's ``report.html`` and one slide deck in a real browser: headless Chromium, network cut.

Each page is opened from ``file://`` in a fresh, offline browser context. Every request that is not
``file:``, ``data:`` or ``blob:`` is recorded and aborted, and a page fails its test if it tried one,
if a local file it needs is missing, or if a script threw. Then the page must have rendered: the
report's table of contents points at real headings and every chart decoded; reveal.js initialised the
deck; and Chromium drew the Chinese labels with a CJK font (the fonts it used come from DevTools, so
tofu boxes fail the test). Screenshots land in the run's ``screenshots/`` and are copied to
``outputs/browser-check/`` of the checkout (ignored by git), where they outlive the test's temporary run.

Chromium is Debian's (``apt-get install -y chromium fonts-noto-cjk``; ``.ci/run`` installs it where
missing), driven by the ``playwright`` package without a browser download of its own.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

pytestmark = pytest.mark.e2e

# As root Chromium needs --no-sandbox; without the background-networking flags it calls Google hosts
# at start. Playwright gives every launch a fresh, empty --user-data-dir of its own.
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync")
LOCAL_SCHEMES = ("file:", "data:", "blob:")
HAN = re.compile(r"[\u4e00-\u9fff]")
DECK = "01_introduction.slides.html"  # its scoreboard slide is a table with Chinese labels


@dataclass
class Visit:
    """A page opened offline, and what it tried: ``network`` (URLs that are not file/data/blob, all
    aborted), ``failed`` (local loads that failed, with the reason), ``errors`` (uncaught script
    errors and console errors)."""

    page: Page
    network: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    probed: bool = False  # the DevTools font probe ran (see :func:`_probe_echo`)

    def assert_clean(self):
        assert not self.network, f"{self.page.url} tried the network: {self.network[:5]}"
        assert not self.failed, f"{self.page.url} misses local files: {self.failed[:5]}"
        assert not self.errors, f"{self.page.url} logged errors: {self.errors[:5]}"


@pytest.fixture(scope="module")
def browser():
    exe = shutil.which("chromium")
    if exe is None:
        pytest.fail("Chromium is not installed: `apt-get install -y chromium fonts-noto-cjk` "
                    "(.ci/run installs it where missing).")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=list(CHROMIUM_ARGS))
        yield b
        b.close()


@contextmanager
def visit(browser: Browser, path: Path, width: int = 1280, height: int = 800):
    """Open ``path`` in a fresh offline context; yield a :class:`Visit` once the page has loaded."""
    ctx = browser.new_context(offline=True, service_workers="block", device_scale_factor=1,
                              viewport={"width": width, "height": height})
    page = ctx.new_page()
    v = Visit(page)

    def tried(url: str):
        if not url.startswith(LOCAL_SCHEMES) and url not in v.network:
            v.network.append(url)

    def guard(route):
        tried(route.request.url)
        if route.request.url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    ctx.route("**/*", guard)
    ctx.on("request", lambda r: tried(r.url))
    ctx.on("requestfailed", lambda r: r.url.startswith(LOCAL_SCHEMES) and not _probe_echo(v, r.url)
           and v.failed.append(f"{r.url}: {r.failure}"))
    page.on("websocket", lambda ws: tried(ws.url))
    page.on("pageerror", lambda e: v.errors.append(f"pageerror: {e}"))
    page.on("console", lambda m: m.type == "error" and not _probe_echo(v, m.text)
            and v.errors.append(f"console: {m.text}"))
    try:
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_load_state("networkidle")
        yield v
    finally:
        ctx.close()


def _probe_echo(v: Visit, what: str) -> bool:
    """DevTools' CSS domain, which the font probe enables, re-reads the page's own file; once the URL
    has a #fragment (reveal.js, a contents link), Chromium refuses that re-read ("'file:' URLs are
    treated as unique security origins") and says so as a failed request and a console error. That is
    the probe, not the page: only a re-read of the page itself, after a probe, is let through."""
    own = v.page.url.split("#")[0]
    return v.probed and (what == own or what.startswith(f"Unsafe attempt to load URL {own}"))


def _cjk_font_glyphs(v: Visit, selector: str) -> tuple[str, dict[str, int]]:
    """The text of the first element matching ``selector`` whose own text shows Chinese, and the
    platform fonts Chromium drew that text with ({family: glyphs}, from DevTools)."""
    page = v.page
    text = page.evaluate("""sel => {
        const el = [...document.querySelectorAll(sel)].find(e =>
            [...e.childNodes].some(n => n.nodeType === 3 && /[\\u4e00-\\u9fff]/.test(n.textContent)));
        if (!el) return null;
        el.setAttribute('data-cjk-probe', '');
        el.scrollIntoView({block: 'center'});
        return el.textContent;
    }""", selector)
    assert text, f"no element {selector!r} with Chinese text on {page.url}"
    v.probed = True
    cdp = page.context.new_cdp_session(page)
    try:
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        cdp.send("CSS.enable")
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "[data-cjk-probe]"})["nodeId"]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        cdp.detach()
    return text, {f["familyName"]: f["glyphCount"] for f in fonts}


def _assert_drawn_in_cjk_font(text: str, fonts: dict[str, int]):
    han = set(HAN.findall(text))
    cjk = sum(n for family, n in fonts.items() if "CJK" in family)
    assert han and cjk >= len(han), f"{text!r} was drawn with {fonts}: Chinese glyphs missing (tofu?)"


def _images(page: Page, selector: str = "img") -> list[dict]:
    return page.evaluate("""sel => [...document.querySelectorAll(sel)].map(i =>
        ({src: i.src.slice(0, 40), complete: i.complete, width: i.naturalWidth}))""", selector)


def test_noto_cjk_is_installed():
    fc = shutil.which("fc-list")
    assert fc, "fontconfig's fc-list is missing; install chromium fonts-noto-cjk"
    families = subprocess.run([fc, ":lang=zh", "family"], capture_output=True, text=True, check=True).stdout
    assert "Noto Sans CJK SC" in families, "fonts-noto-cjk is missing: `apt-get install -y fonts-noto-cjk`"


def test_detector_catches_network_loads(browser, tmp_path):
    page = tmp_path / "leaky.html"
    page.write_text("""<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">
<script src="https://cdn.example.com/lib.js"></script></head>
<body><p>中文</p><img src="http://example.org/chart.png">
<script>fetch("https://api.example.net/x").catch(() => {});</script></body></html>""", encoding="utf-8")
    with visit(browser, page) as v:
        pass
    assert {"https://fonts.googleapis.com/css?family=Roboto", "https://cdn.example.com/lib.js",
            "http://example.org/chart.png", "https://api.example.net/x"} <= set(v.network)
    with pytest.raises(AssertionError, match="tried the network"):
        v.assert_clean()


def test_detector_passes_a_local_page_and_flags_a_missing_file(browser, tmp_path):
    pixel = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
             "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    (tmp_path / "local.css").write_text("p { color: #333 }")
    page = tmp_path / "local.html"
    page.write_text(f'<!doctype html><html><head><link rel="stylesheet" href="local.css"></head>'
                    f'<body><img src="{pixel}"><p>ok</p></body></html>', encoding="utf-8")
    with visit(browser, page) as v:
        assert _images(v.page)[0]["width"] == 1
    v.assert_clean()
    page.write_text('<!doctype html><html><body><img src="gone.png"></body></html>', encoding="utf-8")
    with visit(browser, page) as v:
        pass
    assert not v.network and len(v.failed) == 1 and "gone.png" in v.failed[0]


KEPT_SHOTS = Path(__file__).resolve().parents[1] / "outputs" / "browser-check"


def _screenshot(target, e2e, name: str) -> None:
    """Screenshot a page or locator into the run's ``screenshots/`` and copy it to :data:`KEPT_SHOTS`."""
    path = e2e.out / "screenshots" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=path)
    KEPT_SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy2(path, KEPT_SHOTS / name)


def test_report_renders_offline_with_contents_charts_and_chinese(browser, e2e):
    with visit(browser, e2e.out / "report.html", 1280, 900) as v:
        page = v.page
        # a fragment names an id as written or percent-decoded (HTML's "indicated part of the document")
        toc = page.evaluate("""() => [...document.querySelectorAll('#toc a')].map(a => {
            const raw = a.hash.slice(1);
            return {text: a.textContent, target: !!(document.getElementById(raw) ||
                                                    document.getElementById(decodeURIComponent(raw)))}; })""")
        assert len(toc) >= 12 and page.locator("#toc").is_visible()
        assert [t["text"] for t in toc if not t["target"]] == [], "contents link to missing headings"
        chapters = [t["text"] for t in toc if t["text"].startswith("Chapter")]
        assert len(chapters) == 6, chapters
        _screenshot(page, e2e, "report.png")
        page.locator("#toc a", has_text=chapters[-1]).click()  # following a link scrolls to its chapter
        page.wait_for_function("() => window.scrollY > 0")
        top = page.evaluate("""t => [...document.querySelectorAll('h1')].find(h => h.textContent.includes(t))
                               .getBoundingClientRect().top""", chapters[-1])
        assert abs(top) < 50 and page.evaluate("() => window.scrollY") > 10_000
        images = _images(page)
        assert len(images) >= 20
        assert [i for i in images if not (i["complete"] and i["width"] > 0)] == [], "charts that did not decode"
        assert all(i["src"].startswith("data:image/png") for i in images)  # embedded: the file stands alone
        text, fonts = _cjk_font_glyphs(v, "table th, table td")
        _assert_drawn_in_cjk_font(text, fonts)
        table = page.locator("[data-cjk-probe]").locator("xpath=ancestor::table[1]")
        _screenshot(table, e2e, "report-zh-table.png")
    v.assert_clean()


def test_slides_render_offline_with_reveal_and_chinese(browser, e2e):
    with visit(browser, e2e.out / DECK, 1280, 720) as v:
        page = v.page
        page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=15_000)
        total = page.evaluate("() => Reveal.getTotalSlides()")
        assert total > 1 and page.locator(".reveal .slides section").count() > 1
        assert page.locator(".reveal.ready .slides section.present").count() >= 1
        _screenshot(page, e2e, "slides-01.png")
        images = _images(page, ".reveal .slides img")
        assert images and [i for i in images if not (i["complete"] and i["width"] > 0)] == []
        # the scoreboard: the first slide whose table has Chinese labels
        where = page.evaluate("""() => {
            const s = Reveal.getSlides().find(s =>
                s.querySelector('table') && /[\\u4e00-\\u9fff]/.test(s.textContent));
            return s ? Reveal.getIndices(s) : null; }""")
        assert where, f"no slide of {DECK} shows a table with Chinese labels"
        page.evaluate("w => Reveal.slide(w.h, w.v)", where)
        page.wait_for_function("w => { const i = Reveal.getIndices(); return i.h === w.h && i.v === w.v; }",
                               arg=where)
        here = ".reveal .slides section.present"
        text, fonts = _cjk_font_glyphs(v, f"{here} th, {here} td")
        _assert_drawn_in_cjk_font(text, fonts)
        page.evaluate("w => Reveal.slide(w.h, w.v)", where)  # the probe scrolled; back to the slide's layout
        _screenshot(page, e2e, "slides-zh.png")
    v.assert_clean()


def test_every_exported_page_stays_offline(browser, e2e):
    pages = sorted(e2e.out.glob("*.html"))
    assert len(pages) >= 14  # six chapter pages, six decks, report, index
    dirty = {}
    for path in pages:
        with visit(browser, path) as v:
            if path.name.endswith(".slides.html"):
                v.page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=15_000)
            broken = [i["src"] for i in _images(v.page) if not (i["complete"] and i["width"] > 0)]
        if v.network or v.failed or v.errors or broken:
            dirty[path.name] = (v.network + v.failed + v.errors + broken)[:3]
    assert dirty == {}, f"pages that are not self-contained offline: {dirty}"
