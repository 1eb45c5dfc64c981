"""One rule per field: the limits the library checks are the ones the app's controls offer."""

from __future__ import annotations

import math

import pytest

from diffusion import finetune, forward, limits, toy2d
from diffusion.limits import Limit, LimitError
from diffusion.particles import ParticleParams


def test_check_parses_numbers_and_says_what_is_wrong() -> None:
    steps = Limit("Steps", 1, 10, integer=True)
    assert steps.check("7") == 7 and isinstance(steps.check(7.0), int)
    assert Limit("eta", 0, 1).check("0.25") == 0.25
    for bad, kind in [(11, "range"), (0, "range"), (2.5, "whole"), ("x", "number"), (None, "number"),
                      (math.nan, "range"), (math.inf, "range"), (True, "number")]:  # fmt: skip
        with pytest.raises(LimitError) as info:
            steps.check(bad)
        assert info.value.kind == kind and info.value.value is bad
    with pytest.raises(LimitError) as info:
        steps.check(11)
    assert str(info.value) == "Steps must be between 1 and 10, got 11."
    assert steps.named("Chains").check(3) == 3
    with pytest.raises(LimitError, match=r"^Chains must"):
        steps.named("Chains").check(30)


@pytest.mark.parametrize(
    ("call", "limit"),
    [
        (lambda v: finetune.RunSpec(batch_size=v), limits.BATCH_SIZE),
        (lambda v: finetune.RunSpec(steps=v), limits.TRAIN_STEPS),
        (lambda v: forward.post_betas(v), limits.POST_STEPS),
        (lambda v: toy2d.make_dataset("moons", v), limits.POINTS),
        (lambda v: ParticleParams(drift_coeff=v), limits.DRIFT),
    ],
)
def test_the_library_refuses_exactly_past_the_limit(call, limit) -> None:
    """The library accepts its limit's ends and refuses one step past them, with the limit's own message."""
    for edge in (limit.lo, limit.hi):
        call(int(edge) if limit.integer else edge)
    step = 1 if limit.integer else 1e-3
    for outside in (limit.lo - step, limit.hi + step):
        with pytest.raises(LimitError, match=f"^{limit.name} must be between"):
            call(int(outside) if limit.integer else outside)


def test_every_number_field_of_the_app_is_built_from_a_limit() -> None:
    """No slider or number box of the app offers a range its checks do not share (only the scrubber, whose range
    is the stored steps of a run, and the hidden point fields of the API's trace are plain Gradio fields)."""
    import gradio as gr

    import app
    from panels.components import Number, Slider

    plain = []
    for block in app.demo.blocks.values():
        if isinstance(block, Slider | Number):
            assert (block.minimum, block.maximum) == (block.limit.lo, block.limit.hi)
        elif isinstance(block, gr.Slider | gr.Number) and block.visible is not False:
            plain.append(getattr(block, "elem_id", None))
    assert plain and all(p and p.startswith("reverse-scrub") for p in plain), plain


def test_bounds_are_written_as_a_reader_writes_them() -> None:
    """Seeds go to 2**32 - 1: the message gives the number in full, not "4.29497e+09"."""
    from diffusion import limits

    with pytest.raises(limits.LimitError) as caught:
        limits.SEED.check(-3)
    assert str(caught.value) == "Seed must be between 0 and 4,294,967,295, got -3."
    assert limits.shown(1e-4) == "0.0001" and limits.shown(0.5) == "0.5" and limits.shown(1000) == "1,000"
