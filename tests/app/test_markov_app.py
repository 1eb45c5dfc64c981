"""The Markov endpoints through gradio_client: good requests, bad requests, and recovery."""

from __future__ import annotations

import pytest

from tests.refusals import REFUSED

SEED = {"headers": ["→ Sunny", "→ Rainy"], "data": [[0.8, 0.2], [0.6, 0.4]]}


def simulate(client, matrix=SEED, start="Sunny", steps=100, chains=500, seed=0):
    return client.predict(matrix, start, steps, chains, seed, api_name="/markov_simulate")


def test_simulate_returns_path_plots_and_stationary_law(client) -> None:
    path, diagram, convergence, nstep, stationary = simulate(client)
    assert path.count('title="day ') == 60 and "Sunny" in path
    for plot in (diagram, convergence, nstep):
        assert plot["type"] == "matplotlib" and plot["plot"].startswith("data:image/png;base64,")
    assert "markov.verdict_ok" in stationary
    assert "Sunny 0.750000, Rainy 0.250000" in stationary


def test_simulate_respects_the_seed(client) -> None:
    a, b, c = simulate(client, seed=5)[0], simulate(client, seed=5)[0], simulate(client, seed=6)[0]
    assert a == b and a != c


def test_four_state_matrix_and_periodic_chain(client) -> None:
    four = {"headers": list("abcd"), "data": [[0.1, 0.2, 0.3, 0.4]] * 4}
    assert "0.100000" in simulate(client, four, start="Snowy")[4]
    flip = {"headers": ["a", "b"], "data": [[0, 1], [1, 0]]}
    stationary = simulate(client, flip)[4]
    assert "markov.verdict_periodic" in stationary and "d = 2" in stationary
    reducible = {"headers": list("abc"), "data": [[1, 0, 0], [0, 1, 0], [0.3, 0.3, 0.4]]}
    stationary = simulate(client, reducible)[4]
    assert "markov.verdict_reducible" in stationary and "T = {Cloudy}" in stationary


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"matrix": {"headers": ["a", "b"], "data": [[0.5, 0.6], [0.5, 0.5]]}}, "Row 1 sums to 1.1"),
        ({"matrix": {"headers": ["a", "b"], "data": [[1.5, -0.5], [0.5, 0.5]]}}, "Row 1 contains a negative"),
        ({"matrix": {"headers": ["a", "b"], "data": [[0.5, 0.5], ["abc", 0.5]]}}, "Row 2, column 1 is not a number"),
        (
            {"matrix": {"headers": ["a", "b"], "data": [[0.5, 0.5], [None, 0.5]]}},
            "Row 2, column 1 is empty",
        ),
        ({"matrix": {"headers": ["a", "b"], "data": [[0.5, 0.5], ["nan", 0.5]]}}, "Row 2, column 1 is NaN"),
        (
            {"matrix": {"headers": ["a", "b"], "data": [[0.5, 0.5], ["inf", 0.5]]}},
            "Row 2, column 1 is NaN or infinite",
        ),
        ({"matrix": {"headers": ["a", "b", "c"], "data": [[0.5, 0.5, 0], [0.5, 0.5, 0]]}}, "must be square"),
        ({"matrix": {"headers": [], "data": []}}, "non-empty"),
        ({"matrix": {"headers": list("abcde"), "data": [[0.2] * 5] * 5}}, "At most 4 states"),
        ({"start": "Cloudy"}, "Start state must be one of Sunny, Rainy"),
        ({"steps": 0}, "Number of steps must be between 1 and 10,000"),
        ({"steps": 10**9}, "Number of steps must be between 1 and 10,000"),
        ({"steps": 2.5}, "Number of steps must be a whole number"),
        ({"steps": "many"}, "Number of steps must be a number"),
        ({"chains": -3}, "Number of chains must be between 1 and 10,000"),
        ({"steps": 5000, "chains": 5000}, "capped at 10,000,000"),
        ({"seed": -1}, "Seed must be between 0"),
    ],
)
def test_bad_inputs_give_clear_errors_and_the_app_keeps_serving(client, kwargs, message) -> None:
    with pytest.raises(REFUSED, match=message):
        simulate(client, **kwargs)
    assert "Sunny 0.750000" in simulate(client)[4]


def test_gaussian_chain_endpoint_matches_closed_form(client) -> None:
    plot, text = client.predict(0.05, "x0 = 3", 200, 0, api_name="/markov_gaussian")
    assert plot["plot"].startswith("data:image/png;base64,")
    alpha_bar = 0.95**200
    assert f"{alpha_bar:.3e}" in text and "| Var[x_t] |" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0.0, "x0 = 3", 10, 0), "β must be between"),
        ((1.0, "x0 = 3", 10, 0), "β must be between"),
        (("nan", "x0 = 3", 10, 0), "β must be between"),
        (("0.1", "x0 = 3", "ten", 0), "Number of steps must be a number"),
        ((0.1, "x0 = 99", 10, 0), "Starting values must be one of"),
        ((0.1, "x0 = 3", 10**6, 0), "Number of steps must be between 1 and 2,000"),
    ],
)
def test_gaussian_bad_inputs(client, args, message) -> None:
    with pytest.raises(REFUSED, match=message):
        client.predict(*args, api_name="/markov_gaussian")
    assert client.predict(0.1, "x0 = 3", 5, 0, api_name="/markov_gaussian")[1]


def test_private_glue_events_are_not_in_the_api(client) -> None:
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert {"/markov_simulate", "/markov_gaussian"} <= set(endpoints)
    assert not any(name.endswith("_page") or name == "/markov_resize" for name in endpoints)


def test_the_panel_has_its_own_route(app_url) -> None:
    import httpx

    response = httpx.get(f"{app_url}/markov", timeout=30)
    assert response.status_code == 200 and "gradio" in response.text.lower()
