"""The loss terms on the ``meta`` device, which has shapes but no numbers: a term that makes a tensor on the
CPU, or reads a number out of one, fails here as it would on a GPU or a Mac. (W2 is not among them: its
root factor keeps the eigenvalues above a floor, a shape that depends on the numbers; the runtime tracer in
tests/techniques/test_devices.py follows it instead.)"""

import pytest
import torch

from brushwork.losses import ContentLoss, RegionalStyleLoss, StyleLoss, TotalVariationLoss
from brushwork.losses.distributions import SlicedWassersteinLoss, random_directions

META = torch.device("meta")
WEIGHTS = {"relu1_1": 1.0, "relu2_1": 0.5}


def features(requires_grad: bool = False) -> dict[str, torch.Tensor]:
    shapes = {"relu1_1": (1, 8, 12, 12), "relu2_1": (1, 16, 6, 6)}
    return {layer: torch.rand(shape, device=META, requires_grad=requires_grad) for layer, shape in shapes.items()}


def terms() -> dict[str, object]:
    style = features()
    mask = torch.rand(1, 1, 12, 12, device=META)
    directions = {
        layer: random_directions(f.shape[1], f.shape[1], torch.Generator().manual_seed(0), META)
        for layer, f in style.items()
    }
    axes = {layer: torch.eye(f.shape[1], device=META) for layer, f in style.items()}
    return {
        "content": ContentLoss("relu2_1", style["relu2_1"]),
        "gram": StyleLoss(StyleLoss.targets_from([style, style], [0.7, 0.3]), WEIGHTS),
        "regions": RegionalStyleLoss(
            [StyleLoss(StyleLoss.targets_from([style], [1.0]), WEIGHTS, mask=m) for m in (mask, 1 - mask)]
        ),
        "sliced": SlicedWassersteinLoss(
            directions, SlicedWassersteinLoss.targets_from([style], [1.0], directions), WEIGHTS
        ),
        "histogram": SlicedWassersteinLoss(axes, SlicedWassersteinLoss.targets_from([style], [1.0], axes), WEIGHTS),
        "tv": TotalVariationLoss(1.0),
    }


@pytest.mark.parametrize("name", list(terms()))
def test_a_loss_term_and_its_gradient_stay_on_the_features_device(name):
    term = terms()[name]
    seen = features(requires_grad=True)
    image = torch.rand(1, 3, 12, 12, device=META, requires_grad=True)
    value = term(seen, image)
    assert value.device == META and value.shape == ()
    value.backward()
    graded = [image] if name == "tv" else [seen[layer] for layer in term.layers]
    assert all(t.grad is not None and t.grad.device == META for t in graded)
