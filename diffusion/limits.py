"""Every limit on what a visitor, an API client or a caller of the library may ask for, defined once.

A ``Limit`` names a field (as the visitor sees it, in English) and its range. The library checks its inputs with
it (``Limit.check`` raises ``LimitError``, a ``ValueError``); the app builds its sliders and number boxes from the
same object and checks API values with it too, translating the message. So the UI can never offer what the
library refuses, and a limit is changed in one place.

Work caps (products such as particles x frames) are plain numbers: they bound the cost of one request on a shared
2-core machine (bench/README.md gives what each costs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

MESSAGES = {  # the English messages; the app has them in Chinese too
    "number": "{name} must be a number between {lo} and {hi}, got {value!r}.",
    "range": "{name} must be between {lo} and {hi}, got {value!r}.",
    "whole": "{name} must be a whole number, got {value!r}.",
}


class LimitError(ValueError):
    """A value outside its ``Limit``: ``kind`` is a key of ``MESSAGES``; the other fields fill it in."""

    def __init__(self, kind: str, name: str, lo: float, hi: float, value: Any) -> None:
        self.kind, self.name, self.lo, self.hi, self.value = kind, name, lo, hi, value
        super().__init__(MESSAGES[kind].format(name=name, lo=shown(lo), hi=shown(hi), value=value))


def shown(x: float) -> str:
    """A bound as a reader writes it: whole numbers in full with thousands separators ("4,294,967,295", not
    "4.29497e+09"), others in the shortest form ("0.0001", "0.5")."""
    return f"{int(x):,}" if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


@dataclass(frozen=True)
class Limit:
    """A number field: ``name`` (English, as shown), inclusive range [lo, hi], whole numbers when ``integer``."""

    name: str
    lo: float
    hi: float
    integer: bool = False

    def named(self, name: str) -> Limit:
        """The same range under another field name (two fields, one rule)."""
        return replace(self, name=name)

    def check(self, value: Any) -> Any:
        """``value`` as a float (an int when ``integer``: 5.0 is accepted, 5.5 is not), or ``LimitError``."""
        if isinstance(value, bool):
            raise LimitError("number", self.name, self.lo, self.hi, value)
        try:
            x = float(value)
        except (TypeError, ValueError):
            raise LimitError("number", self.name, self.lo, self.hi, value) from None
        if not math.isfinite(x) or not self.lo <= x <= self.hi:
            raise LimitError("range", self.name, self.lo, self.hi, value)
        if self.integer:
            if x != int(x):
                raise LimitError("whole", self.name, self.lo, self.hi, value)
            return int(x)
        return x


SEED = Limit("Seed", 0, 2**32 - 1, integer=True)

# Markov chains (diffusion.markov)
STATES = Limit("Number of states", 2, 4, integer=True)
CHAIN_STEPS = Limit("Number of steps", 1, 10_000, integer=True)
CHAINS = Limit("Number of chains", 1, 10_000, integer=True)
CHAIN_WORK = 10_000_000  # chain-steps per request: ~0.1 s of simulation on 2 cores
PROBABILITY = Limit("Probability", 0.0, 1.0)
GAUSS_BETA = Limit("β", 1e-4, 0.5)
GAUSS_STEPS = Limit("Number of steps", 1, 2000, integer=True)

# The forward process (diffusion.forward, diffusion.schedules)
T = Limit("T", 2, 4000, integer=True)  # the panel's chains (schedules.MAX_T allows longer ones)
TIMESTEP = Limit("Timestep t", 0, 3999, integer=True)  # and at most T - 1 of the chosen schedule
STRIP = 12  # images in one strip of x_t
POST_STEPS = Limit("Steps", 1, 20, integer=True)  # the post's demo chain
POST_BETA = Limit("β", 0.001, 0.9)

# Sampling the UNets (diffusion.sampling, diffusion.digit_eval, diffusion.inversion)
SAMPLING_STEPS = Limit("Steps", 1, 1000, integer=True)  # at most the model's T
ETA = Limit("eta", 0.0, 1.0)
GUIDANCE = Limit("Guidance", 0.0, 20.0)
INVERSION_STEPS = Limit("Inversion steps", 2, 200, integer=True)
MIX = Limit("Mix", 0.0, 1.0)
DIGITS_PER_REQUEST = 16  # one 4 x 4 grid: seeds seed .. seed + 15
DIGIT_SEED = Limit("Seed", 0, 2**32 - 1 - DIGITS_PER_REQUEST, integer=True)
BATCH_NUMBER = Limit("Batch", 0, 10**9, integer=True)  # a batch of the digits' training stream
SCENES_PER_REQUEST = 8  # the words-to-pictures grid: seeds seed .. seed + 7
SCENE_SEED = Limit("Seed", 0, 2**32 - 1 - SCENES_PER_REQUEST, integer=True)
FRESH_SCENES = Limit("Which fresh scene (a seed)", 0, 10**6 - 1, integer=True)  # of the judge's evaluation scenes
FRESH_DIGITS = Limit("Digits", 0, 10**9, integer=True)  # a batch of the evaluation stream (never trained on)
MODEL_TIMESTEP = Limit("Timestep t", 0, 999, integer=True)  # a timestep of the shipped models (T = 1000)

# The particle films (diffusion.particles, diffusion.render)
FPS = 60  # the post's clock.tick(60): one simulation step per frame
PARTICLES = Limit("Particles", 10, 50_000, integer=True)
FILM_SECONDS = Limit("Duration (s)", 1, 20)
TEMPERATURE = Limit("Temperature", 0.05, 2.0)  # LEFT_TEMP, RIGHT_TEMP (and the ink drop's)
DRIFT = Limit("DRIFT_COEFF", 0.0, 3.0)
DIFFUSION_BASE = Limit("DIFFUSION_BASE", 0.0, 30.0)
SKIP_SECONDS = Limit("Skip ahead (s)", 0, 120)
FILM_WORK = 30_000_000  # particle-frames filmed per request: about 15 s of work on 2 cores
SKIP_WORK = 150_000_000  # particle-steps simulated before filming: about 8 s (no rendering)

# Fine-tuning on an image (diffusion.finetune)
TRAIN_STEPS = Limit("Steps", 1, 5000, integer=True)  # per Start or Resume
LEARNING_RATE = Limit("Learning rate", 1e-6, 0.1)
BATCH_SIZE = Limit("Batch size", 1, 16, integer=True)
EMA_DECAY = Limit("EMA decay", 0.0, 0.9999)
PREVIEW_EVERY = Limit("Preview every", 1, 1000, integer=True)

# The 2-D point clouds (diffusion.toy2d)
POINTS = Limit("Number of points", 100, 20_000, integer=True)
POINT_TRAIN_STEPS = Limit("Training steps", 100, 20_000, integer=True)
POINT_SAMPLE_STEPS = Limit("Sampling steps", 1, 1000, integer=True)
POINT_SEED = Limit("Seed", 0, 1000, integer=True)  # the 2-D models are trained (and kept) per seed: a short list
POINT_GUIDANCE = Limit("Guidance w", -1.0, 20.0)
FLOW_TIME = Limit("Time s", 0.0, 1.0)
TEXT_CHARACTERS = 12  # a word drawn as points
DRAWING_PIXELS = 4_000_000  # a drawing from the 400 x 400 canvas: anything far larger is not one (read from its header)
