"""Test helpers shared across packages."""

import torch

from brushwork.optim import optimize


def assert_loss_falls(loss_terms, parameter, iterations=5, **kwargs):
    """Run a few steps of the shared loop; the loss must fall and the parameter must change."""
    start = parameter.clone()
    initial = float(sum(loss_terms(parameter).values()))
    result = optimize(parameter, loss_terms, iterations, **kwargs)
    assert result.total < initial
    assert not torch.equal(result.parameter, start)
    return result
