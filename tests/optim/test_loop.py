import math

import pytest
import torch

from brushwork.optim import Interrupted, NonFiniteLoss, optimize


def quadratic(target):
    return lambda p: {"distance": ((p - target) ** 2).sum()}


def assert_loss_falls(loss_terms, parameter, iterations=5, **kwargs):
    """Run a few steps of the shared loop; the loss must fall and the parameter must change."""
    start = parameter.clone()
    initial = float(sum(loss_terms(parameter).values()))
    result = optimize(parameter, loss_terms, iterations, **kwargs)
    assert result.total < initial
    assert not torch.equal(result.parameter, start)
    return result


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_each_optimizer_lowers_the_loss(optimizer):
    target = torch.randn(3, 4)
    assert_loss_falls(quadratic(target), torch.zeros(3, 4), optimizer=optimizer, lr=0.5 if optimizer == "adam" else None)


def test_callback_sees_every_iteration_with_losses_by_term():
    seen = []
    optimize(torch.zeros(2), quadratic(torch.ones(2)), 4, callback=seen.append)
    assert [p.iteration for p in seen] == [1, 2, 3, 4]
    assert all(set(p.losses) == {"distance"} and p.iterations == 4 for p in seen)
    assert seen[0].total == pytest.approx(2.0)


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
    result = optimize(torch.zeros(3), quadratic(torch.full((3,), 5.0)), 20, optimizer="adam", lr=1.0,
                      project=lambda p: p.clamp_(0, 1))
    assert result.parameter.max() <= 1.0
