"""Finite Markov chains: validation, vectorised simulation, n-step laws, stationary laws.

A chain on k states is a row-stochastic matrix ``P`` of shape (k, k): ``P[i, j]`` is the
probability of moving from state i to state j in one step. Laws are row vectors, so the law
after n steps from ``p0`` is ``p0 @ P^n``.

The last part of the module is the bridge to diffusion models: the scalar Gaussian chain
``x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) eps_t``, a Markov chain on the real line whose
law forgets its start and converges to N(0, 1). It is the forward process of a DDPM, one pixel
at a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import reduce

import numpy as np

from diffusion.schedules import alpha_bars_from_start

#: Largest allowed |row sum - 1|. Loose enough for matrices typed with a few decimals
#: (0.33 + 0.33 + 0.34), tight enough to catch a mistyped probability.
ROW_SUM_ATOL = 1e-6


def validate_transition_matrix(matrix: object, atol: float = ROW_SUM_ATOL) -> np.ndarray:
    """Check that ``matrix`` is a transition matrix and return it as float64, rows renormalised.

    Args:
        matrix: anything ``np.asarray`` turns into a (k, k) array of numbers.
        atol: tolerance on each row sum.

    Returns:
        (k, k) float64 array whose rows sum to 1 up to rounding.

    Raises:
        ValueError: naming the offending row (1-based, as a person counts) when the matrix is
            empty, not square, not numeric, not finite, negative, or a row does not sum to 1.
    """
    try:
        p = np.asarray(matrix, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"The transition matrix must contain only numbers ({exc}).") from None
    if p.ndim != 2 or p.size == 0:
        raise ValueError(f"The transition matrix must be a non-empty square table, got shape {p.shape}.")
    if p.shape[0] != p.shape[1]:
        raise ValueError(f"The transition matrix must be square, got {p.shape[0]} rows and {p.shape[1]} columns.")
    for i, row in enumerate(p):
        if not np.all(np.isfinite(row)):
            raise ValueError(f"Row {i + 1} contains a NaN or infinite value: {row.tolist()}.")
        if np.any(row < 0):
            raise ValueError(f"Row {i + 1} contains a negative probability: {row.tolist()}.")
        total = float(row.sum())
        if abs(total - 1.0) > atol:
            raise ValueError(
                f"Row {i + 1} sums to {total:.6g}, not 1 (tolerance {atol:g}): "
                "each row is the law of tomorrow given today and must sum to 1."
            )
    return p / p.sum(axis=1, keepdims=True)


def simulate(
    matrix: np.ndarray,
    start: np.ndarray | int,
    n_steps: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Simulate many independent chains at once.

    Args:
        matrix: validated (k, k) transition matrix.
        start: one start state for every chain (int) or one per chain, shape (n_chains,).
        n_steps: number of transitions.
        rng: source of randomness; the same seed gives the same paths.

    Returns:
        (n_chains, n_steps + 1) array of state indices (int8 when k <= 127, a transposed view of
        time-major storage); column 0 is the start.
    """
    starts = np.atleast_1d(np.asarray(start, dtype=np.intp))
    k = matrix.shape[0]
    if np.any((starts < 0) | (starts >= k)):
        raise ValueError(f"Start states must be in 0..{k - 1}.")
    dtype = np.int8 if k <= 127 else np.int32
    # Time-major storage so each step writes one contiguous row; returned transposed.
    paths = np.empty((n_steps + 1, starts.size), dtype=dtype)
    paths[0] = starts
    # Inverse-CDF sampling: the next state is the number of inner cumulative thresholds
    # (columns 0..k-2 of the row's CDF) at or below u. Leaving out the last threshold (1.0)
    # makes rounding in the cumulative sum harmless. One gather per column is ~4x faster than
    # gathering whole (n_chains, k-1) rows.
    columns = [np.ascontiguousarray(c) for c in np.cumsum(matrix, axis=1)[:, :-1].T]
    current = starts
    for step in range(1, n_steps + 1):
        u = rng.random(starts.size)
        nxt = np.zeros(starts.size, dtype=np.intp)
        for threshold in columns:
            nxt += u >= threshold[current]
        current = nxt
        paths[step] = current
    return paths.T


def n_step_laws(matrix: np.ndarray, p0: np.ndarray, n_steps: int) -> np.ndarray:
    """The laws p0 P^t for t = 0..n_steps, shape (n_steps + 1, k)."""
    laws = np.empty((n_steps + 1, matrix.shape[0]))
    laws[0] = p0
    for t in range(1, n_steps + 1):
        laws[t] = laws[t - 1] @ matrix
    return laws


def ensemble_frequencies(paths: np.ndarray, k: int) -> np.ndarray:
    """Fraction of chains in each state at each step, shape (n_steps + 1, k).

    With chains started from p0 it estimates p0 P^t; each entry is a binomial proportion.
    """
    return np.stack([(paths == s).mean(axis=0) for s in range(k)], axis=1)


def time_average_frequencies(path: np.ndarray, k: int) -> np.ndarray:
    """Running fraction of time one chain spent in each state, shape (n_steps + 1, k).

    Entry [n, s] is the fraction of the first n + 1 states equal to s. For an irreducible chain
    it converges to the stationary law (the ergodic theorem), periodic or not.
    """
    counts = np.cumsum(np.stack([path == s for s in range(k)], axis=1), axis=0)
    return counts / np.arange(1, path.size + 1)[:, None]


@dataclass(frozen=True)
class StationaryLaw:
    """What can be said about the long run of a chain.

    Attributes:
        laws: (m, k) array, one stationary law per closed class; any mixture is stationary too.
        closed_classes: the m closed (recurrent) communicating classes, as sorted state lists.
        transient: states that are eventually left for good.
        periods: period of each closed class (1 means aperiodic).
    """

    laws: np.ndarray
    closed_classes: tuple[tuple[int, ...], ...]
    transient: tuple[int, ...]
    periods: tuple[int, ...]

    @property
    def unique(self) -> bool:
        """True when exactly one law solves pi P = pi (one closed class)."""
        return len(self.closed_classes) == 1

    @property
    def converges(self) -> bool:
        """True when p0 P^n converges for every p0: every closed class is aperiodic."""
        return all(d == 1 for d in self.periods)

    @property
    def law(self) -> np.ndarray:
        """The stationary law when it is unique."""
        if not self.unique:
            raise ValueError("This chain has several stationary laws (it is reducible).")
        return self.laws[0]


def _reachability(matrix: np.ndarray) -> np.ndarray:
    """(k, k) bool: reach[i, j] when j can be reached from i in zero or more steps."""
    k = matrix.shape[0]
    reach = (matrix > 0) | np.eye(k, dtype=bool)
    for _ in range(max(1, math.ceil(math.log2(k)))):  # repeated squaring of the adjacency
        reach = (reach.astype(np.int64) @ reach.astype(np.int64)) > 0
    return reach


def _period(matrix: np.ndarray, states: tuple[int, ...]) -> int:
    """Period of a closed class: gcd over its edges (u -> v) of level(u) + 1 - level(v)."""
    level = {states[0]: 0}
    frontier = [states[0]]
    while frontier:  # breadth-first levels from one state of the class
        nxt = []
        for u in frontier:
            for v in states:
                if matrix[u, v] > 0 and v not in level:
                    level[v] = level[u] + 1
                    nxt.append(v)
        frontier = nxt
    gaps = [level[u] + 1 - level[v] for u in states for v in states if matrix[u, v] > 0]
    return reduce(math.gcd, gaps, 0)


def _class_law(matrix: np.ndarray, states: tuple[int, ...]) -> np.ndarray:
    """Stationary law of an irreducible block: solve pi (P - I) = 0 with sum(pi) = 1."""
    block = matrix[np.ix_(states, states)]
    a = block.T - np.eye(len(states))
    a[-1] = 1.0  # the system has rank n-1; swap one redundant equation for the normalisation
    b = np.zeros(len(states))
    b[-1] = 1.0
    law = np.zeros(matrix.shape[0])
    law[list(states)] = np.linalg.solve(a, b)
    return law


def stationary_law(matrix: np.ndarray) -> StationaryLaw:
    """Find every stationary law of a validated transition matrix, in float64.

    The stationary laws are the mixtures of one law per closed communicating class, so the law
    is unique exactly when there is one closed class; p0 P^n converges to it for every p0 when
    that class is also aperiodic.
    """
    reach = _reachability(matrix)
    mutual = reach & reach.T
    classes = sorted({tuple(np.flatnonzero(row).tolist()) for row in mutual})
    # A class is closed when nothing outside it can be reached from it.
    closed = tuple(c for c in classes if reach[list(c)].sum() == len(c) ** 2)
    transient = tuple(sorted(s for c in classes if c not in closed for s in c))
    return StationaryLaw(
        laws=np.stack([_class_law(matrix, c) for c in closed]),
        closed_classes=closed,
        transient=transient,
        periods=tuple(_period(matrix, c) for c in closed),
    )


def gaussian_chain(x0: np.ndarray, betas: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Run x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) eps_t from many starting values.

    Args:
        x0: (m,) starting values.
        betas: (n,) noise levels in (0, 1).
        rng: source of the Gaussian noise eps_t ~ N(0, 1).

    Returns:
        (n + 1, m) float64 array; row t holds x_t for every start.
    """
    betas = np.asarray(betas, dtype=np.float64)
    if betas.ndim != 1 or np.any(~np.isfinite(betas)) or np.any((betas <= 0) | (betas >= 1)):
        raise ValueError("Every beta must be a number strictly between 0 and 1.")
    xs = np.empty((betas.size + 1, np.size(x0)))
    xs[0] = x0
    for t, beta in enumerate(betas, start=1):
        xs[t] = math.sqrt(1.0 - beta) * xs[t - 1] + math.sqrt(beta) * rng.standard_normal(xs.shape[1])
    return xs


def gaussian_chain_moments(x0: np.ndarray, betas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Closed form of x_t given x_0 for the Gaussian chain: N(sqrt(abar_t) x_0, 1 - abar_t).

    Args:
        x0: (m,) starting values.
        betas: (n,) noise levels.

    Returns:
        means (n + 1, m) and variances (n + 1,), with abar_t = prod_{s <= t} (1 - beta_s).
    """
    alpha_bar = alpha_bars_from_start(betas)
    return np.sqrt(alpha_bar)[:, None] * np.asarray(x0, dtype=np.float64)[None, :], 1.0 - alpha_bar


@dataclass(frozen=True)
class PopulationMoments:
    """Exact moments of the Gaussian chain over a population of starts x_0 (what a histogram of all chains shows).

    Attributes:
        means: (n + 1,) E[x_t] = mean over the starts of sqrt(abar_t) x_0.
        variances: (n + 1,) Var[x_t] = E[Var(x_t | x_0)] + Var[E(x_t | x_0)] (the law of total variance).
        alpha_bar: abar_n, the signal fraction left after the last step.
    """

    means: np.ndarray
    variances: np.ndarray
    alpha_bar: float

    @property
    def signal_coef(self) -> float:
        """sqrt(abar_n): x_n = sqrt(abar_n) x_0 + sqrt(1 - abar_n) eps."""
        return math.sqrt(self.alpha_bar)

    @property
    def noise_coef(self) -> float:
        return math.sqrt(1.0 - self.alpha_bar)


def population_moments(x0: np.ndarray, betas: np.ndarray) -> PopulationMoments:
    """``gaussian_chain_moments`` pooled over the starts ``x0`` (m,) for ``betas`` (n,)."""
    cond_means, cond_var = gaussian_chain_moments(x0, betas)
    return PopulationMoments(cond_means.mean(axis=1), cond_var + cond_means.var(axis=1), float(1.0 - cond_var[-1]))
