"""One real click-through of the app shell and the Markov panel in chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def choose_language(page, name: str) -> None:
    """Pick a language with the page's switch (English · 中文): the page reloads in it."""
    page.locator(".lang-switch").first.get_by_role("link", name=name, exact=True).click()
    # the new page's answer is enough: its "load" event waits for every image and film, slow on a busy machine
    # (the assertions that follow wait for what they need)
    page.wait_for_url(f"**lang={'zh' if name == '中文' else 'en'}*", wait_until="commit")


def test_language_switch_and_markov_panel(page) -> None:
    expect(page.get_by_role("heading", name="Diffusion from first principles")).to_be_visible()
    page.get_by_role("tab", name="2 · Markov chains").click()
    # The panel runs once on load: the path strip and the plots are there without a click.
    expect(page.locator(".markov-path").first).to_be_visible()

    choose_language(page, "中文")
    expect(page.get_by_role("heading", name="从第一性原理理解扩散模型")).to_be_visible()
    # every tab's name, not only the open one's (a forced language reloads the page in it)
    expect(page.get_by_role("tab", name="2 · 马尔可夫链")).to_be_visible()
    # Gradio's Settings offers the two languages this app has, as the same links
    page.locator("button.settings").click()
    expect(page.locator(".settings-languages").get_by_role("link")).to_have_count(2)
    page.get_by_role("dialog").locator("button").first.click()
    choose_language(page, "English")
    expect(page.get_by_role("heading", name="Diffusion from first principles")).to_be_visible()
    page.get_by_role("tab", name="2 · Markov chains").click()

    path = page.locator(".markov-path").first
    before = path.inner_text()
    page.get_by_label("Seed", exact=True).filter(visible=True).first.fill("123")
    page.get_by_role("button", name="Simulate", exact=True).first.click()
    expect(path).not_to_have_text(before)  # a new path, drawn from the new seed
    # Four plots (diagram, n-step laws, convergence, Gaussian chain) are drawn as images.
    # (counted among the visible ones: the thermodynamics tab, visited first, keeps its default plots)
    plots = page.locator(".js-plotly-plot, img[src^='data:image/png']").filter(visible=True)
    expect(plots).to_have_count(4)
    expect(page.get_by_text("Sunny 0.750000, Rainy 0.250000")).to_be_visible()


def test_standalone_route_shows_only_the_panel(open_page) -> None:
    page = open_page("/markov", locale="zh-CN")
    expect(page.get_by_role("heading", name="马尔可夫链:明天只取决于今天")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name="从第一性原理理解扩散模型")).to_have_count(0)
    expect(page.locator(".markov-path").first).to_be_visible(timeout=30_000)
    # Three states: the matrix grows to 3 x 3 and the start menu offers Cloudy.
    page.get_by_label("3", exact=True).check()
    expect(page.get_by_role("columnheader", name="→ 阴")).to_be_visible()  # the states named in Chinese
    page.get_by_role("button", name="模拟", exact=True).click()
    expect(page.get_by_text("晴 0.", exact=False).first).to_be_visible()
    expect(page.get_by_text("阴 0.", exact=False).first).to_be_visible(timeout=30_000)
