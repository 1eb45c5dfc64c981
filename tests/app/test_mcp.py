"""The app as an MCP server: an MCP client lists the tools and calls two of them against the running app."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import app


def mcp_session(app_url: str, work):
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def run():
        async with (
            streamable_http_client(app_url + "/gradio_api/mcp/") as (read, write, _),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return await work(session)

    # in a thread of its own: Playwright's sync API (browser tests in the same session) keeps an event loop running
    # in the main thread, where asyncio.run would refuse to start
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def test_the_documented_tools_are_listed_and_session_endpoints_are_not(app_url) -> None:
    async def work(session):
        return {t.name: t for t in (await session.list_tools()).tools}

    tools = mcp_session(app_url, work)
    assert set(tools) == set(app.MCP_TOOLS)
    for name, tool in tools.items():
        assert tool.description.startswith(app.MCP_TOOLS[name][:40])
    assert {"n_steps", "n_chains", "seed"} <= set(tools["markov_simulate"].inputSchema["properties"])
    for private in ("train_start", "reverse_trajectory", "reverse_load", "points_train", "train_push"):
        assert private not in tools


def test_an_agent_calls_the_gaussian_chain_and_the_digits_model(app_url) -> None:
    async def work(session):
        gaussian = await session.call_tool(
            "markov_gaussian", {"beta": 0.02, "start": "x0 = 3", "n_steps": 300, "seed": 0}
        )
        digits = await session.call_tool(
            "digits_generate", {"label": "7", "guidance": 1.0, "steps": 4, "sampler": "DDIM", "eta": 0.0, "seed": 0}
        )
        return gaussian, digits

    gaussian, digits = mcp_session(app_url, work)
    assert not gaussian.isError and not digits.isError
    text = " ".join(c.text for c in gaussian.content if getattr(c, "type", "") == "text")
    assert "N(0, 1)" in text or "mean" in text.lower()
    digit_text = " ".join(c.text for c in digits.content if getattr(c, "type", "") == "text")
    assert "DDIM-4" in digit_text and "classified_as" in digit_text
