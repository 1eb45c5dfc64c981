"""The words-to-pictures panel in chromium: a Chinese prompt generates and is read back, an unknown word is named
in a toast and the last good grid stays, and the other views answer their buttons."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_chinese_prompt_draws_and_an_unknown_word_keeps_the_last_grid(open_page) -> None:
    from panels import words

    page = open_page("/words?lang=zh", locale="zh-CN")
    prompt = page.locator("#words-prompt_page textarea")
    # a Chinese page starts from the Chinese prompt (and its own samples): typed over only once it arrived
    chinese_default = words.scenes.caption(words.DEFAULT_SCENE, "zh")
    expect(prompt).to_have_value(chinese_default, timeout=60_000)
    expect(page.locator(".pending, .generating")).to_have_count(0, timeout=60_000)
    prompt.fill("左边一个大的白色 8 和右边一个小的紫色正方形")
    page.get_by_role("button", name="生成 8 个场景").click()
    status = page.locator("#words-status_page")
    expect(status).to_contain_text("评判模型发现", timeout=60_000)
    # the event ends a moment after its last result: a click before then is ignored (trigger_mode "once")
    expect(page.locator(".pending, .generating")).to_have_count(0, timeout=60_000)
    grid = page.locator("#words-x0_page img")
    before = grid.get_attribute("src")
    prompt.fill("左边一个大的猫")
    page.get_by_role("button", name="生成 8 个场景").click()
    expect(page.get_by_text("不认识的词:“猫”")).to_be_visible(timeout=30_000)
    expect(grid).to_have_attribute("src", before)  # the last good grid stays


def test_the_views_answer_their_buttons(open_page) -> None:
    page = open_page("/words")
    page.get_by_role("button", name="Encode and decode").click()
    expect(page.get_by_text("6,912 numbers → 576 → 6,912")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Show where each word looks").click()
    expect(page.get_by_text("prompt tokens: a · big · red")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("English words have their Chinese translation")).to_be_visible()
