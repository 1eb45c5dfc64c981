"""Flow matching and ODE samplers: one family of probability paths, two ways to learn and follow it.

Both objectives of the 2-D lab corrupt data along a Gaussian path x_s = a(s) x_0 + b(s) eps, s in [0, 1]:
- denoising diffusion (DDPM): a = sqrt(alpha_bar), b = sqrt(1 - alpha_bar) on the discrete schedule, and the
  network predicts eps;
- flow matching / rectified flow (Lipman et al. 2023, Liu et al. 2023): a = 1 - s, b = s (straight lines from
  data to noise), and the network predicts the velocity v = dx_s/ds = eps - x_0.
Either way the samples follow an ordinary differential equation from noise (s = 1) to data (s = 0) whose
marginals are those of the path, so the same solvers (Euler, Heun) apply to both:
- the flow model's ODE is dx/ds = v_theta(x, s);
- the diffusion model's probability-flow ODE, in the variables y = x / sqrt(alpha_bar) and
  sigma = sqrt((1 - alpha_bar) / alpha_bar) (Karras et al. 2022), is dy/dsigma = eps_theta(x, t): Euler on it is
  exactly DDIM with eta = 0, Heun is Karras' second-order sampler.

An ``OdeField`` describes either one over a grid of nodes (the times the network is evaluated at): the solvers,
the densities (instantaneous change of variables), the carried mesh and single trajectories all take one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch

from diffusion.schedules import NoiseSchedule

OBJECTIVES = ("denoise", "flow")
ODE_METHODS = ("euler", "heun")


def interpolate(x0: torch.Tensor, noise: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """The rectified-flow path x_s = (1 - s) x_0 + s eps; x0, noise (B, D), s (B,) -> (B, D)."""
    s = s.view(-1, *([1] * (x0.dim() - 1))).to(x0.dtype)
    return (1 - s) * x0 + s * noise


def velocity_target(x0: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """What a flow-matching network learns to output: d x_s / ds = eps - x_0 (the same for every s)."""
    return noise - x0


def flow_loss(model: Callable[..., torch.Tensor], x0: torch.Tensor, gen: torch.Generator, *labels: torch.Tensor):
    """Conditional flow matching: E_{s ~ U(0,1), eps} || v_theta(x_s, s) - (eps - x_0) ||^2 on a batch x0 (B, D).

    Its minimiser is v(x, s) = E[eps - x_0 | x_s = x], the velocity whose ODE carries the noise marginal to the
    data marginal along the path."""
    s = torch.rand((x0.shape[0],), generator=gen).to(x0.device)
    noise = torch.randn(x0.shape, generator=gen).to(x0.device)
    out = model(interpolate(x0, noise, s), s, *labels)
    return torch.nn.functional.mse_loss(out.float(), velocity_target(x0, noise))


@dataclass(frozen=True)
class OdeField:
    """An ODE dy/dtau = field(y, k) on nodes k = 0..K (from noise at k = 0 to data at k = K), and how y relates to x.

    ``taus`` (K + 1,) are the ODE times of the nodes (flow: s; diffusion: sigma); ``scales`` (K + 1,) give
    x = scale_k * y (flow: 1; diffusion: sqrt(alpha_bar)); ``field(y, k)`` evaluates the network at node k;
    ``last_is_singular``: the last node cannot be evaluated (sigma = 0 has no timestep), so Heun's last step is
    an Euler step there (as in Karras et al.)."""

    taus: np.ndarray
    scales: np.ndarray
    field: Callable[[torch.Tensor, int], torch.Tensor]
    last_is_singular: bool = False

    @property
    def nodes(self) -> int:
        return len(self.taus)


def flow_field(velocity: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], s_nodes: np.ndarray) -> OdeField:
    """The flow model's ODE dx/ds = velocity(x, s) on the times ``s_nodes`` (decreasing, e.g. 1 ... 0)."""
    s_nodes = np.asarray(s_nodes, dtype=np.float64)

    def field(y: torch.Tensor, k: int) -> torch.Tensor:
        return velocity(y, torch.full((y.shape[0],), float(s_nodes[k]), dtype=y.dtype))

    return OdeField(s_nodes, np.ones_like(s_nodes), field)


def uniform_s(n_steps: int, start: float = 1.0, end: float = 0.0) -> np.ndarray:
    """n_steps + 1 evenly spaced flow times from ``start`` to ``end``."""
    if n_steps < 1:
        raise ValueError(f"The number of steps must be at least 1, got {n_steps}.")
    return np.linspace(start, end, n_steps + 1)


def sigma_of(schedule: NoiseSchedule, t: int) -> float:
    """sqrt((1 - alpha_bar_t) / alpha_bar_t), the noise-to-signal ratio of timestep t (0 for t = -1, the data)."""
    if t < 0:
        return 0.0
    ab = float(schedule.alpha_bars[t])
    return math.sqrt((1 - ab) / ab)


def pf_ode_field(
    eps_model: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], schedule: NoiseSchedule, timesteps: np.ndarray
) -> OdeField:
    """The diffusion model's probability-flow ODE dy/dsigma = eps(x, t), y = x / sqrt(alpha_bar_t), on the integer
    ``timesteps`` (decreasing; -1 = the data, where sigma = 0 and y = x)."""
    ts = [int(t) for t in timesteps]
    scales = np.array([math.sqrt(schedule.alpha_bar_at(t)) for t in ts])

    def field(y: torch.Tensor, k: int) -> torch.Tensor:
        return eps_model(y * float(scales[k]), torch.full((y.shape[0],), ts[k], dtype=torch.long))

    return OdeField(np.array([sigma_of(schedule, t) for t in ts]), scales, field, last_is_singular=ts[-1] < 0)


def solve(ode: OdeField, x: torch.Tensor, method: str = "euler", start: int = 0) -> Iterator[torch.Tensor]:
    """Integrate from node ``start`` to the last node, yielding x (in data coordinates) after every step.

    Euler: y <- y + h f(y, k). Heun (the explicit trapezoidal rule): the Euler guess y', then
    y <- y + h (f(y, k) + f(y', k + 1)) / 2, two network evaluations per step (one at a singular last node).
    The nodes may run in either direction (towards the data, or back up towards the noise)."""
    if method not in ODE_METHODS:
        raise ValueError(f"Unknown ODE solver {method!r}: use {' or '.join(ODE_METHODS)}.")
    y = x / float(ode.scales[start])
    for k in range(start, ode.nodes - 1):
        h = float(ode.taus[k + 1] - ode.taus[k])
        d = ode.field(y, k)
        y_next = y + h * d
        singular = ode.last_is_singular and k + 1 == ode.nodes - 1
        if method == "heun" and not singular:
            y_next = y + h * (d + ode.field(y_next, k + 1)) / 2
        y = y_next
        yield y * float(ode.scales[k + 1])


def evaluations(ode: OdeField, method: str) -> int:
    """Network evaluations (NFE) of a full ``solve``: one per Euler step, two per Heun step but at a singular end."""
    steps = ode.nodes - 1
    return steps if method == "euler" else 2 * steps - int(ode.last_is_singular)


def divergence(field: Callable[[torch.Tensor], torch.Tensor], y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(field(y), its exact divergence sum_i d f_i / d y_i) for (B, D) points, one backward pass per dimension
    (cheap in 2-D: no Hutchinson estimator needed)."""
    with torch.enable_grad():
        y = y.detach().requires_grad_(True)
        f = field(y)
        div = torch.zeros(y.shape[0], dtype=y.dtype)
        for i in range(y.shape[1]):
            div = div + torch.autograd.grad(f[:, i].sum(), y, retain_graph=i + 1 < y.shape[1])[0][:, i]
    return f.detach(), div.detach()


def log_density(ode: OdeField, x: torch.Tensor, end_log_prob: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """log p(x) of the model's marginal at node 0 of ``ode``, by the instantaneous change of variables.

    ``ode`` runs from x's time up to the noise end (its last node), where ``end_log_prob`` gives the log density
    of x there (e.g. N(0, I)). Along the ODE d log p_y / dtau = -div_y f, so
    log p_y(y_0) = log p_y(y_K) + integral of div f dtau (both integrated with Heun's trapezoidal rule), and
    p_x(x) = p_y(x / c) / c^D for x = c y. x (B, D) -> (B,)."""
    dim = x.shape[1]
    y = x / float(ode.scales[0])
    acc = torch.zeros(x.shape[0], dtype=x.dtype)
    for k in range(ode.nodes - 1):
        h = float(ode.taus[k + 1] - ode.taus[k])
        f, div = divergence(lambda z, k=k: ode.field(z, k), y)
        f2, div2 = divergence(lambda z, k=k: ode.field(z, k + 1), y + h * f)
        acc = acc + h * (div + div2) / 2
        y = y + h * (f + f2) / 2
    c_end, c_start = float(ode.scales[-1]), float(ode.scales[0])
    log_p_y_end = end_log_prob(y * c_end) + dim * math.log(c_end)
    return log_p_y_end + acc - dim * math.log(c_start)


def standard_normal_log_prob(x: torch.Tensor) -> torch.Tensor:
    """log N(x; 0, I) for (B, D) -> (B,)."""
    return -0.5 * (x**2).sum(1) - 0.5 * x.shape[1] * math.log(2 * math.pi)


def gaussian_velocity(mean: np.ndarray, std: float) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The exact flow-matching velocity E[eps - x_0 | x_s = x] when the data is N(mean, std^2 I): a closed form
    that the tests compare the solvers and densities against (x_s is then N((1-s) mean, ((1-s)^2 std^2 + s^2) I))."""
    mu = torch.as_tensor(mean, dtype=torch.float64)

    def velocity(x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        s = s.to(torch.float64)[:, None]
        a, b = 1 - s, s
        var = a**2 * std**2 + b**2
        centred = x.to(torch.float64) - a * mu
        e_x0 = mu + a * std**2 / var * centred
        e_eps = b / var * centred
        return (e_eps - e_x0).to(x.dtype)

    return velocity
