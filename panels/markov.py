"""Markov-chain panel: the source post's sunny/rainy chain, editable, simulated, and its long run.

Endpoints (``gradio_client``):
- ``/markov_simulate(matrix, start, n_steps, n_chains, seed)`` -> (path HTML, diagram, convergence
  plot, n-step plot, stationary-law Markdown). ``matrix`` is a k x k table (k = 2..4) given as
  ``{"headers": [...], "data": [[...], ...]}``; ``start`` is a state name (Sunny, Rainy, ...).
- ``/markov_gaussian(beta, start, n_steps, seed)`` -> (histogram/moments plot, Markdown).
"""

from __future__ import annotations

from typing import Any

import gradio as gr
import numpy as np
import pandas as pd

from diffusion import limits, markov
from panels import common
from panels.common import (
    Number,
    PanelContext,
    Plot,
    Slider,
    as_choice,
    as_seed,
    check,
    make_translator,
    memo,
    say,
    user_errors,
)
from panels.markov_plots import (
    STATE_NAMES,
    convergence_figure,
    gaussian_chain_figure,
    n_step_figure,
    path_strip_html,
    state_name,
    transition_diagram,
)
from panels.markov_strings import STRINGS
from panels.priority import cheap

# deterministic (seeded) requests answered again from memory (a hit costs milliseconds)
CACHE_SIZE = 64

t = make_translator(STRINGS)

MAX_STATES = int(limits.STATES.hi)
NSTEP_HORIZON = 40  # p0 P^n converges in a few steps for most chains; 40 shows periodic ones too
GAUSS_SAMPLES = 20_000
GAUSS_STARTS = {
    "x0 = 3": lambda m: np.full(m, 3.0),
    "x0 = ±3 (two spikes)": lambda m: np.where(np.arange(m) % 2 == 0, -3.0, 3.0),
    "x0 ~ Uniform(2, 4)": lambda m: np.linspace(2.0, 4.0, m),
}
SEED_MATRIX = [[0.8, 0.2], [0.6, 0.4]]  # the source post's weather chain


def state_choices(k: int) -> list[tuple[Any, str]]:
    """The first ``k`` states as choices: the name in the reader's language, the English name as the value."""
    return [(t(f"markov.state_{name}"), name) for name in STATE_NAMES[:k]]


def matrix_frame(matrix: list[list[float]]) -> pd.DataFrame:
    """A transition matrix as the table the UI edits: rows 'from', columns 'to'."""
    names = [state_name(i) for i in range(len(matrix))]
    return pd.DataFrame(matrix, columns=[f"→ {n}" for n in names], index=names)


def parse_matrix(table: Any) -> np.ndarray:
    """Read the edited table (DataFrame, dict with 'data', or nested lists) as a float64 array."""
    if isinstance(table, pd.DataFrame):
        rows = table.values.tolist()
    elif isinstance(table, dict) and "data" in table:
        rows = table["data"]
    else:
        rows = table
    if not isinstance(rows, list) or not rows or not all(isinstance(r, list) for r in rows):
        raise gr.Error("The transition matrix must be a non-empty table of numbers.")
    if len(rows) > MAX_STATES:
        raise gr.Error(f"At most {MAX_STATES} states are supported, got {len(rows)} rows.")
    out = np.empty((len(rows), max(len(r) for r in rows)))
    for i, row in enumerate(rows):
        if len(row) != len(rows):
            raise gr.Error(
                f"The transition matrix must be square: row {i + 1} has {len(row)} entries, not {len(rows)}."
            )
        for j, cell in enumerate(row):
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                raise gr.Error(f"Row {i + 1}, column {j + 1} is empty: type a probability.")
            try:
                out[i, j] = float(cell)
            except (TypeError, ValueError):
                raise gr.Error(f"Row {i + 1}, column {j + 1} is not a number: {cell!r}.") from None
            if not np.isfinite(out[i, j]):
                raise gr.Error(f"Row {i + 1}, column {j + 1} is NaN or infinite: {cell!r}.")
    with user_errors():
        return markov.validate_transition_matrix(out)


def stationary_markdown(result: markov.StationaryLaw) -> str:
    """Summarise the long run: a translated verdict, then the laws in numbers.

    The verdict is one ``gr.I18n`` marker, which the browser shows in the visitor's language
    (the frontend translates at most one marker per string); API clients see the marker
    (``__i18n__{"key": ...}``). The numbers use symbols only: C a closed class, d its period,
    T the transient states, as the verdict's legend says.
    """
    names = [state_name(i) for i in range(result.laws.shape[1])]
    if result.unique and result.converges:
        verdict = str(t("markov.verdict_ok"))
    elif result.unique:
        verdict = str(t("markov.verdict_periodic"))
    else:
        verdict = str(t("markov.verdict_reducible"))
    lines = [f"**{verdict}**", ""]
    for law, cls, period in zip(result.laws, result.closed_classes, result.periods, strict=True):
        cells = ", ".join(f"{names[s]} {law[s]:.6f}" for s in range(len(names)))
        lines.append(f"- π = ({cells}) · C = {{{', '.join(names[s] for s in cls)}}} · d = {period}")
    if result.transient:
        lines.append(f"- T = {{{', '.join(names[s] for s in result.transient)}}}")
    return "\n".join(lines)


@cheap
@memo(CACHE_SIZE)
def simulate(table: Any, start: Any, n_steps: Any, n_chains: Any, seed: Any) -> tuple:
    """Handler for /markov_simulate: validate, simulate, and draw everything."""
    matrix = parse_matrix(table)
    k = matrix.shape[0]
    start_idx = as_choice(start, "Start state", {name: i for i, name in enumerate(STATE_NAMES[:k])})
    n_steps, n_chains = check(limits.CHAIN_STEPS, n_steps), check(limits.CHAINS, n_chains)
    if n_steps * n_chains > limits.CHAIN_WORK:
        raise gr.Error(say(STRINGS, "markov.too_much", cap=limits.CHAIN_WORK, got=n_steps * n_chains))
    rng = np.random.default_rng(as_seed(seed))
    paths = markov.simulate(matrix, np.full(n_chains, start_idx), n_steps, rng)
    result = markov.stationary_law(matrix)
    horizon = min(n_steps, NSTEP_HORIZON)
    laws_by_start = np.stack([markov.n_step_laws(matrix, np.eye(k)[i], horizon) for i in range(k)])
    convergence = convergence_figure(
        markov.time_average_frequencies(paths[0], k),
        markov.ensemble_frequencies(paths[:, : horizon + 1], k),
        laws_by_start[start_idx],
        result.law if result.unique else None,
        n_chains,
    )
    return (
        path_strip_html(paths[0], n_steps),
        transition_diagram(matrix),
        convergence,
        n_step_figure(laws_by_start),
        stationary_markdown(result),
    )


@cheap
@memo(CACHE_SIZE)
def gaussian(beta: Any, start: Any, n_steps: Any, seed: Any) -> tuple:
    """Handler for /markov_gaussian: the Gaussian chain from many starts, against N(0, 1)."""
    beta, n_steps = check(limits.GAUSS_BETA, beta), check(limits.GAUSS_STEPS, n_steps)
    x0 = as_choice(start, "Starting values", GAUSS_STARTS)(GAUSS_SAMPLES)
    betas = np.full(n_steps, beta)
    xs = markov.gaussian_chain(x0, betas, np.random.default_rng(as_seed(seed)))
    exact = markov.population_moments(x0, betas)
    means, variances = exact.means, exact.variances
    snapshots = sorted({0, *(round(n_steps * f) for f in (0.02, 0.1, 0.3, 1.0))})
    text = (
        f"t = {n_steps}: ᾱ_t = (1 − β)^t = {exact.alpha_bar:.3e}, "
        f"x_t = {exact.signal_coef:.3e}·x₀ + {exact.noise_coef:.6f}·ε\n\n"
        f"{say(STRINGS, 'markov.table_legend')}\n\n"
        f"| | {say(STRINGS, 'markov.sim')} | {say(STRINGS, 'markov.exact')} | N(0, 1) |\n|---|---|---|---|\n"
        f"| E[x_t] | {xs[-1].mean():+.4f} | {means[-1]:+.4f} | 0 |\n"
        f"| Var[x_t] | {xs[-1].var():.4f} | {variances[-1]:.4f} | 1 |"
    )
    return gaussian_chain_figure(xs, snapshots, betas, means, variances), text


def resize_matrix(n_states: Any) -> tuple[pd.DataFrame, gr.Dropdown]:
    """A fresh k-state matrix when the number of states changes (the seed chain for k = 2)."""
    k = check(limits.STATES, n_states)
    if k == 2:
        matrix = SEED_MATRIX
    else:  # stay put with 0.5, else move to each other state with equal chance
        matrix = [[0.5 if i == j else 0.5 / (k - 1) for j in range(k)] for i in range(k)]
    return matrix_frame(matrix), common.Dropdown(choices=state_choices(k), value=STATE_NAMES[0])


def sliders_to_matrix(p_sr: Any, p_rs: Any) -> pd.DataFrame:
    """The 2-state chain from its two off-diagonal probabilities."""
    a = check(limits.PROBABILITY.named("P(Sunny → Rainy)"), p_sr)
    b = check(limits.PROBABILITY.named("P(Rainy → Sunny)"), p_rs)
    return matrix_frame([[1 - a, a], [b, 1 - b]])


def build(ctx: PanelContext) -> None:
    """The panel inside the current Blocks context: its layout, then its events (a first simulation on load)."""
    common.intro(ctx, STRINGS, "markov.intro")
    ui = _layout_chain()
    ui.update(_layout_gaussian())
    _wire(ctx, ui)


def _layout_chain() -> dict[str, Any]:
    ui: dict[str, Any] = {}
    with gr.Row():
        with gr.Column(scale=1, min_width=300, elem_classes="controls"):
            ui["n_states"] = common.Radio([2, 3, 4], value=2, label=t("markov.n_states"))
            with gr.Group() as ui["sliders"]:
                ui["p_sr"] = Slider(
                    limits.PROBABILITY.named("P(Sunny → Rainy)"), 0.2, step=0.01, label=t("markov.p_sr")
                )
                ui["p_rs"] = Slider(
                    limits.PROBABILITY.named("P(Rainy → Sunny)"), 0.6, step=0.01, label=t("markov.p_rs")
                )
            ui["table"] = gr.Dataframe(
                matrix_frame(SEED_MATRIX), label=t("markov.matrix"), datatype="number", interactive=True
            )
            ui["start"] = common.Dropdown(
                state_choices(2), value=STATE_NAMES[0], label=t("markov.start"), allow_custom_value=True
            )
            ui["n_steps"] = Slider(limits.CHAIN_STEPS, 200, label=t("markov.n_steps"))
            ui["n_chains"] = Slider(limits.CHAINS, 2000, label=t("markov.n_chains"))
            ui["seed"] = Number(limits.SEED, 0, label=t("markov.seed"))
            ui["run"] = gr.Button(t("markov.run"), variant="primary")
        with gr.Column(scale=2):
            gr.Markdown(t("markov.path"))
            ui["path"] = gr.HTML()
            ui["stationary"] = gr.Markdown()
            with gr.Row():
                ui["diagram"] = Plot(label=t("markov.diagram"), show_label=False, format="png")
                ui["nstep"] = Plot(label=t("markov.nstep"), show_label=False, format="png")
            ui["convergence"] = Plot(label=t("markov.convergence"), show_label=False, format="png")
    return ui


def _layout_gaussian() -> dict[str, Any]:
    ui: dict[str, Any] = {}
    gr.Markdown(t("markov.gauss_intro"))
    with gr.Row():
        with gr.Column(scale=1, min_width=300, elem_classes="controls"):
            ui["beta"] = Slider(limits.GAUSS_BETA, 0.02, step=0.001, label=t("markov.beta"))
            ui["g_start"] = common.Dropdown(
                [(t(f"markov.start_{k}"), k) for k in GAUSS_STARTS],
                value=next(iter(GAUSS_STARTS)),
                label=t("markov.g_start"),
            )
            ui["g_steps"] = Slider(limits.GAUSS_STEPS, 300, label=t("markov.n_steps"))
            ui["g_seed"] = Number(limits.SEED, 0, label=t("markov.seed"))
            ui["g_run"] = gr.Button(t("markov.g_run"), variant="primary")
        with gr.Column(scale=2):
            ui["g_plot"] = Plot(label=t("markov.g_plot"), show_label=False, format="png")
            ui["g_text"] = gr.Markdown()
    gr.Markdown(t("markov.gauss_why"))
    return ui


def _wire(ctx: PanelContext, ui: dict[str, Any]) -> None:
    page, private = ctx.page, {"api_visibility": "private"}
    # the table was made with the English state names: a Chinese reader gets them in Chinese
    chinese_table = lambda: matrix_frame(SEED_MATRIX) if common.reader_language() == "zh" else gr.skip()  # noqa: E731
    page.load(chinese_table, None, ui["table"], queue=False, **private)
    linked = ("n_steps", "n_chains", "seed", "start", "beta", "g_start", "g_steps", "g_seed")
    common.url_params(ctx, "steps chains seed start beta g_start g_steps g_seed", *(ui[k] for k in linked))
    ui["n_states"].change(
        resize_matrix, ui["n_states"], [ui["table"], ui["start"]], api_name=ctx.api_name("markov_resize"), **private
    ).then(
        lambda k: gr.Group(visible=k == 2),
        ui["n_states"],
        ui["sliders"],
        api_name=ctx.api_name("markov_sliders_visible"),
        **private,
    )
    sliders = [ui["p_sr"], ui["p_rs"]]
    gr.on(
        [s.input for s in sliders],
        sliders_to_matrix,
        sliders,
        ui["table"],
        api_name=ctx.api_name("markov_sliders"),
        **private,
    )
    # raw values (preprocess=False): the handlers' checks name the field and its limits, the table is read as sent
    public = {"preprocess": False, "api_visibility": ctx.visibility}
    chain_in = [ui[k] for k in ("table", "start", "n_steps", "n_chains", "seed")]
    chain_out = [ui[k] for k in ("path", "diagram", "convergence", "nstep", "stationary")]
    gr.on(
        [ui["run"].click, page.load], simulate, chain_in, chain_out, api_name=ctx.api_name("markov_simulate"), **public
    )
    gauss_in = [ui[k] for k in ("beta", "g_start", "g_steps", "g_seed")]
    gauss_out = [ui["g_plot"], ui["g_text"]]
    gr.on(
        [ui["g_run"].click, page.load],
        gaussian,
        gauss_in,
        gauss_out,
        api_name=ctx.api_name("markov_gaussian"),
        **public,
    )
