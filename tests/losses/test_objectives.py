import pytest
import torch

from brushwork.losses import (
    ActivationObjective,
    AlphaNormLoss,
    ClassObjective,
    FeatureReconstructionLoss,
    GuidedObjective,
    LossTerms,
    alpha_norm,
    feature_reconstruction_loss,
)
from brushwork.render.param import PixelImage

from ..conftest import smooth_image
from ..helpers import assert_loss_falls


def test_feature_reconstruction_loss_is_relative_squared_error():
    target = torch.tensor([[1.0, 2.0], [0.0, -2.0]])
    features = torch.tensor([[1.0, 0.0], [1.0, -2.0]])
    assert feature_reconstruction_loss(features, target) == pytest.approx((4 + 1) / (1 + 4 + 0 + 4))


def test_alpha_norm_is_mean_power_of_centred_pixels():
    image = torch.tensor([1.0, 3.0, -1.0, 5.0]).view(1, 1, 2, 2)  # mean 2: deviations -1, 1, -3, 3
    assert alpha_norm(image, 4.0) == pytest.approx((1 + 1 + 81 + 81) / 4)
    assert AlphaNormLoss(4.0, bound=3.0, weight=2.0)({}, image) == pytest.approx(2 * 41 / 81)


def test_activation_objective_is_minus_mean_power_of_chosen_channels():
    features = {"l": torch.arange(24.0).view(1, 3, 2, 4)}
    assert ActivationObjective("l", [1], power=1)(features, None) == pytest.approx(-11.5)
    assert ActivationObjective("l", None, power=2)(features, None) == pytest.approx(-(torch.arange(24.0) ** 2).mean())


def test_guided_objective_pulls_each_position_to_its_best_matching_guide_feature():
    guide = torch.tensor([[1.0, 0.0], [0.0, 1.0]]).view(1, 2, 1, 2)  # guide vectors (1, 0) and (0, 1)
    x = torch.tensor([[2.0, 0.5], [1.0, 3.0]]).view(1, 2, 1, 2).requires_grad_()  # positions (2, 1), (0.5, 3)
    loss = GuidedObjective("l", guide)({"l": x}, None)
    assert float(loss.detach()) == pytest.approx(-(2.0 + 3.0) / 2 / 2)
    loss.backward()
    # position 0 matches guide (1, 0), position 1 matches (0, 1)
    assert torch.allclose(x.grad.view(2, 2), -torch.tensor([[1.0, 0.0], [0.0, 1.0]]) / 4)


def test_class_objective_is_minus_the_logit():
    logits = torch.tensor([[0.5, 2.0, -1.0], [0.5, 4.0, 1.0]])
    assert ClassObjective(1)({"logits": logits}, None) == pytest.approx(-3.0)


def _pixels(height=48, width=48):
    return PixelImage(smooth_image(height, width)).parameter


def test_reconstruction_step_lowers_its_loss(random_encoder):
    target = random_encoder(smooth_image(48, 48, seed=3), ["relu2_1"])["relu2_1"]
    terms = LossTerms(random_encoder, {"features": FeatureReconstructionLoss("relu2_1", target)})
    assert_loss_falls(lambda p: terms(PixelImage.image(p)), _pixels(), iterations=5)


def test_activation_step_lowers_its_loss(random_encoder):
    terms = LossTerms(random_encoder, {"dream": ActivationObjective("relu3_1", [0, 5], power=2)})
    assert_loss_falls(lambda p: terms(PixelImage.image(p)), _pixels(), iterations=3, optimizer="normalized", lr=2.0)


def test_guided_step_lowers_its_loss(random_encoder):
    guide = random_encoder(smooth_image(32, 32, seed=5), ["relu2_2"])["relu2_2"]
    terms = LossTerms(random_encoder, {"dream": GuidedObjective("relu2_2", guide)})
    assert_loss_falls(lambda p: terms(PixelImage.image(p)), _pixels(), iterations=3, optimizer="normalized", lr=2.0)


def test_class_step_lowers_its_loss():
    class TinyClassifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 4, 3)

        def forward(self, rgb, layers):
            return {"logits": self.conv(rgb).mean(dim=(2, 3))}

    torch.manual_seed(0)
    terms = LossTerms(TinyClassifier().requires_grad_(False), {"class": ClassObjective(2)})
    assert_loss_falls(terms, smooth_image(16, 16), iterations=3, optimizer="adam", lr=0.1)


def test_alpha_norm_step_lowers_its_loss():
    terms = LossTerms(None, {"alpha": AlphaNormLoss(6.0, bound=0.3)})
    assert_loss_falls(terms, smooth_image(16, 16), iterations=5)
