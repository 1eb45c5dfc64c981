"""Embeds as a blog uses them, in chromium: the web component and the iframe in a 700 px column, a phone, a link
that forces Chinese in an English browser, a link that sets an experiment, alt texts."""

from __future__ import annotations

import http.server
import re
import socket
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def blog(tmp_path_factory) -> Iterator:
    """blog(body) -> the URL of a local blog page with a 700 px column holding ``body`` (another origin)."""
    folder = tmp_path_factory.mktemp("blog")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(folder), **kwargs)

        def log_message(self, *args) -> None:
            pass

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    count = iter(range(1000))

    def _page(body: str) -> str:
        name = f"post{next(count)}.html"
        (folder / name).write_text(
            '<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
            f'</head><body style="margin:0"><h1>A blog post</h1><main style="width:700px">{body}</main></body></html>'
        )
        return f"http://127.0.0.1:{port}/{name}"

    yield _page
    server.shutdown()


def new_page(browser, width: int, locale: str = "en-US"):
    context = browser.new_context(viewport={"width": width, "height": 1000}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(60_000)
    return context, page


def test_the_web_component_in_a_blog_column_runs_in_the_forced_language(browser, app_url, blog) -> None:
    url = blog(
        f'<script type="module" src="{app_url}/gradio.js"></script>'
        f'<gradio-app src="{app_url}/embed/lang=zh&steps=50&seed=7/markov"></gradio-app>'
    )
    context, page = new_page(browser, 740)
    try:
        page.goto(url)
        app = page.locator("gradio-app")
        expect(app.get_by_role("heading", name="马尔可夫链:明天只取决于今天")).to_be_visible(timeout=60_000)
        expect(app.get_by_text("本页从链接中的实验设置开始")).to_be_visible()
        path = app.locator(".markov-path").first
        expect(app.get_by_text("第 0–50 天,共 51 天")).to_be_visible()  # the link's 50 steps, the server's Chinese
        app.get_by_label("随机种子").first.fill("8")
        before = path.inner_text()
        app.get_by_role("button", name="模拟", exact=True).first.click()
        expect(path).not_to_have_text(before)
        assert page.evaluate("document.documentElement.scrollWidth") <= 740  # nothing wider than the column
    finally:
        context.close()


def test_the_iframe_embed_starts_from_its_link(browser, app_url, blog) -> None:
    url = blog(f'<iframe src="{app_url}/markov?g_steps=100&g_seed=3&beta=0.05" width="100%" height="3300"></iframe>')
    context, page = new_page(browser, 740)
    try:
        page.goto(url)
        frame = page.frame_locator("iframe")
        expect(frame.get_by_text("This page starts from the experiment in its link")).to_be_visible(timeout=60_000)
        expect(frame.get_by_text("t = 100: ᾱ_t").first).to_be_visible(timeout=60_000)
    finally:
        context.close()


def test_a_link_reproduces_the_apis_numbers(open_page, client) -> None:
    page = open_page("/markov?g_steps=100&g_seed=3&beta=0.05")
    expected = client.predict(0.05, "x0 = 3", 100, 3, api_name="/markov_gaussian")[1]
    mean_row = next(line for line in expected.splitlines() if line.startswith("| E[x_t]"))
    numbers = re.findall(r"[+-]\d\.\d{4}", mean_row)
    row = page.get_by_role("row").filter(has_text="E[x_t]").first
    for number in numbers:
        expect(row).to_contain_text(number, timeout=60_000)


def test_forward_fits_a_phone_and_every_image_has_alt_text(browser, app_url) -> None:
    context, page = new_page(browser, 390)
    try:
        page.goto(f"{app_url}/forward")
        expect(page.locator(".strip img").first).to_be_attached(timeout=60_000)
        expect(page.locator("img[alt*='pixel value']").first).to_be_attached()  # the histogram, by its axes
        page.wait_for_timeout(1000)
        width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width[0] <= width[1], f"horizontal overflow on a phone: {width}"
        missing = page.evaluate(
            "[...document.querySelectorAll('.block img')].filter(i => !i.alt || /undefined/.test(i.alt)).length"
        )
        assert missing == 0
    finally:
        context.close()


def test_lang_zh_in_an_english_browser_shows_chinese_plots_statuses_and_errors(open_page) -> None:
    page = open_page("/forward?lang=zh", locale="en-US")
    expect(page.get_by_role("heading", name=re.compile("前向过程"))).to_be_visible(timeout=60_000)
    expect(page.get_by_text("像素均值").first).to_be_visible(timeout=60_000)  # the server's status line
    expect(page.locator("img[alt*='像素值']").first).to_be_attached()  # a plot drawn in Chinese
    box = page.get_by_label("时间步(逗号分隔,最多 12 个)")
    box.fill("abc")
    page.get_by_role("button", name="显示", exact=True).click()
    expect(page.get_by_text("时间步必须是用逗号分隔的整数").first).to_be_visible()  # the error toast


def test_the_embed_code_control_writes_both_snippets_for_the_current_settings(open_page) -> None:
    page = open_page("/markov")
    page.get_by_label("Seed", exact=True).first.fill("42")
    page.get_by_text("Embed this experiment").click()
    page.get_by_role("button", name="Make the embed code").click()
    code = page.locator(".embed-code .cm-content")
    expect(code).to_contain_text("/markov?", timeout=30_000)
    expect(code).to_contain_text("seed=42")
    expect(code).to_contain_text("<gradio-app src=")


CONTRAST = """(els) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  return els.filter((e) => e.offsetParent && e.textContent.trim()).map((e) => {
    const a = lum(rgb(getComputedStyle(e).color).slice(0, 3)), b = lum(background(e));
    return [e.textContent.trim().slice(0, 30), (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
  });
}"""


def test_labels_are_readable_focus_is_visible_and_plots_follow_the_dark_theme(open_page) -> None:
    page = open_page("/markov")
    expect(page.locator(".markov-path").first).to_be_visible(timeout=60_000)
    ratios = page.locator("[data-testid=block-label], .block label span, .prose p").evaluate_all(CONTRAST)
    assert ratios and min(r for _, r in ratios) >= 4.5, sorted(ratios, key=lambda r: r[1])[:3]
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineWidth")
    assert float(outline.rstrip("px")) >= 2, outline
    dark = open_page("/markov?__theme=dark")
    plot = dark.locator(".matplotlib img").first
    expect(plot).to_be_attached(timeout=60_000)
    assert "invert" in plot.evaluate("el => getComputedStyle(el).filter")
