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


def _png() -> str:
    import base64
    import io

    from PIL import Image, ImageDraw

    image = Image.new("L", (48, 48), 255)
    ImageDraw.Draw(image).ellipse((8, 8, 40, 40), fill=0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


PNG = _png()
HEAVY_TOOLS = ("reverse_compare", "digits_compare")
CHEAP = {"steps": 2, "n_steps": 20, "n_chains": 100}  # the values are what is checked, not the work
JSON_TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool}


def test_every_tools_schema_allows_its_own_choices_and_each_is_accepted(app_url) -> None:
    """Each enum's values have the type its schema declares (an MCP client validates calls against it: a "string"
    radio of integer sizes refused both 32 and "32"), and forward_view runs at each size it offers."""

    async def work(session):
        tools = {t.name: t for t in (await session.list_tools()).tools}
        size = tools["forward_view"].inputSchema["properties"]["size"]
        results = {}
        for value in size["enum"]:
            args = {"image": PNG, "color": "grayscale", "size": value}
            args.update(schedule="linear", T=1000, t_value=500, seed=0)
            results[value] = await session.call_tool("forward_view", args)
        return tools, size, results

    tools, size, results = mcp_session(app_url, work)
    for name, tool in tools.items():
        for field, schema in tool.inputSchema.get("properties", {}).items():
            if "enum" in schema and schema.get("type") in JSON_TYPES:
                kind = JSON_TYPES[schema["type"]]
                assert all(isinstance(v, kind) for v in schema["enum"]), (name, field, schema)
    assert size["type"] == "integer" and size["enum"] == [32, 64, 128, 256]
    for value, result in results.items():
        text = " ".join(c.text for c in result.content if getattr(c, "type", "") == "text")
        assert not result.isError, (value, text)
        assert "image.png" in text and "mime_type" in text, (value, text[:300])  # x_t came back, as a file


def test_each_allowed_value_of_every_tool_is_accepted(app_url) -> None:
    """An agent may use any value a tool's schema offers: each enum value of each tool, the others at their
    defaults (images: a small drawing), gets an answer, not a refusal. The comparisons cost 5-20 s each (they
    have no size to turn down): their choices are called once, at the default, and typed by the test above."""

    async def work(session):
        answers = []
        for tool in (await session.list_tools()).tools:
            props = tool.inputSchema.get("properties", {})
            base = {k: s["default"] for k, s in props.items() if "default" in s}
            base.update({k: PNG for k in props if "image" in k})  # a file's default is the server's own path
            base.update({k: v for k, v in CHEAP.items() if k in props})
            if tool.name in HEAVY_TOOLS:
                result = await session.call_tool(tool.name, base)
                answers.append((tool.name, "", "defaults", result.isError, ""))
                continue
            for field, schema in props.items():
                for value in schema.get("enum", []):
                    result = await session.call_tool(tool.name, {**base, field: value})
                    text = " ".join(c.text for c in result.content if getattr(c, "type", "") == "text")
                    answers.append((tool.name, field, value, result.isError, text[:200]))
        return answers

    answers = mcp_session(app_url, work)
    assert len(answers) >= 10  # sizes, schedules, samplers, colours, digits...
    refused = [a for a in answers if a[3]]
    assert not refused, refused


def test_an_agent_draws_a_scene_from_words(app_url) -> None:
    async def work(session):
        args = {"prompt": "a big red 3 on the left", "negative": "", "guidance": 3.0, "steps": 4, "seed": 0}
        good = await session.call_tool("words_generate", args)
        bad = await session.call_tool("words_generate", {**args, "prompt": "a red banana"})
        return good, bad

    good, bad = mcp_session(app_url, work)
    text = " ".join(c.text for c in good.content if getattr(c, "type", "") == "text")
    assert not good.isError and "DDIM-4" in text and "judge_reads" in text
    assert bad.isError and "banana" in " ".join(c.text for c in bad.content if getattr(c, "type", "") == "text")
