"""One rule for every number field: a value out of its range is refused before the queue, naming the field, in the
reader's language; an empty box on the page is waited for; a handler never sees a refused value."""

from __future__ import annotations

import asyncio

import gradio as gr
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import ValidationError

from panels import checks
from tests.refusals import REFUSED

VIEW = {"color": "grayscale", "size": 64, "schedule": "cosine", "T": 1000}


def view(client: Client, t: object) -> tuple:
    """/forward_view of the example photograph at timestep ``t``."""
    image = handle_file("examples/grace_hopper.jpg")
    return client.predict(image, *VIEW.values(), t, 0, api_name="/forward_view")  # t, then the seed


def test_every_event_with_a_number_field_is_checked_before_the_queue() -> None:
    import app

    covered = [
        fn for fn in app.demo.fns.values() if fn.fn is not None and any(getattr(b, "refuses", False) for b in fn.inputs)
    ]
    assert len(covered) > 40  # every panel has number fields
    for fn in covered:
        assert fn.validator is not None and getattr(fn.validator, "ours", False), fn.api_name
        assert getattr(fn.fn, "refusing", False), fn.api_name


@pytest.mark.parametrize(
    ("t", "message"),
    [
        (5000, r"Timestep t must be between 0 and 3,999, got 5000\."),
        (2.5, r"Timestep t must be a whole number, got 2\.5\."),
        ("abc", r"Timestep t must be a number between 0 and 3,999, got 'abc'\."),
        (None, r"Timestep t must be a number between 0 and 3,999, got None\."),  # an API call is told, not waited on
    ],
)
def test_a_value_out_of_range_is_refused_before_the_queue_naming_the_field(client, t, message) -> None:
    with pytest.raises(ValidationError, match=message):
        view(client, t)


def test_the_refusal_is_in_the_readers_language(client) -> None:
    zh = Client(client.src, headers={"accept-language": "zh-CN"}, verbose=False)
    with pytest.raises(ValidationError, match=r"时间步 t 必须在 0 到 3,999 之间,收到的是 5000。"):
        view(zh, 5000)


def test_a_valid_value_still_runs(client) -> None:
    _, _, numbers = view(client, 900)
    assert "**t = 900**" in numbers


def test_a_handler_reached_without_its_validator_refuses_with_the_message() -> None:
    """An MCP call or an event outside the queue runs no validator: the handler raises the field's message."""
    refused = checks.Refused("Seed must be between 0 and 4,294,967,295, got -3.")

    def plain(a: int, b: int) -> int:
        return a + b

    def stream(a: int):
        yield a

    async def coroutine(a: int) -> int:
        return a

    async def async_stream(a: int):
        yield a

    assert checks.refusing(plain)(1, b=2) == 3
    assert list(checks.refusing(stream)(4)) == [4]
    assert asyncio.run(checks.refusing(coroutine)(5)) == 5
    with pytest.raises(gr.Error, match="Seed must be between"):
        checks.refusing(plain)(1, b=refused)
    with pytest.raises(gr.Error, match="Seed must be between"):
        list(checks.refusing(stream)(refused))
    with pytest.raises(gr.Error, match="Seed must be between"):
        asyncio.run(checks.refusing(coroutine)(refused))

    async def drain() -> None:
        async for _ in checks.refusing(async_stream)(refused):
            pass

    with pytest.raises(gr.Error, match="Seed must be between"):
        asyncio.run(drain())


def test_an_empty_box_is_waited_for_on_the_page_and_told_to_an_api_client() -> None:
    from diffusion import limits
    from panels import i18n

    assert checks.refuse(limits.TIMESTEP, 7) == 7
    told = checks.refuse(limits.TIMESTEP, None)
    assert isinstance(told, checks.Refused) and not told.quiet
    token = i18n._ON_PAGE.set(True)
    try:
        waited = checks.refuse(limits.TIMESTEP, None)
        out_of_range = checks.refuse(limits.TIMESTEP, 10**9)
    finally:
        i18n._ON_PAGE.reset(token)
    assert waited.quiet and not out_of_range.quiet
    verdicts = checks.validator(None, None)(waited, out_of_range)
    assert [v["is_valid"] for v in verdicts] == [False, False]
    assert verdicts[0]["message"] == "" and "got 1000000000" in verdicts[1]["message"]


def test_a_refusal_keeps_the_api_serving(client) -> None:
    with pytest.raises(REFUSED):
        view(client, -1)
    assert "**t = 250**" in view(client, 250)[2]
