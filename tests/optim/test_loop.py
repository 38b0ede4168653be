import math
import time

import pytest
import torch

from brushwork.optim import Interrupted, NonFiniteLoss, optimize
from brushwork.optim.loop import _lbfgs_gradient_scale

from ..helpers import assert_loss_falls


def quadratic(target):
    return lambda p: {"distance": ((p - target) ** 2).sum()}


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam", "normalized"])
def test_each_optimizer_lowers_the_loss(optimizer):
    target = torch.randn(3, 4)
    lr = {"adam": 0.5, "normalized": 0.1}.get(optimizer)
    assert_loss_falls(quadratic(target), torch.zeros(3, 4), optimizer=optimizer, lr=lr)


def test_normalized_step_moves_by_lr_times_the_gradient_over_its_mean_magnitude():
    parameter = torch.zeros(4)
    gradient = torch.tensor([1.0, -3.0, 2.0, 2.0])  # mean |g| = 2
    optimize(parameter, lambda p: {"linear": (p * gradient).sum()}, 1, optimizer="normalized", lr=0.5)
    assert torch.allclose(parameter, -0.5 * gradient / 2)


def test_lbfgs_is_not_stalled_by_a_tiny_objective():
    """A normalised loss of order 1e-6 used to leave L-BFGS crawling (its yᵀs > 1e-10 test)."""
    target = torch.randn(50, 50)
    tiny = lambda p: {"d": 1e-9 * ((p - target) ** 2).sum()}
    result = optimize(torch.zeros(50, 50), tiny, 10)
    assert result.total < 1e-3 * float(tiny(torch.zeros(50, 50))["d"])


def test_gradient_scale_only_ever_scales_up():
    assert _lbfgs_gradient_scale(torch.full((10,), 5.0)) == 1.0
    assert _lbfgs_gradient_scale(torch.full((10,), 0.01)) == pytest.approx(100.0)
    assert _lbfgs_gradient_scale(torch.zeros(10)) == 1.0


def test_callback_sees_every_iteration_with_losses_by_term():
    seen = []
    optimize(torch.zeros(2), quadratic(torch.ones(2)), 4, callback=seen.append)
    assert [p.iteration for p in seen] == [1, 2, 3, 4]
    assert all(set(p.losses) == {"distance"} and p.iterations == 4 for p in seen)
    assert seen[0].total == pytest.approx(2.0)


def test_each_report_carries_the_wall_time_since_the_one_before():
    """What an ETA is priced by: an iteration's seconds, the previous report's handling included."""
    seen = []

    def slow_loss(p):
        time.sleep(0.05)
        return quadratic(torch.ones(2))(p)

    def slow_callback(progress):
        seen.append(progress)
        time.sleep(0.03)

    optimize(torch.zeros(2), slow_loss, 3, optimizer="adam", callback=slow_callback)
    assert 0.05 <= seen[0].seconds < 0.05 + 0.5
    assert all(0.08 <= p.seconds < 0.08 + 0.5 for p in seen[1:])


def test_best_parameter_is_returned():
    result = optimize(torch.zeros(2), quadratic(torch.ones(2)), 10)
    assert result.total == min(h["total"] for h in result.history)


def test_non_finite_loss_stops_with_a_clear_error():
    with pytest.raises(NonFiniteLoss) as err:
        optimize(torch.zeros(2), lambda p: {"bad": (p * math.inf).sum()}, 3)
    assert str(err.value).startswith("the loss became non-finite (bad=")


def test_ctrl_c_raises_interrupted_with_the_best_so_far():
    target = torch.ones(2)
    calls = {"n": 0}

    def terms(p):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return quadratic(target)(p)

    with pytest.raises(Interrupted) as stop:
        optimize(torch.zeros(2), terms, 10)
    best = stop.value.best
    assert ((best - target) ** 2).sum() < 2.0  # better than the start


def test_projection_applies_after_each_step():
    result = optimize(
        torch.zeros(3), quadratic(torch.full((3,), 5.0)), 20, optimizer="adam", lr=1.0, project=lambda p: p.clamp_(0, 1)
    )
    assert result.parameter.max() <= 1.0


def test_l_bfgs_keeps_no_more_pairs_than_its_history(monkeypatch):
    made = []
    lbfgs = torch.optim.LBFGS

    def recording(*args, **kwargs):
        made.append(lbfgs(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(torch.optim, "LBFGS", recording)
    parameter = torch.zeros(3, 4)
    target = torch.randn(3, 4)
    quartic = lambda p: {"distance": ((p - target) ** 4).sum()}  # unlike a quadratic, no two steps solve it
    optimize(parameter, quartic, 12, history=4)
    (optimizer,) = made
    state = optimizer.state[optimizer.param_groups[0]["params"][0]]
    assert len(state["old_dirs"]) == 4  # 12 steps made more pairs; the oldest were dropped
