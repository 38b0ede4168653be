import pytest
import torch

from brushwork.losses import ContentLoss, LossTerms, StyleLoss, TotalVariationLoss, gram_matrix
from brushwork.losses.functional import total_variation


def test_content_loss_term_is_weighted_mse():
    target, feats = torch.randn(1, 4, 3, 3), torch.randn(1, 4, 3, 3)
    term = ContentLoss("relu4_2", target, weight=2.5)
    assert term({"relu4_2": feats}, None).item() == pytest.approx(2.5 * ((feats - target) ** 2).mean().item(), rel=1e-6)


def test_style_loss_term_sums_weighted_layer_losses():
    feats = {"a": torch.randn(1, 3, 4, 4), "b": torch.randn(1, 5, 2, 2)}
    targets = {"a": torch.randn(1, 3, 3), "b": torch.randn(1, 5, 5)}
    term = StyleLoss(targets, {"a": 0.5, "b": 2.0}, weight=3.0)
    expected = 3.0 * sum(w * ((gram_matrix(feats[k]) - targets[k]) ** 2).mean() for k, w in (("a", 0.5), ("b", 2.0)))
    assert term(feats, None).item() == pytest.approx(expected.item(), rel=1e-5)


def test_blending_target_grams_equals_blending_losses_up_to_a_constant():
    styles = [{"a": torch.randn(1, 3, 4, 4)} for _ in range(2)]
    blend = (0.7, 0.3)
    blended = StyleLoss(StyleLoss.targets_from(styles, blend), {"a": 1.0})
    separate = [StyleLoss(StyleLoss.targets_from([s], (1.0,)), {"a": 1.0}) for s in styles]
    gaps = []
    for _ in range(3):
        feats = {"a": torch.randn(1, 3, 4, 4)}
        mixed = sum(b * term(feats, None) for b, term in zip(blend, separate))
        gaps.append((mixed - blended(feats, None)).item())
    assert gaps[0] == pytest.approx(gaps[1], rel=1e-4) == pytest.approx(gaps[2], rel=1e-4)


def test_tv_term_is_weighted_total_variation():
    image = torch.rand(1, 3, 6, 6)
    assert TotalVariationLoss(0.1)({}, image).item() == pytest.approx(0.1 * total_variation(image).item())


def test_loss_terms_run_the_encoder_once_up_to_the_deepest_layer(random_encoder):
    image = torch.rand(1, 3, 32, 32)
    feats = random_encoder(image, ["relu2_1", "relu3_1"])
    terms = LossTerms(
        random_encoder,
        {
            "content": ContentLoss("relu2_1", torch.zeros_like(feats["relu2_1"])),
            "style": StyleLoss({"relu3_1": gram_matrix(feats["relu3_1"])}, {"relu3_1": 1.0}),
        },
    )
    assert terms.layers == ["relu2_1", "relu3_1"]
    values = terms(image)
    assert values["style"].item() == pytest.approx(0.0, abs=1e-6)
    assert values["content"].item() == pytest.approx(feats["relu2_1"].pow(2).mean().item(), rel=1e-5)
