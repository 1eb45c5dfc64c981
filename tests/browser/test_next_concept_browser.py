"""The panels read as one story: each ends with a way to the next concept, in tabs and on the routes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_next_buttons_walk_the_tabs_in_the_posts_order(open_page) -> None:
    page = open_page("/")
    page.get_by_role("button", name="Next: 2 · Markov chains →").click()
    expect(page.get_by_role("tab", name="2 · Markov chains")).to_have_attribute("aria-selected", "true")
    page.get_by_role("button", name="Next: 3 · Forward process →").click()
    expect(page.get_by_role("tab", name="3 · Forward process")).to_have_attribute("aria-selected", "true")


def test_a_panel_alone_on_its_route_links_to_the_next_route(open_page) -> None:
    page = open_page("/markov")
    page.get_by_text("Next: 3 · Forward process →").click()
    expect(page).to_have_url(re.compile(r"/forward/?$"))
    expect(page.get_by_text("Next: 4 · Reverse process →")).to_be_visible()
