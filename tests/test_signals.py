"""The app stops on SIGTERM (a Space restart), even after pygame has rendered: pygame must not swallow it."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_sigterm_ends_a_process_that_rendered_with_pygame() -> None:
    code = textwrap.dedent(
        """
        import time
        import numpy as np
        import pygame
        from diffusion import particles, render
        params = particles.ParticleParams()
        system = particles.ParticleSystem(params, 100, np.random.default_rng(0))
        render.Renderer(params).draw(system)
        pygame.display.init()  # what installs the handlers, unless SDL_NO_SIGNAL_HANDLERS is set
        print("ready", flush=True)
        time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        while (line := proc.stdout.readline()) and line.strip() != "ready":  # pygame prints a greeting first
            pass
        assert line.strip() == "ready"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == -signal.SIGTERM
    finally:
        proc.kill()
