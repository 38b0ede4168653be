"""One loop to optimise an image (or any parameter tensor) against named loss terms.

The loop does no I/O. It reports every iteration through a callback, keeps the best parameter
seen so far, stops with a clear error on a non-finite loss, and turns Ctrl-C into an
``Interrupted`` exception that carries the best parameter, so the caller can save it.
"""

from __future__ import annotations

import math
import signal
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from ..errors import BrushworkError
from ..memory import LBFGS_HISTORY
from ..signals import RunStopped, raise_if_stopped, signal_number

OPTIMIZERS = ("lbfgs", "adam", "normalized")
# Each optimiser's learning rate when a technique gives none. L-BFGS's 1 is a full quasi-Newton step;
# Adam's 0.02 is in the parameter's units (0-255 pixels move ~5 per 255 steps); the normalised step's
# 1.5 is DeepDream's, in 0-255 pixel units per step.
DEFAULT_LEARNING_RATES = {"lbfgs": 1.0, "adam": 0.02, "normalized": 1.5}


@dataclass
class Progress:
    """What the loop reports after each iteration."""

    iteration: int  # 1-based, within this call of optimize()
    iterations: int  # how many this call will run
    losses: dict[str, float]  # weighted loss terms at the start of the iteration
    total: float
    parameter: torch.Tensor  # the current parameter (detached); do not modify
    seconds: float = math.nan  # wall time since the previous report (or the loop's start): this iteration's cost

    @property
    def image(self) -> torch.Tensor:
        return self.parameter


@dataclass
class OptimizationResult:
    parameter: torch.Tensor  # the best parameter seen (lowest total loss)
    total: float
    losses: dict[str, float]
    history: list[dict[str, float]] = field(default_factory=list)  # losses by term, per iteration


@dataclass
class _LoopState:
    """What the closure learns at each evaluation, kept between L-BFGS's calls of it."""

    best_parameter: torch.Tensor
    best_total: float = math.inf
    best_losses: dict[str, float] = field(default_factory=dict)
    latest_total: float = math.nan
    latest_losses: dict[str, float] = field(default_factory=dict)
    gradient_scale: float | None = None  # fixed at the first evaluation (L-BFGS only; see below)


class NonFiniteLoss(BrushworkError):
    """The loss became NaN or infinite: the run is stopped rather than writing garbage."""


class Interrupted(RunStopped):
    """Ctrl-C during optimisation; ``best`` is the best result so far: a parameter or image, or what a
    technique builds from them (inversion: a list of images; may be None)."""

    def __init__(self, best: Any, signum: int = signal.SIGINT):
        super().__init__(best, signum)

    @property
    def best(self) -> Any:
        return self.kept

    def with_best(self, best: Any) -> Interrupted:
        """The same stop, carrying what a technique made of the best parameter (an image, a sheet)."""
        return Interrupted(best, self.signum)


class NormalizedGradientDescent(torch.optim.Optimizer):
    """``x ← x − lr · g / mean|g|``: DeepDream's step, whose size does not depend on the gradient's scale.

    The scale of a layer's activations (and so of its gradient) varies by orders of magnitude
    across layers and octaves; normalising makes one step size ``lr`` (in pixel units) work for all.
    """

    def __init__(self, params: Iterable[torch.Tensor], lr: float = DEFAULT_LEARNING_RATES["normalized"]):
        super().__init__(params, {"lr": lr})

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        assert closure is not None, "the normalised step needs a closure (it evaluates the gradient)"
        with torch.enable_grad():
            loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.sub_(p.grad / p.grad.abs().mean().clamp(min=1e-12), alpha=group["lr"])
        return loss


def _make_optimizer(
    name: str, params: list[torch.Tensor], lr: float | None, history: int = LBFGS_HISTORY
) -> torch.optim.Optimizer:
    if name not in OPTIMIZERS:
        raise BrushworkError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}")
    lr = DEFAULT_LEARNING_RATES[name] if lr is None else lr
    if name == "lbfgs":
        # One closure evaluation per step, so an "iteration" costs one forward+backward and the
        # callback sees every one; the curvature history persists across step() calls.
        # Its tolerances are turned off: they compare absolute gradients and loss changes, so a
        # loss normalised to order 1 (feature inversion) would end the run at the first step.
        return torch.optim.LBFGS(
            params, lr=lr, max_iter=1, history_size=history, tolerance_grad=0.0, tolerance_change=0.0
        )
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    return NormalizedGradientDescent(params, lr=lr)


def _lbfgs_gradient_scale(gradient: torch.Tensor) -> float:
    """A constant to multiply the objective by so that its first gradient has ``|g|₁ >= n``.

    L-BFGS is invariant to the objective's scale except for one absolute threshold: it drops
    curvature pairs with ``yᵀs <= 1e-10``. A small objective (a normalised reconstruction error,
    order 1 over 10⁵ pixels) never gets past it and crawls at steps of size ``g``. Scaling up only
    changes nothing else: the first step ``g / |g|₁`` and later steps are scale-free.
    """
    norm = float(gradient.abs().sum())
    if not math.isfinite(norm) or norm <= 0:
        return 1.0
    return max(1.0, gradient.numel() / norm)


def optimize(
    parameter: torch.Tensor,
    loss_terms: Callable[[torch.Tensor], Mapping[str, torch.Tensor]],
    iterations: int,
    *,
    optimizer: str = "lbfgs",
    lr: float | None = None,
    callback: Callable[[Progress], None] | None = None,
    project: Callable[[torch.Tensor], None] | None = None,
    history: int = LBFGS_HISTORY,
) -> OptimizationResult:
    """Minimise ``sum(loss_terms(parameter).values())`` over ``parameter`` for ``iterations`` steps.

    ``parameter`` is optimised in place (a leaf tensor; its requires_grad is set here).
    ``project`` (optional) is applied to the parameter in place after each step, e.g. a clamp,
    except under L-BFGS, which runs unconstrained because clamping would corrupt its curvature
    history; so every technique can pass its projection whatever the optimiser. ``history`` is how many
    pairs L-BFGS keeps, each two parameter-sized vectors (a memory plan may shorten it at large sizes).
    """
    if iterations < 0:
        raise BrushworkError(f"iterations must be >= 0, not {iterations}")
    parameter.requires_grad_(True)
    opt = _make_optimizer(optimizer, [parameter], lr, history)
    state = _LoopState(best_parameter=parameter.detach().clone())
    losses_seen: list[dict[str, float]] = []

    def closure() -> torch.Tensor:
        opt.zero_grad(set_to_none=True)
        terms = loss_terms(parameter)
        total = sum(
            terms.values(), torch.zeros((), device=parameter.device)
        )  # in order, as the plain sum() the results were measured with
        value = float(total.detach())
        losses = {name: float(term.detach()) for name, term in terms.items()}
        if not math.isfinite(value):
            bad = ", ".join(f"{k}={v}" for k, v in losses.items())
            raise NonFiniteLoss(f"the loss became non-finite ({bad}); lower the learning rate or the weights")
        total.backward()
        assert parameter.grad is not None
        if state.gradient_scale is None:
            state.gradient_scale = _lbfgs_gradient_scale(parameter.grad) if optimizer == "lbfgs" else 1.0
        if state.gradient_scale != 1.0:
            parameter.grad.mul_(state.gradient_scale)
        state.latest_total, state.latest_losses = value, losses
        if value < state.best_total:
            state.best_total, state.best_losses = value, losses
            state.best_parameter = parameter.detach().clone()
        return total * state.gradient_scale

    reported = time.perf_counter()
    try:
        for iteration in range(1, iterations + 1):
            raise_if_stopped()
            opt.step(closure)  # type: ignore[arg-type]  # torch types the closure's loss as float; a tensor is fine
            if project is not None and optimizer != "lbfgs":
                with torch.no_grad():
                    project(parameter)
            losses_seen.append(dict(state.latest_losses, total=state.latest_total))
            if callback is not None:
                now = time.perf_counter()
                seconds, reported = now - reported, now
                losses, total = state.latest_losses, state.latest_total
                callback(Progress(iteration, iterations, losses, total, parameter.detach(), seconds))
    except KeyboardInterrupt as stop:
        best = state.best_parameter if math.isfinite(state.best_total) else parameter.detach().clone()
        raise Interrupted(best, signal_number(stop)) from None
    finally:
        parameter.requires_grad_(False)

    if iterations == 0:
        return OptimizationResult(parameter.detach().clone(), math.nan, {}, losses_seen)
    # The parameter after the last step has not been evaluated; the best evaluated one is returned.
    return OptimizationResult(state.best_parameter, state.best_total, state.best_losses, losses_seen)
